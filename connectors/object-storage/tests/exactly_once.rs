//! The S3 sink writes each record exactly once across a SIGKILL: the worker is killed once objects
//! are in the bucket and before any offset was committed, so the whole topic is read again, and
//! the bucket ends with exactly Confluent's object names, each holding exactly its records in
//! offset order: the objects written before the kill are left as they were (conditional writes),
//! no object is partial, none is missing or duplicated.

mod common;

use std::time::{Duration, Instant};

use kconnect_test_kit::{TestWorker, create_topic_with_partitions, produce_to_partition};
use serde_json::json;

use common::{assert_each_record_once, fresh_bucket, json_objects, names, s3_sink};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-exactly-once";
const TOPIC: &str = "orders";
const PARTITIONS: i32 = 3;
const RECORDS: usize = 20_000;
const FLUSH_SIZE: usize = 1_000;

fn value(partition: i32, n: usize) -> String {
    json!({"n": n, "p": partition, "note": "x".repeat(100)}).to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_and_a_replay_leave_every_record_in_exactly_one_object() {
    let store = fresh_bucket(BUCKET).await;
    // Offsets are committed once a minute only: the kill comes before the first commit.
    let mut worker = TestWorker::start_with(true, "offset.flush.interval.ms=60000\n", &[]).await;
    create_topic_with_partitions(&worker.bootstrap, TOPIC, PARTITIONS).await;
    for partition in 0..PARTITIONS {
        produce_to_partition(
            &worker.bootstrap,
            TOPIC,
            partition,
            (0..RECORDS).map(|n| value(partition, n)),
        )
        .await;
    }
    let config = s3_sink(BUCKET, TOPIC, json!({"flush.size": FLUSH_SIZE.to_string()}));
    worker.create("s3-orders", config).await;

    let deadline = Instant::now() + Duration::from_secs(120);
    while names(store.as_ref(), "topics").await.is_empty() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.kill_with_broker().await;
    let before_kill = names(store.as_ref(), "topics").await;
    assert!(!before_kill.is_empty(), "no object was written before the kill");
    worker.start_again().await;

    let log = || std::fs::read_to_string(worker.dir().join("worker.log")).unwrap();
    let expected = json_objects(TOPIC, PARTITIONS, RECORDS, FLUSH_SIZE);
    let context = || {
        let log = log();
        format!(
            "{} objects before the kill; the worker's log ends:\n{}",
            before_kill.len(),
            &log[log.len().saturating_sub(6000)..]
        )
    };
    assert_each_record_once(store.as_ref(), &expected, FLUSH_SIZE, context).await;
    let log = log();
    assert!(
        log.contains("already written by an earlier run"),
        "the replay never met an object written before the kill"
    );
}
