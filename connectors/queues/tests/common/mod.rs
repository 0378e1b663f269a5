//! What the queue tests share: reading a topic until every expected value arrived, Python clients,
//! and each system's own helpers (RabbitMQ through lapin, MQTT through rumqttc, ActiveMQ through
//! stomp.py).

#![allow(dead_code, reason = "each test binary uses a part of it")]

pub mod activemq;
pub mod mqtt;
pub mod own_server;
pub mod rabbitmq;

use std::collections::BTreeSet;
use std::time::Duration;

use kconnect_test_kit::compliance::SinkSystem;
use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records, venv_python};
use serde_json::Value;

/// How long a test waits for what it expects.
pub const WAIT: Duration = Duration::from_secs(60);

/// Reads `topic` until every value of `expected` arrived (duplicates count only once) or the wait
/// is over; returns every record read.
pub async fn consume_each(bootstrap: &str, topic: &str, expected: &BTreeSet<String>) -> Vec<ConsumedRecord> {
    let deadline = std::time::Instant::now() + WAIT;
    let mut records: Vec<ConsumedRecord> = Vec::new();
    while std::time::Instant::now() < deadline {
        let distinct = records.iter().map(|r| &r.value).collect::<BTreeSet<_>>().len();
        if distinct >= expected.len() {
            break;
        }
        let duplicates = records.len() - distinct;
        records = consume_records(bootstrap, topic, expected.len() + duplicates, Duration::from_secs(10)).await;
    }
    records
}

/// Runs a Python script in the tests' venv (pika, paho-mqtt: `.ci/services`); returns what it
/// printed.
pub fn python(script: &str) -> String {
    let output = std::process::Command::new(venv_python())
        .args(["-c", script])
        .output()
        .expect("the tests' venv has python (.ci/services)");
    assert!(
        output.status.success(),
        "python script failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// A Python script of the tests' venv running in the background (a subscriber waiting for what a
/// sink publishes), whose printed JSON is read once it ends.
pub struct PythonJob(std::process::Child);

impl PythonJob {
    pub fn start(script: &str) -> Self {
        let child = std::process::Command::new(venv_python())
            .args(["-c", script])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .expect("the tests' venv has python (.ci/services)");
        Self(child)
    }

    /// Waits for the script to end; what it printed, as JSON.
    pub async fn json(self) -> Value {
        let Self(child) = self;
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        serde_json::from_slice(&output.stdout).unwrap()
    }
}

/// `m-<n>` for each `n` of `range`: the messages and records the restart tests move.
pub fn numbered(range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|n| format!("m-{n}")).collect()
}

/// Creates `restart-source` (writing `restart-out`) and `restart-sink` (reading `restart-in`),
/// both with the `shared` settings, and waits until each runs its task.
pub async fn start_restart_pair(worker: &TestWorker, mut source: Value, mut sink: Value, shared: &[(&str, &str)]) {
    for (key, value) in shared {
        source[*key] = (*value).into();
        sink[*key] = (*value).into();
    }
    worker.create("restart-source", source).await;
    worker.create("restart-sink", sink).await;
    worker.expect_running_tasks("restart-source", 1).await;
    worker.expect_running_tasks("restart-sink", 1).await;
}

/// Checks that `got` holds every value of `expected` (and nothing else), and that no more than
/// `max_duplicates` came twice; prints how many did.
pub fn assert_each_arrived(label: &str, got: &[String], expected: &BTreeSet<String>, max_duplicates: usize, log: &str) {
    let distinct: BTreeSet<String> = got.iter().cloned().collect();
    assert_eq!(&distinct, expected, "{label} lost messages\n{log}");
    let duplicates = got.len() - distinct.len();
    eprintln!("{label}: {duplicates} duplicates after the restart");
    assert!(
        duplicates <= max_duplicates,
        "{label}: only messages in flight at the restart come again"
    );
}

/// Waits for connector `name`'s task to fail and checks that its trace names each of `words` (the
/// key at fault, the address).
pub async fn expect_failure_naming(worker: &TestWorker, name: &str, words: &[&str]) {
    let task = worker.rest.wait_for_task_state(name, "FAILED", WAIT).await;
    let trace = task["trace"].as_str().unwrap_or_default();
    for word in words {
        assert!(trace.contains(word), "{name}: the trace names no {word}: {task}");
    }
}

/// Where a queue sink's messages can be read back: every message so far, as text, in order.
pub trait Published: Send {
    /// The messages published so far.
    fn published(&mut self) -> impl Future<Output = Vec<String>> + Send;
}

/// A queue as the sink compliance harness sees it: record `n` is the JSON string `"record-n"`,
/// published as the text `record-n`; a JSON object is not bytes, which queue messages are, so the
/// sink rejects it.
pub struct TextMessages<P>(pub P);

impl<P: Published> SinkSystem for TextMessages<P> {
    fn record(&self, number: usize) -> String {
        format!("\"record-{number}\"")
    }

    fn entry(&self, number: usize) -> String {
        format!("record-{number}")
    }

    fn rejected(&self) -> Option<String> {
        Some(r#"{"not":"bytes"}"#.into())
    }

    async fn read(&mut self) -> Vec<String> {
        self.0.published().await
    }
}
