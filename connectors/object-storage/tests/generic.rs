//! The S3 source in GENERIC mode: any objects under a prefix, in name order, to the topic of the
//! first `topic.regex.list` entry their name matches (gzipped ones too), others left alone, and
//! an object put later picked up at the next listing.

mod common;

use std::io::Write;
use std::time::Duration;

use kconnect_test_kit::{TestWorker, consume_values, create_topic};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt, PutPayload};
use serde_json::json;

use common::{fresh_bucket, s3_url};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-generic";

async fn put(store: &dyn ObjectStore, name: &str, bytes: Vec<u8>) {
    store.put(&Path::from(name), PutPayload::from(bytes)).await.unwrap();
}

fn gzip(text: &str) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(text.as_bytes()).unwrap();
    encoder.finish().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn generic_mode_reads_matching_objects_in_name_order_and_new_ones_as_they_come() {
    let store = fresh_bucket(BUCKET).await;
    put(&store, "in/2024/b.json.gz", gzip("{\"n\":3}\n{\"n\":4}\n")).await;
    put(&store, "in/2024/a.json", b"{\"n\":1}\n{\"n\":2}\n".to_vec()).await;
    put(&store, "in/2024/notes.txt", b"not a record\n".to_vec()).await;
    put(&store, "elsewhere/z.json", b"{\"n\":99}\n".to_vec()).await;

    let worker = TestWorker::start(true).await;
    create_topic(&worker.bootstrap, "json-in").await;
    let source = json!({
        "connector.class": "S3Source",
        "mode": "GENERIC",
        "topics.dir": "in",
        "topic.regex.list": "json-in:.*\\.json(\\.gz)?",
        "s3.bucket.name": BUCKET,
        "s3.region": "us-east-1",
        "store.url": s3_url(),
        "aws.access.key.id": "test",
        "aws.secret.access.key": "test",
        "format.class": "JsonFormat",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "poll.interval.ms": "500",
    });
    worker.create("generic", source).await;
    let values = consume_values(&worker.bootstrap, "json-in", 4, Duration::from_secs(60)).await;
    assert_eq!(values, ["{\"n\":1}", "{\"n\":2}", "{\"n\":3}", "{\"n\":4}"]);

    put(&store, "in/2024/c.json", b"{\"n\":5}\n".to_vec()).await;
    let values = consume_values(&worker.bootstrap, "json-in", 5, Duration::from_secs(30)).await;
    assert_eq!(values.get(4).map(String::as_str), Some("{\"n\":5}"), "{values:?}");
    let more = consume_values(&worker.bootstrap, "json-in", 6, Duration::from_secs(2)).await;
    assert_eq!(more.len(), 5, "nothing else is read: {more:?}");
}
