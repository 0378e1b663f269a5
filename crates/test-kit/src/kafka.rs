//! The embedded broker in-process, and reading topics with a real Kafka client.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, Instant};

use futures::StreamExt;
use kconnect_broker::{BrokerOptions, EmbeddedBroker, StorageKind};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer, StreamConsumer};
use rdkafka::message::Headers as _;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::{ClientConfig, Message};

use crate::free_port;

/// Starts an embedded broker on a free port with SQLite storage under `data_dir`.
pub async fn start_broker(data_dir: &Path) -> EmbeddedBroker {
    start(data_dir, StorageKind::Sqlite, false).await
}

/// Starts an embedded broker on a free port with SQLite storage under `data_dir` that lets
/// clients in only after SASL SCRAM with the credentials it stores there.
pub async fn start_sasl_broker(data_dir: &Path) -> EmbeddedBroker {
    start(data_dir, StorageKind::Sqlite, true).await
}

async fn start(data_dir: &Path, storage: StorageKind, require_sasl: bool) -> EmbeddedBroker {
    start_with(BrokerOptions {
        storage,
        require_sasl,
        ..broker_options(data_dir)
    })
    .await
}

/// An embedded broker's options: a free port on 127.0.0.1, SQLite storage under `data_dir`, no
/// authentication. Kept, they start the same broker again on its data.
pub fn broker_options(data_dir: &Path) -> BrokerOptions {
    BrokerOptions {
        listen: format!("127.0.0.1:{}", free_port()).parse().expect("address"),
        advertised: None,
        data_dir: data_dir.to_path_buf(),
        storage: StorageKind::Sqlite,
        require_sasl: false,
    }
}

/// Starts an embedded broker with `options`.
pub async fn start_with(options: BrokerOptions) -> EmbeddedBroker {
    EmbeddedBroker::start(options).await.expect("start embedded broker")
}

/// A consumed record: its partition, and its key, value and headers as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumedRecord {
    /// The partition it was read from.
    pub partition: i32,
    /// The key; `None` for a null key.
    pub key: Option<String>,
    /// The value.
    pub value: String,
    /// The headers, last value per key.
    pub headers: BTreeMap<String, String>,
}

/// Reads `topic` from the beginning until `expected` records arrived or `timeout` passed.
pub async fn consume_records(bootstrap: &str, topic: &str, expected: usize, timeout: Duration) -> Vec<ConsumedRecord> {
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("test-kit-{}", free_port()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        // A topic that does not exist yet is noticed within a second once created (librdkafka's
        // default looks again after five minutes).
        .set("topic.metadata.refresh.interval.ms", "1000")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let deadline = Instant::now() + timeout;
    let mut records = Vec::new();
    let mut stream = consumer.stream();
    while records.len() < expected {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, stream.next()).await {
            Ok(Some(Ok(message))) => records.push(ConsumedRecord {
                partition: message.partition(),
                key: message.key().map(|key| String::from_utf8_lossy(key).into_owned()),
                value: String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned(),
                headers: message
                    .headers()
                    .map(|headers| {
                        headers
                            .iter()
                            .map(|h| {
                                (
                                    h.key.to_string(),
                                    String::from_utf8_lossy(h.value.unwrap_or_default()).into_owned(),
                                )
                            })
                            .collect()
                    })
                    .unwrap_or_default(),
            }),
            Ok(Some(Err(_))) => continue,
            Ok(None) | Err(_) => break,
        }
    }
    records
}

/// A record read from one partition: its offset and its value as text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartitionRecord {
    /// Its offset (a transaction's commit or abort marker takes an offset too).
    pub offset: i64,
    /// Its value.
    pub value: String,
}

/// Reads `partition` of `topic` from the beginning as a consumer of `isolation`
/// (`read_committed` or `read_uncommitted`): until `expected` records arrived and then two quiet
/// seconds (so that one too many shows), or `timeout`. Blocks.
pub fn read_partition(
    bootstrap: &str,
    topic: &str,
    partition: i32,
    isolation: &str,
    expected: usize,
    timeout: Duration,
) -> Vec<PartitionRecord> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("reader-{}", free_port()))
        .set("isolation.level", isolation)
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut assignment = rdkafka::TopicPartitionList::new();
    assignment
        .add_partition_offset(topic, partition, rdkafka::Offset::Beginning)
        .expect("partition");
    consumer.assign(&assignment).expect("assign");
    let deadline = Instant::now() + timeout;
    let mut records = Vec::new();
    let mut last = Instant::now();
    while Instant::now() < deadline && !(records.len() >= expected && last.elapsed() > Duration::from_secs(2)) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            records.push(PartitionRecord {
                offset: message.offset(),
                value: String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned(),
            });
            last = Instant::now();
        }
    }
    records
}

/// Reads `topic` from the beginning until `expected` values arrived or `timeout` passed; returns the
/// values as text, in order.
pub async fn consume_values(bootstrap: &str, topic: &str, expected: usize, timeout: Duration) -> Vec<String> {
    consume_records(bootstrap, topic, expected, timeout)
        .await
        .into_iter()
        .map(|r| r.value)
        .collect()
}

/// Creates `topic` with one partition.
pub async fn create_topic(bootstrap: &str, topic: &str) {
    create_topic_with_partitions(bootstrap, topic, 1).await;
}

/// Creates `topic` with `partitions` partitions.
pub async fn create_topic_with_partitions(bootstrap: &str, topic: &str, partitions: i32) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin client");
    let results = admin
        .create_topics(
            [&NewTopic::new(topic, partitions, TopicReplication::Fixed(1))],
            &AdminOptions::new(),
        )
        .await
        .expect("create topic");
    for result in results {
        result.expect("topic created");
    }
}

/// A record to produce: its key, value and headers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProducedRecord {
    /// The key; `None` for a null key.
    pub key: Option<String>,
    /// The value.
    pub value: String,
    /// The headers, in order.
    pub headers: Vec<(String, String)>,
}

impl From<String> for ProducedRecord {
    fn from(value: String) -> Self {
        Self {
            value,
            ..Self::default()
        }
    }
}

/// Produces `values` to `topic`, in order, waiting for each acknowledgement batch.
pub async fn produce_values(bootstrap: &str, topic: &str, values: impl IntoIterator<Item = String>) {
    produce_records(bootstrap, topic, None, values.into_iter().map(ProducedRecord::from)).await;
}

/// Produces `values` to one partition of `topic`, in order, waiting for each acknowledgement batch.
pub async fn produce_to_partition(
    bootstrap: &str,
    topic: &str,
    partition: i32,
    values: impl IntoIterator<Item = String>,
) {
    produce_records(
        bootstrap,
        topic,
        Some(partition),
        values.into_iter().map(ProducedRecord::from),
    )
    .await;
}

/// Produces `records` with their keys and headers to `topic` (to `partition` when given), in
/// order, waiting for each acknowledgement batch.
pub async fn produce_records(
    bootstrap: &str,
    topic: &str,
    partition: Option<i32>,
    records: impl IntoIterator<Item = ProducedRecord>,
) {
    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .create()
        .expect("producer");
    let deliveries: Vec<_> = records
        .into_iter()
        .map(|produced| {
            let producer = producer.clone();
            let topic = topic.to_string();
            async move {
                let headers =
                    produced
                        .headers
                        .iter()
                        .fold(rdkafka::message::OwnedHeaders::new(), |headers, (key, value)| {
                            headers.insert(rdkafka::message::Header {
                                key,
                                value: Some(value.as_str()),
                            })
                        });
                let mut record = FutureRecord::<String, String>::to(&topic)
                    .payload(&produced.value)
                    .headers(headers);
                if let Some(key) = &produced.key {
                    record = record.key(key);
                }
                if let Some(partition) = partition {
                    record = record.partition(partition);
                }
                producer.send(record, Duration::from_secs(30)).await.map(|_| ())
            }
        })
        .collect();
    for delivery in futures::future::join_all(deliveries).await {
        delivery.expect("record acknowledged");
    }
}
