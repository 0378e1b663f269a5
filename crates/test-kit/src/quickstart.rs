//! Apache's file quickstart in a temporary directory, run with the `kconnect` binary.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::{WorkerProcess, free_port, read_lines, wait_until};

/// How long a test waits for records to arrive.
pub const ARRIVAL_TIMEOUT: Duration = Duration::from_secs(120);

/// A quickstart set-up in a temporary directory: the repository's config files with the paths and
/// ports of one test.
pub struct Quickstart {
    bin: PathBuf,
    dir: tempfile::TempDir,
    worker: PathBuf,
    connectors: Vec<PathBuf>,
    /// The worker's REST port.
    pub rest_port: u16,
    /// The embedded broker's port.
    pub broker_port: u16,
}

impl Quickstart {
    /// [`Quickstart::new`] on the repository's own `config/` files.
    pub fn of_repository(bin: &Path, flush_interval_ms: u64) -> Self {
        Self::new(
            bin,
            &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config"),
            flush_interval_ms,
        )
    }

    /// Copies the quickstart files from `config_dir`, pointing them at this test's directory,
    /// ports and offset flush interval.
    pub fn new(bin: &Path, config_dir: &Path, flush_interval_ms: u64) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let root = config_dir;
        let rest_port = free_port();
        let broker_port = free_port();
        let worker_text = std::fs::read_to_string(root.join("connect-standalone.properties")).expect("worker config")
            + format!(
                "\noffset.storage.file.filename={}\noffset.flush.interval.ms={flush_interval_ms}\nlisteners=http://127.0.0.1:{rest_port}\nembedded.broker.listener=127.0.0.1:{broker_port}\n",
                dir.path().join("connect.offsets").display(),
            )
            .as_str();
        let worker = dir.path().join("connect-standalone.properties");
        std::fs::write(&worker, worker_text).expect("write worker config");
        let connectors = ["connect-file-source.properties", "connect-file-sink.properties"]
            .iter()
            .map(|name| {
                let text = std::fs::read_to_string(root.join(name)).expect("connector config");
                let text = text
                    .replace(
                        "file=test.txt",
                        &format!("file={}", dir.path().join("test.txt").display()),
                    )
                    .replace(
                        "file=test.sink.txt",
                        &format!("file={}", dir.path().join("test.sink.txt").display()),
                    );
                let path = dir.path().join(name);
                std::fs::write(&path, text).expect("write connector config");
                path
            })
            .collect();
        Self {
            bin: bin.to_path_buf(),
            dir,
            worker,
            connectors,
            rest_port,
            broker_port,
        }
    }

    /// The source file.
    pub fn input(&self) -> PathBuf {
        self.path("test.txt")
    }

    /// The lines in the sink file.
    pub fn output(&self) -> Vec<String> {
        read_lines(&self.path("test.sink.txt"))
    }

    /// Waits until the REST API answers.
    pub fn wait_for_rest(&self, worker: &WorkerProcess) {
        let up = wait_until(ARRIVAL_TIMEOUT, || {
            std::net::TcpStream::connect(("127.0.0.1", self.rest_port)).is_ok()
        });
        assert!(up, "REST API did not start; worker log:\n{}", worker.log());
    }

    /// Starts the worker on the three files.
    pub fn start(&self) -> WorkerProcess {
        self.start_with(&self.connectors)
    }

    /// Starts the worker with only the given connector files.
    pub fn start_with(&self, connectors: &[PathBuf]) -> WorkerProcess {
        WorkerProcess::start(&self.bin, &self.worker, connectors, &self.path("worker.log"))
    }

    /// Points the worker at the Kafka cluster `bootstrap` instead of its embedded broker.
    pub fn use_broker(&self, bootstrap: &str) {
        let text = std::fs::read_to_string(&self.worker).expect("worker config");
        std::fs::write(&self.worker, format!("{text}bootstrap.servers={bootstrap}\n")).expect("write worker config");
    }

    /// Adds the properties `settings` to the worker's file and makes each line the source reads a
    /// struct of one field, `line` (HoistField), as the schema'd converters need.
    pub fn with_struct_lines(&self, settings: &str) {
        let text = std::fs::read_to_string(&self.worker).expect("worker config");
        std::fs::write(&self.worker, format!("{text}\n{settings}\n")).expect("write worker config");
        let source = self.path("connect-file-source.properties");
        let hoist = "\ntransforms=hoist\ntransforms.hoist.type=HoistField$Value\ntransforms.hoist.field=line\n";
        let text = std::fs::read_to_string(&source).expect("source config");
        std::fs::write(&source, text + hoist).expect("write source config");
    }

    /// The path of a file in the test's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Waits until the sink file has `count` lines, failing with the worker's log otherwise.
    pub fn wait_for_lines(&self, worker: &WorkerProcess, count: usize) {
        let arrived = wait_until(ARRIVAL_TIMEOUT, || self.output().len() >= count);
        assert!(
            arrived,
            "only {} of {count} lines arrived; worker log:\n{}",
            self.output().len(),
            worker.log()
        );
    }
}
