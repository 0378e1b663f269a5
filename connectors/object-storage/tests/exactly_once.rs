//! The S3 sink writes each record exactly once across a SIGKILL: the worker is killed once objects
//! are in the bucket and before any offset was committed, so the whole topic is read again, and
//! the bucket ends with exactly Confluent's object names, each holding exactly its records in
//! offset order: the objects written before the kill are left as they were (conditional writes),
//! no object is partial, none is missing or duplicated.

mod common;

use std::time::{Duration, Instant};

use kconnect_test_kit::{TestWorker, create_topic_with_partitions, produce_to_partition};
use serde_json::json;

use common::{fresh_bucket, names, read, s3_sink};

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

    let expected: Vec<String> = (0..PARTITIONS)
        .flat_map(|p| {
            (0..RECORDS / FLUSH_SIZE)
                .map(move |k| format!("topics/{TOPIC}/partition={p}/{TOPIC}+{p}+{:010}.json", k * FLUSH_SIZE))
        })
        .collect();
    let mut expected_sorted = expected.clone();
    expected_sorted.sort();
    let deadline = Instant::now() + Duration::from_secs(180);
    while names(store.as_ref(), "topics").await.len() < expected.len() && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let found = names(store.as_ref(), "topics").await;
    let log = std::fs::read_to_string(worker.dir().join("worker.log")).unwrap();
    assert_eq!(
        found,
        expected_sorted,
        "{} objects before the kill; the worker's log ends:\n{}",
        before_kill.len(),
        &log[log.len().saturating_sub(6000)..]
    );

    for name in &expected {
        let text = String::from_utf8(read(store.as_ref(), name).await).unwrap();
        let (partition, start) = {
            let file = name.rsplit('/').next().unwrap().trim_end_matches(".json");
            let mut parts = file.split('+').skip(1);
            let partition: i32 = parts.next().unwrap().parse().unwrap();
            let start: usize = parts.next().unwrap().parse().unwrap();
            (partition, start)
        };
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), FLUSH_SIZE, "{name}");
        for (j, line) in lines.iter().enumerate() {
            let record: serde_json::Value = serde_json::from_str(line).unwrap();
            assert_eq!(record["p"], partition, "{name} line {j}");
            assert_eq!(record["n"], start + j, "{name} line {j}");
        }
    }
    assert!(
        log.contains("already written by an earlier run"),
        "the replay never met an object written before the kill"
    );
}
