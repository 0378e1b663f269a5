//! A kconnect worker run as a real process.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::Duration;

use crate::wait_until;

/// A running `kconnect standalone` or `kconnect distributed` process; killed when dropped.
pub struct WorkerProcess {
    child: Child,
    log: PathBuf,
}

impl WorkerProcess {
    /// Starts `bin standalone worker connectors...`, logging to `log`.
    pub fn start(bin: &Path, worker: &Path, connectors: &[PathBuf], log: &Path) -> Self {
        let mut args = vec![PathBuf::from("standalone"), worker.to_path_buf()];
        args.extend(connectors.iter().cloned());
        Self::spawn(bin, &args, log)
    }

    /// Starts `bin distributed worker`, logging to `log`.
    pub fn distributed(bin: &Path, worker: &Path, log: &Path) -> Self {
        Self::spawn(bin, &[PathBuf::from("distributed"), worker.to_path_buf()], log)
    }

    /// Starts `bin args...` with its log (stderr) appended to `log`.
    pub fn spawn(bin: &Path, args: &[PathBuf], log: &Path) -> Self {
        let mut command = Command::new(bin);
        command.args(args);
        Self::run(command, log)
    }

    /// Starts the `kconnect` command line `args` (program name first) in a process of this test
    /// binary, with the plugins its [`worker_entry!`](crate::worker_entry) names.
    pub fn in_this_test(args: &[String], log: &Path) -> Self {
        Self::run(crate::child_worker::command(args), log)
    }

    /// Runs `command` with its log (stderr) appended to `log`.
    fn run(mut command: Command, log: &Path) -> Self {
        let log_file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(log)
            .expect("open worker log");
        let child = command
            .stdout(Stdio::null())
            .stderr(log_file)
            .spawn()
            .expect("start kconnect");
        Self {
            child,
            log: log.to_path_buf(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Sends `signal` (`TERM`, `KILL`, `INT`).
    pub fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(self.pid().to_string())
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Waits for the process to exit, at most `timeout`.
    pub fn wait(&mut self, timeout: Duration) -> Option<ExitStatus> {
        let mut status = None;
        wait_until(timeout, || {
            status = self.child.try_wait().ok().flatten();
            status.is_some()
        });
        status
    }

    /// Everything the worker logged so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for WorkerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
