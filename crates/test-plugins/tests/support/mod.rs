//! What the scripted-connector tests share: a broker and one worker process (standalone or
//! distributed) with the scripted connectors, and reading what the scripted sink wrote.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::time::Duration;

use kconnect_broker::EmbeddedBroker;
use kconnect_test_kit::{RestApi, WorkerProcess, free_port, read_lines, start_broker, worker_file};
use reqwest::Method;
use serde_json::{Value, json};

/// How long a test waits for what it expects.
pub const WAIT: Duration = Duration::from_secs(60);

/// A broker and one worker with the scripted connectors.
pub struct Worker {
    dir: tempfile::TempDir,
    /// The broker's bootstrap servers.
    pub bootstrap: String,
    /// The worker's REST API.
    pub rest: RestApi,
    /// The worker process.
    pub process: WorkerProcess,
    _broker: EmbeddedBroker,
}

impl Worker {
    /// Starts a broker and a worker on it, `distributed` or standalone, and waits for its REST API.
    pub async fn start(distributed: bool) -> Self {
        Self::start_with(distributed, "", &[]).await
    }

    /// As [`Worker::start`], with `extra` worker properties and, standalone, `connectors` (each a
    /// connector's properties) created at start-up.
    pub async fn start_with(distributed: bool, extra: &str, connectors: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let broker = start_broker(&dir.path().join("broker")).await;
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
        let rest = RestApi::new(port);
        for _ in 0..600 {
            if rest.is_up().await {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Self {
            dir,
            bootstrap,
            rest,
            process,
            _broker: broker,
        }
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

    /// Where the scripted sink is told to write.
    pub fn output(&self) -> std::path::PathBuf {
        self.dir.path().join("sink.jsonl")
    }

    /// What the scripted sink wrote, a JSON object per record.
    pub fn output_records(&self) -> Vec<Value> {
        read_lines(&self.output())
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The values the sink wrote from `partition`, in the order written.
    pub fn written(&self, partition: i64) -> Vec<String> {
        self.output_records()
            .iter()
            .filter(|r| r["partition"] == partition)
            .map(|r| r["value"].as_str().unwrap().to_string())
            .collect()
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

/// A scripted source writing `records` records, a poll at a time, to `topic` (which the worker
/// creates, since the broker creates no topic on first use), with `extra` keys.
pub fn scripted_source(topic: &str, records: i64, extra: Value) -> Value {
    let mut config = json!({
        "connector.class": kconnect_test_plugins::SCRIPTED_SOURCE, "topic": topic,
        "records": records.to_string(), "batch.size": "1",
        "topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
    });
    config
        .as_object_mut()
        .unwrap()
        .extend(extra.as_object().unwrap().clone());
    config
}

/// Owned copies of `values`.
pub fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

/// Runs each `case(distributed: bool)` as a test in a `standalone` and a `distributed` module.
#[allow(unused_macros, reason = "each test binary uses a part of it")]
macro_rules! in_both_herders {
    ($($case:ident),* $(,)?) => {
        mod standalone {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    super::$case(false).await;
                }
            )*
        }
        mod distributed {
            $(
                #[tokio::test(flavor = "multi_thread")]
                async fn $case() {
                    super::$case(true).await;
                }
            )*
        }
    };
}
