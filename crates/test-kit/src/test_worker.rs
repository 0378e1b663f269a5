//! A broker and one worker process for a test: standalone or distributed, with the test binary's
//! plugins, its REST API, and the connector calls tests make.

use std::time::Duration;

use kconnect_broker::{BrokerOptions, EmbeddedBroker};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{RestApi, WorkerProcess, broker_options, free_port, start_with, worker_file};

/// How long a test waits for what it expects.
pub const WAIT: Duration = Duration::from_secs(60);

/// A broker and one worker process running on it, started from the test binary (see
/// [`crate::worker_entry!`]) with the test's plugins.
pub struct TestWorker {
    dir: tempfile::TempDir,
    args: Vec<String>,
    /// The broker's bootstrap servers.
    pub bootstrap: String,
    /// The worker's REST API.
    pub rest: RestApi,
    /// The worker process.
    pub process: WorkerProcess,
    broker_options: BrokerOptions,
    broker: Option<EmbeddedBroker>,
}

impl TestWorker {
    /// Starts a broker and a worker on it, `distributed` or standalone, and waits for its REST API.
    pub async fn start(distributed: bool) -> Self {
        Self::start_with(distributed, "", &[]).await
    }

    /// As [`TestWorker::start`], with `extra` worker properties and, standalone, `connectors` (each a
    /// connector's properties) created at start-up.
    pub async fn start_with(distributed: bool, extra: &str, connectors: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let broker_options = broker_options(&dir.path().join("broker"));
        let broker = start_with(broker_options.clone()).await;
        let bootstrap = broker.bootstrap_servers();
        let port = free_port();
        let file = worker_file(dir.path(), "worker", &bootstrap, port, distributed, extra);
        let mode = if distributed { "distributed" } else { "standalone" };
        let mut args = vec!["kconnect".to_string(), mode.to_string(), file.display().to_string()];
        for (n, properties) in connectors.iter().enumerate() {
            let path = dir.path().join(format!("connector-{n}.properties"));
            std::fs::write(&path, properties).unwrap();
            args.push(path.display().to_string());
        }
        let process = WorkerProcess::in_this_test(&args, &dir.path().join("worker.log"));
        let worker = Self {
            dir,
            args,
            bootstrap,
            rest: RestApi::new(port),
            process,
            broker_options,
            broker: Some(broker),
        };
        worker.wait_until_up().await;
        worker
    }

    async fn wait_until_up(&self) {
        for _ in 0..600 {
            if self.rest.is_up().await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The directory of the worker's files (its configuration, offsets and log).
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Kills the worker with SIGKILL and waits for it to end.
    pub fn kill(&mut self) {
        self.process.signal("KILL");
        self.process.wait(Duration::from_secs(10));
    }

    /// Kills the worker with SIGKILL, then restarts the broker on its data, as a host that goes
    /// down takes its embedded broker with it. Sink tests need it: tansu 0.6 never hands a dead
    /// consumer's partitions to the group's other members (see the compliance harness's kill).
    pub async fn kill_with_broker(&mut self) {
        self.kill();
        if let Some(broker) = self.broker.take() {
            broker.stop();
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
        self.broker = Some(start_with(self.broker_options.clone()).await);
    }

    /// Starts the worker again on the same files and broker, after [`TestWorker::kill`].
    pub async fn start_again(&mut self) {
        self.process = WorkerProcess::in_this_test(&self.args, &self.dir.path().join("worker.log"));
        self.wait_until_up().await;
    }

    /// Creates connector `name` with `config`.
    pub async fn create(&self, name: &str, config: Value) {
        let body = json!({"name": name, "config": config});
        let (status, answer) = self
            .rest
            .json_through_conflicts(Method::POST, "/connectors", body, WAIT)
            .await;
        assert_eq!(status, 201, "{answer}");
    }

    /// Replaces the configuration of connector `name` with `config`.
    pub async fn update(&self, name: &str, config: Value) {
        let path = format!("/connectors/{name}/config");
        let (status, answer) = self.rest.json_through_conflicts(Method::PUT, &path, config, WAIT).await;
        assert_eq!(status, 200, "{answer}");
    }

    /// Waits until connector `name` itself reports `state`; returns its status as last read.
    pub async fn wait_for_connector_state(&self, name: &str, state: &str) -> Value {
        self.rest
            .wait_for_status(name, WAIT, |status| status["connector"]["state"] == state)
            .await
    }

    /// Waits until connector `name` runs exactly `count` tasks, every one RUNNING, and fails the
    /// test with the status and the worker's log if it does not; returns the status.
    pub async fn expect_running_tasks(&self, name: &str, count: usize) -> Value {
        let running = |status: &Value| {
            let tasks = status["tasks"].as_array().cloned().unwrap_or_default();
            tasks.len() == count && tasks.iter().all(|t| t["state"] == "RUNNING")
        };
        let status = self.rest.wait_for_status(name, WAIT, running).await;
        assert!(
            running(&status),
            "{name}: not {count} running tasks: {status}\n{}",
            self.process.log()
        );
        status
    }

    /// `PUT /connectors/{name}/{action}` (pause, resume), expecting 202.
    pub async fn change_target(&self, name: &str, action: &str) {
        let (status, answer, _) = self
            .rest
            .call(Method::PUT, &format!("/connectors/{name}/{action}"), None)
            .await;
        assert_eq!(status, 202, "{action}: {answer}");
    }
}
