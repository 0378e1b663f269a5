//! Helpers every kconnect integration test uses: free ports, an in-process embedded broker, worker
//! processes started from config files, and waiting for what arrives.

mod apache_jars;
mod broker_process;
pub mod cdc;
pub mod cdc_transactions;
pub mod child_worker;
pub mod compliance;
mod connect_data;
pub mod databases;
pub mod debezium;
pub mod incremental_snapshot;
mod java_stores;
mod kafka;
mod mariadb_server;
pub mod postgres_cdc;
mod postgres_server;
mod process;
mod quickstart;
mod rest;
pub mod test_worker;
mod tls_broker;
mod worker_files;

use std::net::TcpListener;
use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub use apache_jars::{apache_connect, apache_jars, apache_jars_named, java_plugin_worker, plugin_directory};
pub use broker_process::BrokerProcess;
pub use connect_data::every_type_row;
pub use java_stores::{JavaStores, STORE_PASSWORD, java_stores};
pub use kafka::{
    ConsumedRecord, PartitionRecord, ProducedRecord, broker_options, consume_records, consume_values, create_topic,
    create_topic_with_partitions, produce_records, produce_to_partition, produce_values, read_partition, start_broker,
    start_sasl_broker, start_with,
};
pub use mariadb_server::{StartMariaDbAgain, mariadb, mariadb_rows, start_mariadb, stop_mariadb};
pub use postgres_server::{StartPostgresAgain, postgres_cluster};
pub use process::WorkerProcess;
pub use quickstart::{ARRIVAL_TIMEOUT, Quickstart};
pub use rest::{RestApi, metric_labels, metric_value};
pub use test_worker::TestWorker;
pub use tls_broker::{TlsBroker, start_tls_broker, test_certificates};
pub use worker_files::worker_file;

/// Where [`free_port`] looks: below Linux's ephemeral range (32768 up), so that no outgoing
/// connection of a worker or broker takes a port between the test choosing it and the server
/// binding it.
const TEST_PORTS: std::ops::Range<u16> = 20_000..32_000;

/// A TCP port nothing listens on right now, never the same twice in one test process (tests run
/// in parallel threads), taken in turn from a range that starts at a place chosen by the
/// process id, so that test processes run one after another do not reuse each other's ports.
pub fn free_port() -> u16 {
    static NEXT: AtomicU32 = AtomicU32::new(u32::MAX);
    let span = u32::from(TEST_PORTS.end - TEST_PORTS.start);
    let _ = NEXT.compare_exchange(
        u32::MAX,
        std::process::id().wrapping_mul(97) % span,
        Ordering::Relaxed,
        Ordering::Relaxed,
    );
    for _ in 0..span {
        let offset = NEXT.fetch_add(1, Ordering::Relaxed) % span;
        let port = TEST_PORTS.start + offset as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port in {TEST_PORTS:?}")
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

/// A directory `.ci/services` installs a test tool into: `$variable`, else `~/.cache/<name>`.
fn services_dir(variable: &str, name: &str) -> std::path::PathBuf {
    std::env::var_os(variable)
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            let home = std::env::var_os("HOME").expect("HOME is set");
            Path::new(&home).join(".cache").join(name)
        })
}

/// `path`, which `.ci/services` installs `what`'s, or a panic saying to run it.
fn installed(path: std::path::PathBuf, what: &str) -> std::path::PathBuf {
    assert!(
        path.exists(),
        "{} is missing: run .ci/services to install {what}",
        path.display()
    );
    path
}

/// The Python of the venv `.ci/services` installs the tests' Python clients and readers into
/// (`KCONNECT_VENV`, `~/.cache/kconnect-venv` unless set).
pub fn venv_python() -> std::path::PathBuf {
    installed(
        services_dir("KCONNECT_VENV", "kconnect-venv").join("bin/python"),
        "the Python clients",
    )
}

/// Runs `command` (a client or checker a test drives) to its end, failing with what it printed
/// and `context` (a worker's log, say) unless it succeeds.
pub fn run_to_success(command: &mut std::process::Command, context: impl FnOnce() -> String) {
    let run = command
        .output()
        .unwrap_or_else(|err| panic!("{command:?} does not start ({err}): run .ci/services to install it"));
    assert!(
        run.status.success(),
        "{command:?} failed:\n{}\n{}\n{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr),
        context()
    );
}

/// The `node_modules` `.ci/services` installs playwright-core into, for the web UI's browser
/// tests (`KCONNECT_PLAYWRIGHT`, `~/.cache/kconnect-playwright` unless set).
pub fn playwright_modules() -> std::path::PathBuf {
    installed(
        services_dir("KCONNECT_PLAYWRIGHT", "kconnect-playwright").join("node_modules"),
        "playwright-core",
    )
}

/// `count` distinct lines starting at `first`: `line-000001 …`.
pub fn numbered_lines(first: usize, count: usize) -> impl Iterator<Item = String> {
    (first..first + count).map(|i| format!("line-{i:06} the quick brown fox jumps over the lazy dog"))
}
