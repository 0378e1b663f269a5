//! The machine's MariaDB server: statements run through its own client, and the server stopped
//! and started by the tests of what happens while it is away. Such a test stops the server every
//! other test uses: it belongs in a test binary of its own (cargo runs test binaries one at a
//! time).

use std::process::Command;
use std::time::{Duration, Instant};

/// Runs `statements` on the machine's MariaDB, in database `test`, failing the test if they fail.
pub fn mariadb(statements: &str) {
    let output = Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "test", "-e", statements])
        .output()
        .expect("the mariadb client");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
}

/// The rows `query` reads from the machine's MariaDB (in database `test`), each a list of its
/// columns' texts.
pub fn mariadb_rows(query: &str) -> Vec<Vec<String>> {
    let output = Command::new("mariadb")
        .args(["-uroot", "-h127.0.0.1", "test", "-N", "-B", "-e", query])
        .output()
        .expect("the mariadb client");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

/// Whether the server answers on 127.0.0.1.
fn answers() -> bool {
    Command::new("mariadb-admin")
        .args(["-h127.0.0.1", "-uroot", "ping"])
        .output()
        .is_ok_and(|output| output.status.success())
}

/// Waits up to 60 s for the server to answer (`true`) or to stop answering (`false`).
fn wait_until(up: bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while answers() != up {
        assert!(
            Instant::now() < deadline,
            "MariaDB did not {}",
            if up { "start" } else { "stop" }
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// Stops the server and waits until it is down.
pub fn stop_mariadb() {
    let _ = Command::new("mariadb-admin")
        .args(["-h127.0.0.1", "-uroot", "shutdown"])
        .status();
    wait_until(false);
}

/// Starts the server (as the machine started it) and waits until it answers.
pub fn start_mariadb() {
    let _ = std::fs::create_dir_all("/run/mysqld");
    let _ = Command::new("chown").args(["mysql:mysql", "/run/mysqld"]).status();
    let status = Command::new("start-stop-daemon")
        .args(["--start", "--oknodo", "--background", "--exec", "/usr/sbin/mariadbd"])
        .status()
        .expect("start-stop-daemon runs");
    assert!(status.success(), "starting mariadbd");
    wait_until(true);
}

/// Starts MariaDB again when dropped, however the test ends.
pub struct StartMariaDbAgain;

impl Drop for StartMariaDbAgain {
    fn drop(&mut self) {
        if !answers() {
            start_mariadb();
        }
    }
}
