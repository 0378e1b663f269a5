//! The compliance harness itself: the scripted connectors pass it, and it fails when one loses a
//! record, duplicates one after a graceful restart, or never reports a record it rejects.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, Report, SinkCase, SinkSystem, SourceCase, SourceSystem, Validation, check_sink,
    check_source,
};
use kconnect_test_kit::read_lines;
use kconnect_test_plugins::{SCRIPTED_SINK, SCRIPTED_SOURCE, record_value};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_test_plugins::plugins());

const BATCH: usize = 30;
/// How long a case that is meant to fail waits for what never comes.
const SHORT_ARRIVAL: Duration = Duration::from_secs(10);

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The scripted source's "external system": the file that says how many records exist.
struct RecordCount(PathBuf);

impl SourceSystem for RecordCount {
    async fn write(&mut self, numbers: Range<usize>) {
        std::fs::write(&self.0, numbers.end.to_string()).unwrap();
    }

    fn expected(&self, number: usize) -> Expected {
        Expected {
            key: Some(number.to_string()),
            value: format!("\"{}\"", record_value(0, number as i64)),
            headers: vec![("record".into(), number.to_string())],
        }
    }
}

async fn scripted_source(name: &str, extra: &[(&str, &str)], arrival: Duration) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let count = dir.path().join("records");
    let mut connector = config(&[
        ("connector.class", SCRIPTED_SOURCE),
        ("topic", "scripted"),
        ("records.file", &count.display().to_string()),
        ("topic.partitions", "3"),
        ("batch.size", "7"),
    ]);
    connector.extend(config(extra));
    let case = SourceCase {
        name: name.into(),
        config: connector,
        topic: "scripted".into(),
        partitions: 3,
        validation: Validation {
            required: "topic",
            typed: "batch.size",
            one_of: Some("start"),
        },
        batch: BATCH,
        arrival,
        worker: String::new(),
    };
    check_source(case, &mut RecordCount(count)).await
}

/// The scripted sink's output file, one JSON line per record.
struct JsonLines(PathBuf);

impl SinkSystem for JsonLines {
    fn record(&self, number: usize) -> String {
        format!("\"value-{number}\"")
    }

    fn entry(&self, number: usize) -> String {
        format!("value-{number}")
    }

    fn rejected(&self) -> Option<String> {
        Some("\"rejected\"".into())
    }

    async fn read(&mut self) -> Vec<String> {
        read_lines(&self.0)
            .iter()
            .map(|line| {
                let record: serde_json::Value = serde_json::from_str(line).unwrap();
                record["value"].as_str().unwrap().to_string()
            })
            .collect()
    }
}

async fn scripted_sink(name: &str, extra: &[(&str, &str)], arrival: Duration) -> Report {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("sink.jsonl");
    let mut connector = config(&[
        ("connector.class", SCRIPTED_SINK),
        ("output.file", &output.display().to_string()),
        ("reject.value", "rejected"),
    ]);
    connector.extend(config(extra));
    let case = SinkCase {
        name: name.into(),
        config: connector,
        topic: "to-sink".into(),
        validation: Validation {
            required: "output.file",
            typed: "put.delay.ms",
            one_of: Some("start"),
        },
        batch: BATCH,
        arrival,
        worker: String::new(),
    };
    check_sink(case, &mut JsonLines(output)).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scripted_source_passes_on_three_partitions() {
    scripted_source("scripted-source", &[], DEFAULT_ARRIVAL)
        .await
        .assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_that_loses_a_record_fails() {
    let report = scripted_source("loses-one", &[("skip.record", "3")], SHORT_ARRIVAL).await;
    assert!(report.failed_on("the first records: lost"), "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_that_duplicates_after_a_graceful_restart_fails() {
    let report = scripted_source("replays-one", &[("replay.on.restart", "true")], SHORT_ARRIVAL).await;
    assert!(
        report.failed_on("after a graceful restart: duplicated"),
        "{:?}",
        report.failures
    );
    assert!(!report.failed_on("the first records"), "{:?}", report.failures);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_scripted_sink_passes() {
    scripted_sink("scripted-sink", &[], DEFAULT_ARRIVAL)
        .await
        .assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sink_that_never_reports_its_rejected_record_fails() {
    let report = scripted_sink("silent-sink", &[("report.rejected", "false")], SHORT_ARRIVAL).await;
    assert!(
        report.failed_on("dead letter queue: the rejected record never reached it"),
        "{:?}",
        report.failures
    );
    assert!(!report.failed_on("the first records"), "{:?}", report.failures);
}
