//! `kconnect broker`: the embedded broker as its own process, durable with SQLite storage.

use std::time::Duration;

use futures::StreamExt;
use kconnect_test_kit::{BrokerProcess, consume_values, create_topic, free_port, produce_values};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::{ClientConfig, Message};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_storage_keeps_records_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bootstrap = format!("127.0.0.1:{port}");
    let broker = BrokerProcess::start(std::path::Path::new(BIN), port, dir.path(), "sqlite");
    create_topic(&bootstrap, "kept").await;
    let values: Vec<String> = (0..500).map(|i| format!("value-{i}")).collect();
    produce_values(&bootstrap, "kept", values.clone()).await;
    broker.terminate();

    let broker = BrokerProcess::start(std::path::Path::new(BIN), port, dir.path(), "sqlite");
    let consumed = consume_values(&bootstrap, "kept", values.len(), Duration::from_secs(60)).await;
    broker.terminate();
    assert_eq!(consumed, values);
    assert!(dir.path().join("tansu.db").exists(), "the database lives in --data-dir");
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_storage_serves_clients() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bootstrap = format!("127.0.0.1:{port}");
    let broker = BrokerProcess::start(std::path::Path::new(BIN), port, dir.path(), "memory");
    create_topic(&bootstrap, "fast").await;
    produce_values(&bootstrap, "fast", ["a".to_string(), "b".to_string()]).await;
    assert_eq!(
        consume_values(&bootstrap, "fast", 2, Duration::from_secs(60)).await,
        ["a", "b"]
    );
    broker.terminate();
}

/// A member of group `group` reading `topic`, committing only when told to.
#[test]
fn the_process_runs_without_transparent_huge_pages() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(std::path::Path::new(BIN), free_port(), dir.path(), "memory");
    let status = std::fs::read_to_string(format!("/proc/{}/status", broker.pid())).unwrap();
    let thp = status.lines().find(|line| line.starts_with("THP_enabled:"));
    assert_eq!(
        thp.map(|line| line.split_whitespace().last()),
        Some(Some("0")),
        "mimalloc's memory must not sit on 2 MiB pages: {thp:?}"
    );
    broker.terminate();
}

fn group_member(bootstrap: &str, group: &str, topic: &str) -> StreamConsumer {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", group)
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    consumer
}

/// The next `count` values `consumer` reads within `timeout`.
async fn next_values(consumer: &StreamConsumer, count: usize, timeout: Duration) -> Vec<String> {
    let reading = consumer
        .stream()
        .filter_map(|message| async move {
            message
                .ok()
                .map(|m| String::from_utf8_lossy(m.payload().unwrap_or_default()).into_owned())
        })
        .take(count)
        .collect::<Vec<_>>();
    tokio::time::timeout(timeout, reading).await.unwrap_or_default()
}

/// A group member that died with the broker (killed with it, it never left) is forgotten when the
/// broker starts again on the same data: a new member gets the partition at once, not after the
/// dead member's 45 s session timeout, and resumes from the committed offset.
#[tokio::test(flavor = "multi_thread")]
async fn a_restarted_broker_forgets_members_that_died_with_it_and_keeps_their_offsets() {
    let dir = tempfile::tempdir().unwrap();
    let bin = std::path::Path::new(BIN);
    let broker = BrokerProcess::start(bin, free_port(), dir.path(), "sqlite");
    create_topic(&broker.bootstrap, "events").await;
    let before: Vec<String> = (0..10).map(|i| format!("before-{i}")).collect();
    produce_values(&broker.bootstrap, "events", before.clone()).await;
    let dead = group_member(&broker.bootstrap, "readers", "events");
    assert_eq!(next_values(&dead, 10, Duration::from_secs(60)).await, before);
    dead.commit_consumer_state(CommitMode::Sync).unwrap();
    drop(broker);
    // On another port, so that the old member cannot find the new broker and rejoin.
    let broker = BrokerProcess::start(bin, free_port(), dir.path(), "sqlite");
    let after: Vec<String> = (0..10).map(|i| format!("after-{i}")).collect();
    produce_values(&broker.bootstrap, "events", after.clone()).await;
    let successor = group_member(&broker.bootstrap, "readers", "events");
    assert_eq!(next_values(&successor, 10, Duration::from_secs(20)).await, after);
    tokio::task::spawn_blocking(move || drop(dead));
}
