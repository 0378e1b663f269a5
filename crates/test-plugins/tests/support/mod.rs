//! What the scripted-connector tests share: a broker and one worker process (standalone or
//! distributed) with the scripted connectors, and reading what the scripted sink wrote.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::path::{Path, PathBuf};

use kconnect_test_kit::read_lines;
use serde_json::{Value, json};

/// A broker and one worker with the scripted connectors.
pub use kconnect_test_kit::test_worker::TestWorker as Worker;
/// How long a test waits for what it expects.
pub use kconnect_test_kit::test_worker::WAIT;

/// What the scripted sink wrote, read through the worker that runs it.
pub trait ScriptedOutput {
    /// The directory of the worker's files.
    fn files(&self) -> &Path;

    /// Where the scripted sink is told to write.
    fn output(&self) -> PathBuf {
        self.files().join("sink.jsonl")
    }

    /// What the scripted sink wrote, a JSON object per record.
    fn output_records(&self) -> Vec<Value> {
        read_lines(&self.output())
            .iter()
            .map(|line| serde_json::from_str(line).unwrap())
            .collect()
    }

    /// The values the sink wrote from `partition`, in the order written.
    fn written(&self, partition: i64) -> Vec<String> {
        self.output_records()
            .iter()
            .filter(|r| r["partition"] == partition)
            .map(|r| r["value"].as_str().unwrap().to_string())
            .collect()
    }
}

impl ScriptedOutput for Worker {
    fn files(&self) -> &Path {
        self.dir()
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
