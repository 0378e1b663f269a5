//! Helpers every kconnect integration test uses: free ports, an in-process embedded broker, worker
//! processes started from config files, and waiting for what arrives.

mod broker_process;
pub mod databases;
mod kafka;
mod process;
mod quickstart;
mod rest;

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

pub use broker_process::BrokerProcess;
pub use kafka::{ConsumedRecord, consume_records, consume_values, create_topic, produce_values, start_broker};
pub use process::WorkerProcess;
pub use quickstart::{ARRIVAL_TIMEOUT, Quickstart};
pub use rest::RestApi;

/// A TCP port nothing listens on right now.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free port")
}

/// Polls `condition` every 50 ms until it holds or `timeout` passes; returns whether it held.
pub fn wait_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The lines of a text file; none if it does not exist.
pub fn read_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .map(|text| text.lines().map(str::to_string).collect())
        .unwrap_or_default()
}

/// Appends `lines` to a file, each with a newline.
pub fn append_lines(path: &Path, lines: impl IntoIterator<Item = String>) {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .expect("open input file");
    let text: String = lines.into_iter().map(|line| line + "\n").collect();
    file.write_all(text.as_bytes()).expect("append lines");
}

/// `count` distinct lines starting at `first`: `line-000001 …`.
pub fn numbered_lines(first: usize, count: usize) -> impl Iterator<Item = String> {
    (first..first + count).map(|i| format!("line-{i:06} the quick brown fox jumps over the lazy dog"))
}
