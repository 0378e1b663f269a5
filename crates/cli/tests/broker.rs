//! `kconnect broker`: the embedded broker as its own process, durable with SQLite storage.

use std::time::Duration;

use kconnect_test_kit::{BrokerProcess, consume_values, create_topic, free_port, produce_values};

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
