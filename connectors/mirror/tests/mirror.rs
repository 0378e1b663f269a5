//! MirrorMaker 2 between two brokers: records copied byte for byte (partition, offset, timestamp,
//! null keys, binary values, headers with and without values), new topics found, offset syncs
//! and heartbeats in Apache's record formats.

mod common;

use std::time::Duration;

use common::{RawRecord, SOURCE, SourceCluster, mirror_config, read_raw};
use kconnect_mirror::formats::{Heartbeat, OffsetSync};
use kconnect_test_kit::{TestWorker, create_topic_with_partitions};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mirror::plugins());

fn admin(bootstrap: &str) -> AdminClient<DefaultClientContext> {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .unwrap()
}

/// Writes `count` records of every kind to each of `partitions` partitions of `topic`: null and
/// binary keys, binary values, a header with a value and one without, a timestamp of our choosing.
async fn write_varied(bootstrap: &str, topic: &str, partitions: i32, count: i64) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .create()
        .unwrap();
    for n in 0..count {
        for partition in 0..partitions {
            let value = [n.to_be_bytes().as_slice(), &[0xff, 0x00, partition as u8]].concat();
            let key = (n % 3 != 0).then(|| vec![0x80, n as u8]);
            let headers = OwnedHeaders::new()
                .insert(Header {
                    key: "trace",
                    value: Some(&value[..4]),
                })
                .insert(Header::<&[u8]> {
                    key: "empty",
                    value: None,
                });
            let mut record = FutureRecord::<Vec<u8>, Vec<u8>>::to(topic)
                .partition(partition)
                .payload(&value)
                .timestamp(1_600_000_000_000 + n)
                .headers(headers);
            if let Some(key) = &key {
                record = record.key(key);
            }
            producer.send(record, Duration::from_secs(30)).await.unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_topic_is_copied_byte_for_byte_and_new_topics_are_found() {
    let source = SourceCluster::start().await;
    let upstream = admin(&source.bootstrap());
    let orders = NewTopic::new("orders", 3, TopicReplication::Fixed(1));
    upstream.create_topics([&orders], &AdminOptions::new()).await.unwrap();
    write_varied(&source.bootstrap(), "orders", 3, 40).await;

    let worker = TestWorker::start(false).await;
    worker
        .create("mirror", mirror_config(&source.bootstrap(), "orders, payments"))
        .await;
    worker.expect_running_tasks("mirror", 2).await;

    let want = read_raw(&source.bootstrap(), "orders", 120).await;
    let copied = read_raw(&worker.bootstrap, &format!("{SOURCE}.orders"), 120).await;
    assert_eq!(want.len(), 120);
    assert_eq!(copied, want, "every record at its partition and offset, unchanged");

    create_topic_with_partitions(&source.bootstrap(), "payments", 2).await;
    write_varied(&source.bootstrap(), "payments", 2, 5).await;
    let copied = read_raw(&worker.bootstrap, &format!("{SOURCE}.payments"), 10).await;
    assert_eq!(
        copied,
        read_raw(&source.bootstrap(), "payments", 10).await,
        "a new topic is found"
    );

    let syncs = read_raw(&source.bootstrap(), "mm2-offset-syncs.B.internal", 1).await;
    let RawRecord { key, value, .. } = &syncs[0];
    let sync = OffsetSync::read(key.as_deref().unwrap(), value.as_deref().unwrap()).unwrap();
    assert!(sync.topic == "orders" || sync.topic == "payments", "{sync:?}");
    assert_eq!(sync.upstream, sync.downstream, "a fresh remote topic keeps the offsets");
}

#[tokio::test(flavor = "multi_thread")]
async fn heartbeats_are_written_in_apaches_format() {
    let source = SourceCluster::start().await;
    let worker = TestWorker::start(false).await;
    let mut config = mirror_config(&source.bootstrap(), "none");
    config["connector.class"] = json!("org.apache.kafka.connect.mirror.MirrorHeartbeatConnector");
    config["heartbeats.topic.replication.factor"] = json!("1");
    worker.create("heartbeats", config).await;
    worker.expect_running_tasks("heartbeats", 1).await;
    let records = read_raw(&worker.bootstrap, "heartbeats", 2).await;
    assert_eq!(records.len(), 2, "a heartbeat a second: {}", worker.process.log());
    let beat = Heartbeat::read(records[1].key.as_deref().unwrap(), records[1].value.as_deref().unwrap()).unwrap();
    assert_eq!((beat.source_alias.as_str(), beat.target_alias.as_str()), (SOURCE, "B"));
    assert_eq!(Some(beat.timestamp), records[1].timestamp);
}
