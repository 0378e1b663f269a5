//! Consumer group failover: a group that read part of a topic on the source has checkpoints on the
//! target and, with `sync.group.offsets.enabled`, committed offsets there that are never past
//! where it was, so a consumer that fails over to the target misses nothing.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{SOURCE, SourceCluster, mirror_config, read_raw};
use futures::StreamExt;
use kconnect_mirror::formats::Checkpoint;
use kconnect_test_kit::{TestWorker, create_topic_with_partitions};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, StreamConsumer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mirror::plugins());

fn group_client(bootstrap: &str, group: &str) -> ClientConfig {
    let mut config = ClientConfig::new();
    config
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("enable.auto.commit", "false")
        .set("auto.offset.reset", "earliest");
    config
}

/// Group `group` reads `count` records of `topic` and commits; returns its offsets by partition.
async fn consume_and_commit(bootstrap: &str, group: &str, topic: &str, count: usize) -> BTreeMap<i32, i64> {
    let consumer: StreamConsumer = group_client(bootstrap, group).create().unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let mut next = BTreeMap::new();
    let mut stream = consumer.stream();
    for _ in 0..count {
        let message = tokio::time::timeout(Duration::from_secs(60), stream.next())
            .await
            .expect("records")
            .unwrap()
            .unwrap();
        next.insert(message.partition(), message.offset() + 1);
    }
    drop(stream);
    let mut offsets = TopicPartitionList::new();
    for (partition, offset) in &next {
        offsets
            .add_partition_offset(topic, *partition, Offset::Offset(*offset))
            .unwrap();
    }
    consumer.commit(&offsets, CommitMode::Sync).unwrap();
    consumer.unsubscribe();
    next
}

/// What group `group` committed for `partitions` of `topic`.
fn committed(bootstrap: &str, group: &str, topic: &str, partitions: i32) -> BTreeMap<i32, i64> {
    let consumer: BaseConsumer = group_client(bootstrap, group).create().unwrap();
    let mut list = TopicPartitionList::new();
    for partition in 0..partitions {
        list.add_partition(topic, partition);
    }
    let offsets = consumer.committed_offsets(list, Duration::from_secs(10)).unwrap();
    offsets
        .elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(offset) => Some((e.partition(), offset)),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_group_fails_over_to_the_target_without_a_gap() {
    let source = SourceCluster::start().await;
    create_topic_with_partitions(&source.bootstrap(), "orders", 2).await;
    source.write("orders", 0..100).await;
    let upstream = consume_and_commit(&source.bootstrap(), "billing", "orders", 60).await;

    let worker = TestWorker::start(false).await;
    let mut mirror = mirror_config(&source.bootstrap(), "orders");
    mirror["offset.lag.max"] = json!("0");
    worker.create("mirror", mirror).await;
    let mut checkpoints = mirror_config(&source.bootstrap(), "orders");
    checkpoints["connector.class"] = json!("org.apache.kafka.connect.mirror.MirrorCheckpointConnector");
    for (key, value) in [
        ("emit.checkpoints.interval.seconds", "1"),
        ("sync.group.offsets.enabled", "true"),
        ("sync.group.offsets.interval.seconds", "1"),
        ("refresh.groups.interval.seconds", "1"),
        ("checkpoints.topic.replication.factor", "1"),
    ] {
        checkpoints[key] = json!(value);
    }
    worker.create("checkpoints", checkpoints).await;
    worker.expect_running_tasks("checkpoints", 1).await;

    let remote = format!("{SOURCE}.orders");
    let mut downstream = BTreeMap::new();
    for _ in 0..120 {
        downstream = committed(&worker.bootstrap, "billing", &remote, 2);
        if downstream.len() == upstream.len() && downstream.values().all(|o| *o > 0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    assert_eq!(
        downstream.len(),
        2,
        "offsets committed on the target: {}",
        worker.process.log()
    );
    for (partition, offset) in &downstream {
        // A fresh remote topic has the source's offsets: the translation may fall short (to the
        // last offset sync before the group's position) but never past it.
        assert!(
            (1..=upstream[partition]).contains(offset),
            "partition {partition}: {offset} on the target, {} on the source",
            upstream[partition]
        );
    }

    let records = read_raw(&worker.bootstrap, &format!("{SOURCE}.checkpoints.internal"), 2).await;
    let latest: BTreeMap<i32, Checkpoint> = records
        .iter()
        .map(|r| Checkpoint::read(r.key.as_deref().unwrap(), r.value.as_deref().unwrap()).unwrap())
        .map(|c| (c.partition, c))
        .collect();
    for (partition, checkpoint) in latest {
        assert_eq!(
            (checkpoint.group.as_str(), checkpoint.topic.as_str()),
            ("billing", remote.as_str())
        );
        assert!(
            checkpoint.downstream <= checkpoint.upstream,
            "never ahead: {checkpoint:?}"
        );
        assert!(checkpoint.upstream <= upstream[&partition], "{checkpoint:?}");
    }
}
