//! An S3 outage while the sink writes: the link to the store is cut for several seconds while
//! records keep coming (requests fail; the client tries them again, and an upload that still
//! fails abandons its partition, read again after a back-off), then restored. The bucket ends with exactly the objects an undisturbed run makes,
//! each holding exactly its records: nothing lost, nothing written twice.

mod common;

use std::time::{Duration, Instant};

use kconnect_test_kit::{TestWorker, create_topic_with_partitions};
use serde_json::json;

use common::cut_proxy::CutProxy;
use common::{assert_each_record_once, fresh_bucket, json_objects, names, produce_numbered, s3_sink, s3_url};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-outage";
const TOPIC: &str = "orders";
const PARTITIONS: i32 = 2;
const RECORDS: usize = 10_000;
const FLUSH_SIZE: usize = 500;

#[tokio::test(flavor = "multi_thread")]
async fn an_outage_of_the_store_loses_and_duplicates_nothing() {
    let store = fresh_bucket(BUCKET).await;
    let proxy = CutProxy::start(s3_url().trim_start_matches("http://")).await;
    let worker = TestWorker::start(true).await;
    create_topic_with_partitions(&worker.bootstrap, TOPIC, PARTITIONS).await;
    produce_numbered(&worker.bootstrap, TOPIC, PARTITIONS, 0..RECORDS / 2).await;
    let config = s3_sink(
        BUCKET,
        TOPIC,
        json!({"flush.size": FLUSH_SIZE.to_string(), "store.url": proxy.url}),
    );
    worker.create("s3-orders", config).await;
    let deadline = Instant::now() + Duration::from_secs(60);
    while names(store.as_ref(), "topics").await.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    proxy.set_up(false);
    produce_numbered(&worker.bootstrap, TOPIC, PARTITIONS, RECORDS / 2..RECORDS).await;
    tokio::time::sleep(Duration::from_secs(6)).await;
    let during = names(store.as_ref(), "topics").await.len();
    proxy.set_up(true);

    let expected = json_objects(TOPIC, PARTITIONS, RECORDS, FLUSH_SIZE);
    let log = || std::fs::read_to_string(worker.dir().join("worker.log")).unwrap();
    let context = || {
        let log = log();
        format!(
            "{during} objects when the link came back; the worker's log ends:\n{}",
            &log[log.len().saturating_sub(6000)..]
        )
    };
    assert_each_record_once(store.as_ref(), &expected, FLUSH_SIZE, context).await;
    assert!(
        during < expected.len(),
        "the outage came after every object was written"
    );
}
