//! Where the S3 sink puts records and how it uploads them, as a user of Confluent's sink checks:
//! the field and time-based partitioners' directories, gzip objects, and an object larger than
//! a part going up as a multipart upload under a memory budget smaller than the object, reported
//! in `/metrics`.

mod common;

use std::io::Read;
use std::time::Duration;

use kconnect_test_kit::{TestWorker, create_topic, metric_value, produce_values};
use object_store::ObjectStore;
use serde_json::{Value, json};

use common::{fresh_bucket, read, s3_sink, wait_for_objects};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

async fn objects(store: &dyn ObjectStore, prefix: &str, count: usize) -> Vec<String> {
    wait_for_objects(store, prefix, count, Duration::from_secs(60)).await
}

fn lines(bytes: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(bytes)
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn field_and_time_partitioners_name_directories_as_confluents() {
    let store = fresh_bucket("kconnect-layouts").await;
    let worker = TestWorker::start(true).await;
    create_topic(&worker.bootstrap, "sales").await;
    let days = [1_709_251_200_000_i64, 1_709_337_600_000]; // 2024-03-01 and 2024-03-02, UTC
    let values =
        (0..8).map(|n| json!({"n": n, "region": if n % 2 == 0 { "eu" } else { "us" }, "at": days[n / 4]}).to_string());
    produce_values(&worker.bootstrap, "sales", values).await;

    worker
        .create(
            "by-region",
            s3_sink(
                "kconnect-layouts",
                "sales",
                json!({
                    "topics.dir": "by-region",
                    "flush.size": "4",
                    "partitioner.class": "io.confluent.connect.storage.partitioner.FieldPartitioner",
                    "partition.field.name": "region",
                    "s3.compression.type": "gzip",
                }),
            ),
        )
        .await;
    worker
        .create(
            "by-day",
            s3_sink(
                "kconnect-layouts",
                "sales",
                json!({
                    "topics.dir": "by-day",
                    "flush.size": "100",
                    "rotate.interval.ms": "3600000",
                    "partitioner.class": "io.confluent.connect.storage.partitioner.TimeBasedPartitioner",
                    "path.format": "'year'=YYYY/'month'=MM/'day'=dd",
                    "partition.duration.ms": "86400000",
                    "locale": "en-US",
                    "timezone": "UTC",
                    "timestamp.extractor": "RecordField",
                    "timestamp.field": "at",
                }),
            ),
        )
        .await;

    // flush.size 4 counts the Kafka partition's records: 0-3 rotate together, in two directories.
    let by_region = objects(store.as_ref(), "by-region", 4).await;
    assert_eq!(
        by_region,
        [
            "by-region/sales/region=eu/sales+0+0000000000.json.gz",
            "by-region/sales/region=eu/sales+0+0000000004.json.gz",
            "by-region/sales/region=us/sales+0+0000000001.json.gz",
            "by-region/sales/region=us/sales+0+0000000005.json.gz",
        ]
    );
    let mut text = String::new();
    let gzipped = read(store.as_ref(), &by_region[1]).await;
    flate2::read::GzDecoder::new(gzipped.as_slice())
        .read_to_string(&mut text)
        .unwrap();
    let ns: Vec<i64> = lines(text.as_bytes())
        .iter()
        .map(|v| v["n"].as_i64().unwrap())
        .collect();
    assert_eq!(ns, [4, 6]);

    // A record of the next day rotates the first day's object; the second day's stays open
    // (flush.size is not reached and no later record moves the record time on).
    let by_day = objects(store.as_ref(), "by-day", 1).await;
    assert_eq!(
        by_day,
        ["by-day/sales/year=2024/month=03/day=01/sales+0+0000000000.json"]
    );
    let ns: Vec<i64> = lines(&read(store.as_ref(), &by_day[0]).await)
        .iter()
        .map(|v| v["n"].as_i64().unwrap())
        .collect();
    assert_eq!(ns, [0, 1, 2, 3]);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_object_larger_than_the_memory_budget_goes_up_in_parts() {
    const RECORDS: usize = 12_000;
    let store = fresh_bucket("kconnect-multipart").await;
    let worker = TestWorker::start(true).await;
    create_topic(&worker.bootstrap, "big").await;
    let padding = "p".repeat(1_000);
    produce_values(
        &worker.bootstrap,
        "big",
        (0..RECORDS).map(|n| json!({"n": n, "padding": padding}).to_string()),
    )
    .await;
    worker
        .create(
            "big",
            s3_sink(
                "kconnect-multipart",
                "big",
                json!({
                    "flush.size": RECORDS.to_string(),
                    "s3.part.size": (5 * 1024 * 1024).to_string(),
                    "kconnect.memory.max.bytes": (6 * 1024 * 1024).to_string(),
                }),
            ),
        )
        .await;
    let found = objects(store.as_ref(), "topics", 1).await;
    assert_eq!(found, ["topics/big/partition=0/big+0+0000000000.json"]);
    let records = lines(&read(store.as_ref(), &found[0]).await);
    assert_eq!(records.len(), RECORDS);
    assert!(records.iter().enumerate().all(|(n, v)| v["n"] == n));

    let metrics = worker.rest.metrics().await;
    let budget = metric_value(
        &metrics,
        r#"kafka_connect_plugins_memory_max_bytes{connector="big",task="0"}"#,
    );
    assert_eq!(budget, Some(6.0 * 1024.0 * 1024.0), "{metrics}");
    let buffered = metric_value(
        &metrics,
        r#"kafka_connect_plugins_buffered_bytes{connector="big",task="0"}"#,
    );
    assert_eq!(buffered, Some(0.0), "nothing stays open once the object is uploaded");
}
