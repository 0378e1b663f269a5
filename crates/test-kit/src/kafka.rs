//! The embedded broker in-process, and reading topics with a real Kafka client.

use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kconnect_broker::{BrokerOptions, EmbeddedBroker, StorageKind};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::{ClientConfig, Message};

use crate::free_port;

/// Starts an embedded broker on a free port with SQLite storage under `data_dir`.
pub async fn start_broker(data_dir: &Path) -> EmbeddedBroker {
    let listen = format!("127.0.0.1:{}", free_port()).parse().expect("address");
    EmbeddedBroker::start(BrokerOptions {
        listen,
        data_dir: data_dir.to_path_buf(),
        storage: StorageKind::Sqlite,
    })
    .await
    .expect("start embedded broker")
}

/// Reads `topic` from the beginning until `expected` values arrived or `timeout` passed; returns the
/// values as text, in order.
pub async fn consume_values(bootstrap: &str, topic: &str, expected: usize, timeout: Duration) -> Vec<String> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("test-kit-{}", free_port()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = Instant::now() + timeout;
    let mut values = Vec::new();
    let mut stream = consumer.stream();
    while values.len() < expected {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, stream.next()).await {
            Ok(Some(Ok(message))) => values.push(String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned()),
            Ok(Some(Err(_))) => continue,
            Ok(None) | Err(_) => break,
        }
    }
    values
}
