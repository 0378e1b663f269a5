//! Backup and restore: a topic goes through the S3 sink into the bucket, and the S3 source in
//! RESTORE_BACKUP mode produces it back (renamed by RegexRouter) to the same partitions in the
//! same order. The worker is killed once the restore has committed its offsets; started again,
//! the restore reads nothing twice and picks up the objects the sink writes meanwhile. (A kill
//! between offset commits makes the restore produce again what followed the last commit: it is
//! at least once, as Confluent's.)

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records, create_topic_with_partitions};
use serde_json::json;

use common::{fresh_bucket, numbered, produce_numbered, s3_restore, s3_sink, wait_for_objects};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-restore";
const PARTITIONS: i32 = 3;
/// Records per partition before the kill, and again after it.
const HALF: usize = 10_000;
const FLUSH_SIZE: usize = 2_000;

/// Produces records `from..to` to every partition of `orders`.
async fn produce(worker: &TestWorker, from: usize, to: usize) {
    produce_numbered(&worker.bootstrap, "orders", PARTITIONS, from..to).await;
}

/// Reads `orders-restored` until `total` distinct records arrived (or a minute passed).
async fn restored(worker: &TestWorker, total: usize) -> Vec<ConsumedRecord> {
    let mut records = Vec::new();
    for _ in 0..20 {
        records = consume_records(&worker.bootstrap, "orders-restored", total * 2, Duration::from_secs(3)).await;
        let distinct: BTreeSet<&str> = records.iter().map(|r| r.value.as_str()).collect();
        if distinct.len() >= total {
            break;
        }
    }
    records
}

/// Waits until every folder's committed offset is the end of the object starting at `last`.
async fn committed_through(worker: &TestWorker, last: usize) {
    let object = format!("{last:010}.json");
    for _ in 0..200 {
        let (_, body) = worker.rest.get("/connectors/restore/offsets").await;
        let done = body["offsets"].as_array().is_some_and(|offsets| {
            offsets.len() == PARTITIONS as usize
                && offsets.iter().all(|o| {
                    o["offset"]["lastFileRead"]
                        .as_str()
                        .is_some_and(|f| f.ends_with(&object))
                        && o["offset"]["eof"] == "true"
                })
        });
        if done {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the restore's offsets never reached the objects at {last}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_restore_resumes_after_a_kill_and_takes_new_objects_in_order() {
    let store = fresh_bucket(BUCKET).await;
    let mut worker = TestWorker::start(true).await;
    create_topic_with_partitions(&worker.bootstrap, "orders", PARTITIONS).await;
    create_topic_with_partitions(&worker.bootstrap, "orders-restored", PARTITIONS).await;
    produce(&worker, 0, HALF).await;
    worker
        .create(
            "backup",
            s3_sink(BUCKET, "orders", json!({"flush.size": FLUSH_SIZE.to_string()})),
        )
        .await;
    let objects = PARTITIONS as usize * HALF / FLUSH_SIZE;
    assert_eq!(
        wait_for_objects(store.as_ref(), "topics", objects, Duration::from_secs(120))
            .await
            .len(),
        objects
    );

    let restore = s3_restore(BUCKET, json!({"tasks.max": "2", "record.batch.max.size": "100"}));
    worker.create("restore", restore).await;
    committed_through(&worker, HALF - FLUSH_SIZE).await;
    worker.kill_with_broker().await;
    worker.start_again().await;

    // The sink goes on with new records; the restarted restore picks up their objects.
    produce(&worker, HALF, 2 * HALF).await;
    let total = PARTITIONS as usize * 2 * HALF;
    let records = restored(&worker, total).await;
    assert_eq!(
        records.len(),
        total,
        "every record once: the restart resumed after the committed offsets"
    );
    for partition in 0..PARTITIONS {
        let values: Vec<&str> = records
            .iter()
            .filter(|r| r.partition == partition)
            .map(|r| r.value.as_str())
            .collect();
        let expected: Vec<String> = (0..2 * HALF).map(|n| numbered(partition, n)).collect();
        assert_eq!(values, expected, "partition {partition}, in order");
    }
}
