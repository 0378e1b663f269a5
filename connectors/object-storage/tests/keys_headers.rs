//! `store.kafka.keys` and `store.kafka.headers`: the S3 sink writes each object's record keys (Avro)
//! and headers (JSON) to objects of their own beside it, named as Confluent's; a record without a
//! key goes to the dead letter queue and leaves the three objects aligned. The restore, started
//! while the sink is still writing, puts every record back with its key and headers, in order.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use kconnect_test_kit::{
    ConsumedRecord, ProducedRecord, consume_records, create_topic, create_topic_with_partitions, produce_records,
};
use serde_json::json;

use common::{fresh_bucket, python_read, s3_restore, s3_sink, wait_for_objects};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_object_storage::plugins());

const BUCKET: &str = "kconnect-keys-headers";
const PARTITIONS: i32 = 2;
/// Records with a key in each partition.
const PER_PARTITION: usize = 500;
const FLUSH_SIZE: usize = 100;
/// The record of partition 0 produced without a key, one more than the others.
const KEYLESS: usize = 250;

/// How many records `partition` gets.
fn produced(partition: i32) -> usize {
    PER_PARTITION + usize::from(partition == 0)
}

fn record(partition: i32, n: usize) -> ProducedRecord {
    ProducedRecord {
        key: (partition != 0 || n != KEYLESS).then(|| format!("k-{partition}-{n}")),
        value: json!({"p": partition, "n": n}).to_string(),
        headers: vec![
            ("trace".into(), format!("t-{partition}-{n}")),
            ("n".into(), n.to_string()),
        ],
    }
}

fn consumed(partition: i32, n: usize) -> ConsumedRecord {
    let produced = record(partition, n);
    ConsumedRecord {
        partition,
        key: produced.key,
        value: produced.value,
        headers: produced.headers.into_iter().collect::<BTreeMap<_, _>>(),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_and_headers_are_stored_beside_the_values_and_restored_with_them() {
    let store = fresh_bucket(BUCKET).await;
    let worker = kconnect_test_kit::TestWorker::start(true).await;
    create_topic_with_partitions(&worker.bootstrap, "orders", PARTITIONS).await;
    create_topic_with_partitions(&worker.bootstrap, "orders-restored", PARTITIONS).await;
    create_topic(&worker.bootstrap, "orders-dlq").await;
    for partition in 0..PARTITIONS {
        let records = (0..produced(partition)).map(|n| record(partition, n));
        produce_records(&worker.bootstrap, "orders", Some(partition), records).await;
    }
    let stored = json!({
        "flush.size": FLUSH_SIZE.to_string(),
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "store.kafka.keys": "true",
        "store.kafka.headers": "true",
        "keys.format.class": "io.confluent.connect.s3.format.avro.AvroFormat",
        "headers.format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": "orders-dlq",
        "errors.deadletterqueue.topic.replication.factor": "1",
    });
    worker.create("backup", s3_sink(BUCKET, "orders", stored.clone())).await;
    let mut restore = s3_restore(BUCKET, json!({"record.batch.max.size": "37"}));
    for key in [
        "store.kafka.keys",
        "store.kafka.headers",
        "headers.format.class",
        "key.converter",
    ] {
        restore[key] = stored[key].clone();
    }
    worker.create("restore", restore).await;

    let values = PARTITIONS as usize * PER_PARTITION / FLUSH_SIZE;
    let names = wait_for_objects(store.as_ref(), "topics", 3 * values, Duration::from_secs(60)).await;
    let first = "topics/orders/partition=0/orders+0+0000000000";
    let expected_names: Vec<String> = [".headers.json", ".json", ".keys.avro"]
        .iter()
        .map(|extension| format!("{first}{extension}"))
        .collect();
    assert_eq!(names[..3], expected_names);
    assert_eq!(names.len(), 3 * values, "{names:?}");

    // The keys object is plain Avro of the keys, as any Avro reader sees it.
    let keys = python_read(
        store.as_ref(),
        &[format!("{first}.keys.avro")],
        "import fastavro, json, sys\nfor key in fastavro.reader(open(sys.argv[1], 'rb')): print(json.dumps(key))",
    )
    .await;
    let expected_keys: Vec<_> = (0..FLUSH_SIZE).map(|n| json!(format!("k-0-{n}"))).collect();
    assert_eq!(keys, expected_keys);

    let dead = consume_records(&worker.bootstrap, "orders-dlq", 1, Duration::from_secs(30)).await;
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].value, record(0, KEYLESS).value);

    let total = PARTITIONS as usize * PER_PARTITION;
    let restored = consume_records(&worker.bootstrap, "orders-restored", total, Duration::from_secs(60)).await;
    let expected: Vec<ConsumedRecord> = (0..PARTITIONS)
        .flat_map(|partition| (0..produced(partition)).map(move |n| (partition, n)))
        .filter(|&(partition, n)| partition != 0 || n != KEYLESS)
        .map(|(partition, n)| consumed(partition, n))
        .collect();
    let mut by_partition = restored;
    by_partition.sort_by_key(|r| r.partition);
    assert_eq!(
        by_partition, expected,
        "every record, with its key and headers, in order"
    );
}
