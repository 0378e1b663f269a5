//! The S3 sink passes the connector compliance harness against the S3 server, writing CSV objects
//! (a value that is not a struct is the record the format rejects, for the dead letter queue).

mod common;

use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{DEFAULT_ARRIVAL, SinkCase, SinkSystem, Validation, check_sink};
use object_store::ObjectStore;
use std::sync::Arc;

use common::{fresh_bucket, names, read, s3_sink};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-compliance";
const TOPIC: &str = "s3-rows";

/// The bucket, read back as `id:name` entries in object-name (so offset) order.
struct Bucket {
    store: Arc<dyn ObjectStore>,
}

fn name(number: usize) -> String {
    format!("row-{number}")
}

impl SinkSystem for Bucket {
    fn record(&self, number: usize) -> String {
        serde_json::json!({
            "schema": {"type": "struct", "fields": [
                {"field": "id", "type": "int64", "optional": false},
                {"field": "name", "type": "string", "optional": true}
            ]},
            "payload": {"id": number + 1, "name": name(number)}
        })
        .to_string()
    }

    fn entry(&self, number: usize) -> String {
        format!("{}:{}", number + 1, name(number))
    }

    /// A string, not a struct: CsvFormat cannot write it.
    fn rejected(&self) -> Option<String> {
        Some(r#"{"schema":{"type":"string","optional":false},"payload":"not a row"}"#.into())
    }

    async fn read(&mut self) -> Vec<String> {
        let mut entries = Vec::new();
        for object in names(self.store.as_ref(), &format!("topics/{TOPIC}")).await {
            let text = String::from_utf8(read(self.store.as_ref(), &object).await).unwrap();
            let mut lines = text.lines();
            assert_eq!(lines.next(), Some("id,name"), "{object}");
            entries.extend(lines.map(|line| line.replacen(',', ":", 1)));
        }
        entries
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_s3_sink_passes_the_harness() {
    let store = fresh_bucket(BUCKET).await;
    let config = s3_sink(
        BUCKET,
        TOPIC,
        serde_json::json!({
            "format.class": "io.confluent.connect.s3.format.csv.CsvFormat",
            "flush.size": "10",
            "value.converter.schemas.enable": "true",
        }),
    );
    let config: ConfigMap = config
        .as_object()
        .unwrap()
        .iter()
        .filter(|(key, _)| *key != "topics")
        .map(|(key, value)| (key.clone(), value.as_str().unwrap().to_string()))
        .collect();
    let case = SinkCase {
        name: "s3-sink".into(),
        config,
        topic: TOPIC.into(),
        validation: Validation {
            required: "s3.bucket.name",
            typed: "flush.size",
            one_of: Some("s3.compression.type"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_sink(case, &mut Bucket { store }).await.assert_passed();
}
