//! FileStreamSource and FileStreamSink pass the connector compliance harness.

use std::ops::Range;
use std::path::PathBuf;
use std::time::Duration;

use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, SinkCase, SinkSystem, SourceCase, SourceSystem, Validation, check_sink, check_source,
};
use kconnect_test_kit::{append_lines, read_lines};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_file::plugins());

const BATCH: usize = 50;

fn line(number: usize) -> String {
    format!("line-{number}")
}

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The file FileStreamSource reads.
struct InputFile(PathBuf);

impl SourceSystem for InputFile {
    async fn write(&mut self, numbers: Range<usize>) {
        append_lines(&self.0, numbers.map(line));
    }

    fn expected(&self, number: usize) -> Expected {
        Expected {
            key: None,
            value: format!("\"{}\"", line(number)),
            headers: Vec::new(),
        }
    }
}

/// The file FileStreamSink writes.
struct OutputFile(PathBuf);

impl SinkSystem for OutputFile {
    fn record(&self, number: usize) -> String {
        format!("\"{}\"", line(number))
    }

    fn entry(&self, number: usize) -> String {
        line(number)
    }

    fn rejected(&self) -> Option<String> {
        None
    }

    async fn read(&mut self) -> Vec<String> {
        read_lines(&self.0)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn file_stream_source_passes_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    let case = SourceCase {
        name: "file-source".into(),
        config: config(&[
            ("connector.class", "FileStreamSource"),
            ("file", &input.display().to_string()),
            ("topic", "file-lines"),
        ]),
        topic: "file-lines".into(),
        partitions: 1,
        validation: Validation {
            required: "topic",
            typed: "batch.size",
            one_of: None,
        },
        batch: BATCH,
        arrival: DEFAULT_ARRIVAL,
    };
    check_source(case, &mut InputFile(input)).await.assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn file_stream_sink_passes_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output.txt");
    let case = SinkCase {
        name: "file-sink".into(),
        config: config(&[
            (
                "connector.class",
                "org.apache.kafka.connect.file.FileStreamSinkConnector",
            ),
            ("file", &output.display().to_string()),
        ]),
        topic: "file-input".into(),
        validation: Validation {
            required: "topics",
            typed: "tasks.max",
            one_of: None,
        },
        batch: BATCH,
        arrival: Duration::from_secs(60),
    };
    let report = check_sink(case, &mut OutputFile(output)).await;
    report.assert_passed();
    assert_eq!(
        report.not_applicable.len(),
        1,
        "FileStreamSink rejects no record: {report:?}"
    );
}
