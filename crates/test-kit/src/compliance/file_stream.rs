//! The files FileStream connectors read and write, as compliance systems, and their cases: one
//! definition for the built-in connectors and for Apache's own jars hosted in a JVM, so that both
//! are held to exactly the same records.

use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use kconnect_api::ConfigMap;

use super::{DEFAULT_ARRIVAL, Expected, SinkCase, SinkSystem, SourceCase, SourceSystem, Validation};
use crate::{append_lines, read_lines};

/// How many records each phase of a FileStream case moves.
const BATCH: usize = 50;

fn line(number: usize) -> String {
    format!("line-{number}")
}

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// The file FileStreamSource reads.
pub struct InputFile(pub PathBuf);

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
pub struct OutputFile(pub PathBuf);

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

/// FileStreamSource reading `input` into `file-lines`, in a worker with `worker` extra lines.
pub fn source_case(input: &Path, worker: String) -> SourceCase {
    SourceCase {
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
        worker,
    }
}

/// FileStreamSink writing `file-input` to `output`, in a worker with `worker` extra lines.
pub fn sink_case(output: &Path, worker: String) -> SinkCase {
    SinkCase {
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
        worker,
    }
}
