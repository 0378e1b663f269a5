//! The machine's PostgreSQL cluster, stopped and started by the tests of what happens while it is
//! away. Such a test stops the server every other test uses: it belongs in a test binary of its
//! own (cargo runs test binaries one at a time).

use std::process::Command;

/// The newest cluster version under `/etc/postgresql`.
fn version() -> String {
    std::fs::read_dir("/etc/postgresql")
        .expect("PostgreSQL's configuration directory")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .max()
        .expect("a PostgreSQL cluster")
}

/// Runs `pg_ctlcluster <version> main <action>` (`stop`, `start`), failing the test if it fails.
pub fn postgres_cluster(action: &str) {
    let status = Command::new("pg_ctlcluster")
        .args(["--skip-systemctl-redirect", &version(), "main", action])
        .status()
        .expect("pg_ctlcluster runs");
    assert!(status.success(), "pg_ctlcluster {action}");
}

/// Starts PostgreSQL again when dropped, however the test ends.
pub struct StartPostgresAgain;

impl Drop for StartPostgresAgain {
    fn drop(&mut self) {
        let _ = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version(), "main", "start"])
            .status();
    }
}
