//! `kconnect broker` run as its own process, for tests that need a broker outliving a worker.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::wait_until;

/// A running `kconnect broker`; killed when dropped.
pub struct BrokerProcess {
    child: Child,
    /// Its `host:port`.
    pub bootstrap: String,
}

impl BrokerProcess {
    /// Starts `bin broker` on `port` with `storage` (`memory` or `sqlite`) in `data_dir`, and waits
    /// until it listens.
    pub fn start(bin: &Path, port: u16, data_dir: &Path, storage: &str) -> Self {
        let child = Command::new(bin)
            .args([
                "broker",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--storage",
                storage,
                "--data-dir",
            ])
            .arg(data_dir)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start kconnect broker");
        let listening = wait_until(Duration::from_secs(30), || {
            std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
        });
        assert!(listening, "broker did not listen on {port}");
        Self {
            child,
            bootstrap: format!("127.0.0.1:{port}"),
        }
    }

    /// Its process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Stops it with SIGTERM and waits for it to exit.
    pub fn terminate(mut self) {
        Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status()
            .expect("run kill");
        let exited = wait_until(Duration::from_secs(10), || {
            self.child.try_wait().ok().flatten().is_some()
        });
        assert!(exited, "broker stops on SIGTERM");
    }
}

impl Drop for BrokerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
