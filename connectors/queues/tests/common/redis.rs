//! A `redis-server` of a test's own, on a free port, in a directory of its own, for what the
//! machine's Redis cannot show (a restart that keeps data, TLS).

use std::path::Path;
use std::process::{Child, Command};
use std::time::Duration;

/// A running `redis-server` and how to start it again.
pub struct RedisServer {
    pub port: u16,
    pub dir: tempfile::TempDir,
    args: Vec<String>,
    process: Option<Child>,
}

impl RedisServer {
    /// Starts `redis-server` with `args` (given the directory, where it listens plainly or with
    /// TLS on `port`) and waits until it accepts connections.
    pub async fn start(args: impl FnOnce(&Path, u16) -> Vec<String>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let port = kconnect_test_kit::free_port();
        let args = args(dir.path(), port);
        let mut server = Self {
            port,
            dir,
            args,
            process: None,
        };
        server.run().await;
        server
    }

    async fn run(&mut self) {
        let child = Command::new("redis-server")
            .args(&self.args)
            .args(["--bind", "127.0.0.1", "--save", ""])
            .arg("--dir")
            .arg(self.dir.path())
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("redis-server (Debian's redis-server package)");
        self.process = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("redis-server on {} did not start", self.port);
    }

    /// Kills the server (SIGKILL) and starts it again with the same arguments.
    pub async fn restart(&mut self) {
        self.stop();
        tokio::time::sleep(Duration::from_millis(500)).await;
        self.run().await;
    }

    fn stop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.kill();
            let _ = process.wait();
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}
