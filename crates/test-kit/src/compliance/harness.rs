//! One broker, one working directory and the worker processes of a harness run, started from this
//! test binary one after another.

use std::path::PathBuf;
use std::time::Duration;

use kconnect_api::ConfigMap;
use kconnect_broker::{BrokerOptions, EmbeddedBroker};
use serde_json::json;

use crate::{RestApi, WorkerProcess, broker_options, free_port, start_with, worker_file};

/// Keys and values as schemaless JSON, so that what a case expects reads as plain JSON text.
const WORKER_EXTRA: &str = "key.converter=org.apache.kafka.connect.json.JsonConverter\n\
    key.converter.schemas.enable=false\n\
    value.converter=org.apache.kafka.connect.json.JsonConverter\n\
    value.converter.schemas.enable=false\n\
    connector.start.timeout.ms=3000\n";
/// How long a stopped broker is given to close its listener and storage before it starts again.
const BROKER_CLOSE: Duration = Duration::from_secs(1);
/// How long a worker may take to answer REST after it starts, or to exit after SIGTERM.
const WORKER_TIMEOUT: Duration = Duration::from_secs(60);

/// The broker and files of one harness run.
pub(super) struct Harness {
    /// The connector under test's name.
    pub name: String,
    /// The broker's bootstrap servers.
    pub bootstrap: String,
    /// The workers' REST API.
    pub rest: RestApi,
    dir: tempfile::TempDir,
    worker_file: PathBuf,
    connector_file: PathBuf,
    log: PathBuf,
    broker_options: BrokerOptions,
    broker: std::sync::Mutex<Option<EmbeddedBroker>>,
}

impl Harness {
    /// Starts a broker and writes the worker's and the connector's files; `connector` is the
    /// connector's configuration without its name, `worker` lines the worker's file adds.
    pub async fn new(name: &str, connector: &ConfigMap, worker: &str) -> Self {
        let dir = tempfile::tempdir().expect("temporary directory");
        let broker_options = broker_options(&dir.path().join("broker"));
        let broker = start_with(broker_options.clone()).await;
        let bootstrap = broker.bootstrap_servers();
        let port = free_port();
        let extra = format!("{WORKER_EXTRA}{worker}\n");
        let worker_file = worker_file(dir.path(), "worker", &bootstrap, port, false, &extra);
        let connector_file = dir.path().join("connector.json");
        let mut config = connector.clone();
        config.insert("name".into(), name.into());
        std::fs::write(&connector_file, json!({"name": name, "config": config}).to_string())
            .expect("write the connector file");
        Self {
            name: name.to_string(),
            bootstrap,
            rest: RestApi::new(port),
            log: dir.path().join("worker.log"),
            dir,
            worker_file,
            connector_file,
            broker_options,
            broker: std::sync::Mutex::new(Some(broker)),
        }
    }

    /// A path in the run's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Starts a standalone worker with the connector under test and waits for its REST API.
    pub async fn start(&self) -> WorkerProcess {
        let args = [
            "kconnect".to_string(),
            "standalone".to_string(),
            self.worker_file.display().to_string(),
            self.connector_file.display().to_string(),
        ];
        let mut worker = WorkerProcess::in_this_test(&args, &self.log);
        let deadline = std::time::Instant::now() + WORKER_TIMEOUT;
        while std::time::Instant::now() < deadline {
            if let Some(status) = worker.wait(Duration::ZERO) {
                panic!("the worker exited with {status} at start:\n{}", self.log_tail());
            }
            if self.rest.is_up().await {
                return worker;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the worker's REST API did not answer:\n{}", self.log_tail());
    }

    /// Stops `worker` with SIGTERM; whether it exited cleanly in time.
    pub fn stop_gracefully(&self, mut worker: WorkerProcess) -> bool {
        worker.signal("TERM");
        worker.wait(WORKER_TIMEOUT).is_some_and(|status| status.success())
    }

    /// Kills `worker` with SIGKILL, waits for it to be gone, and restarts the broker on its data.
    ///
    /// The restart is for tansu 0.6, which never hands the partitions of a consumer group member
    /// whose session timed out to the others (`crates/broker/src/stale_members.rs`): a broker
    /// that starts again forgets the dead worker's members, as the embedded broker does when it
    /// restarts with its worker. Against Apache Kafka the new worker would get them after the
    /// session timeout.
    pub async fn kill(&self, mut worker: WorkerProcess) {
        worker.signal("KILL");
        worker.wait(WORKER_TIMEOUT);
        if let Some(broker) = self.broker.lock().expect("broker").take() {
            broker.stop();
        }
        tokio::time::sleep(BROKER_CLOSE).await;
        let broker = start_with(self.broker_options.clone()).await;
        *self.broker.lock().expect("broker") = Some(broker);
    }

    /// The sum over the tasks of the connector under test of metric `family`; waits up to
    /// `timeout` for it to reach `expected`, and returns the last value read.
    pub async fn task_metric(&self, family: &str, expected: f64, timeout: Duration) -> f64 {
        let prefix = format!("{family}{{connector=\"{}\",", self.name);
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let text = self.rest.metrics().await;
            let total: f64 = text
                .lines()
                .filter(|line| line.starts_with(&prefix))
                .filter_map(|line| line.rsplit(' ').next()?.parse::<f64>().ok())
                .sum();
            if total == expected || std::time::Instant::now() > deadline {
                return total;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The last 60 lines the workers logged.
    pub fn log_tail(&self) -> String {
        let log = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = log.lines().collect();
        lines[lines.len().saturating_sub(60)..].join("\n")
    }
}
