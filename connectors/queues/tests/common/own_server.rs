//! A server process of a test's own (Redis, NATS, ActiveMQ, Mosquitto, RabbitMQ), on a free port with a directory of
//! its own, for what the machine's servers cannot show undisturbed: a kill and restart that keeps
//! data, TLS.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// How to start the server: its command, given its directory and port.
type Launch = Box<dyn Fn(&Path, u16) -> Command + Send + Sync>;

/// A running server and how to start it again.
pub struct OwnServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    launch: Launch,
    process: Option<Child>,
}

impl OwnServer {
    /// Starts the server `launch` makes the command of, and waits until its port accepts
    /// connections.
    pub async fn start(launch: impl Fn(&Path, u16) -> Command + Send + Sync + 'static) -> Self {
        let mut server = Self {
            port: kconnect_test_kit::free_port(),
            dir: tempfile::tempdir().unwrap(),
            launch: Box::new(launch),
            process: None,
        };
        server.run().await;
        server
    }

    async fn run(&mut self) {
        let mut command = (self.launch)(self.dir.path(), self.port);
        // Its own process group: a server started through a script dies with the script.
        let child = command
            .process_group(0)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| panic!("{command:?}: {error}"));
        self.process = Some(child);
        for _ in 0..300 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("{command:?} did not listen on {}", self.port);
    }

    /// Kills the server (SIGKILL: what it acknowledged is on its disk) and starts it again.
    pub async fn restart(&mut self) {
        self.stop();
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.run().await;
    }

    fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let group = format!("-{}", process.id());
            let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
            let _ = process.wait();
        }
    }
}

impl Drop for OwnServer {
    fn drop(&mut self) {
        self.stop();
    }
}
