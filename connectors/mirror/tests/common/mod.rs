//! What the mirror tests share: a source cluster of its own (a second broker beside the one the
//! worker runs on) and the connector configuration that replicates it.

#![allow(dead_code, reason = "each test binary uses a part of it")]

use std::ops::Range;

use kconnect_broker::EmbeddedBroker;
use kconnect_test_kit::compliance::Expected;
use kconnect_test_kit::{ProducedRecord, produce_records, start_broker};
use serde_json::{Value, json};

/// The source cluster's alias.
pub const SOURCE: &str = "A";

/// A source cluster of its own and its data directory.
pub struct SourceCluster {
    _dir: tempfile::TempDir,
    broker: EmbeddedBroker,
}

impl SourceCluster {
    /// Starts a broker for the source cluster.
    pub async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let broker = start_broker(dir.path()).await;
        Self { _dir: dir, broker }
    }

    /// Its bootstrap servers.
    pub fn bootstrap(&self) -> String {
        self.broker.bootstrap_servers()
    }

    /// Writes records `numbers` of [`record`] to `topic`, each to the partition its key hashes to.
    pub async fn write(&self, topic: &str, numbers: Range<usize>) {
        produce_records(&self.bootstrap(), topic, None, numbers.map(record)).await;
    }
}

/// Record `number`: key `key-<n>`, value `value-<n>`, header `origin: A-<n>`.
pub fn record(number: usize) -> ProducedRecord {
    ProducedRecord {
        key: Some(format!("key-{number}")),
        value: format!("value-{number}"),
        headers: vec![("origin".into(), format!("{SOURCE}-{number}"))],
    }
}

/// Record `number` as it must arrive on the target: unchanged.
pub fn expected(number: usize) -> Expected {
    let produced = record(number);
    Expected {
        key: produced.key,
        value: produced.value,
        headers: produced.headers,
    }
}

/// A MirrorSourceConnector replicating `topics` from `source`, byte for byte (ByteArrayConverter
/// for keys, values and headers), with offset syncs and remote topics of one replica.
pub fn mirror_config(source: &str, topics: &str) -> Value {
    json!({
        "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "tasks.max": "2",
        "source.cluster.alias": SOURCE,
        "target.cluster.alias": "B",
        "source.cluster.bootstrap.servers": source,
        "topics": topics,
        "replication.factor": "1",
        "offset-syncs.topic.replication.factor": "1",
        "refresh.topics.interval.seconds": "1",
        "source.consumer.fetch.max.wait.ms": "50",
        "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "header.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
    })
}

/// A record exactly as a cluster holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RawRecord {
    pub partition: i32,
    pub offset: i64,
    pub timestamp: Option<i64>,
    pub key: Option<Vec<u8>>,
    pub value: Option<Vec<u8>>,
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Reads `topic` of `bootstrap` from the start until `count` records arrived (or a minute
/// passed), sorted by partition and offset.
pub async fn read_raw(bootstrap: &str, topic: &str, count: usize) -> Vec<RawRecord> {
    use futures::StreamExt;
    use rdkafka::consumer::{Consumer, StreamConsumer};
    use rdkafka::message::Headers;
    use rdkafka::{ClientConfig, Message};

    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("mirror-test-{}", kconnect_test_kit::free_port()))
        .set("auto.offset.reset", "earliest")
        .set("enable.auto.commit", "false")
        .set("topic.metadata.refresh.interval.ms", "1000")
        .create()
        .unwrap();
    consumer.subscribe(&[topic]).unwrap();
    let mut stream = consumer.stream();
    let mut records = Vec::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(60);
    while records.len() < count {
        let Ok(Some(Ok(message))) = tokio::time::timeout_at(deadline, stream.next()).await else {
            break;
        };
        records.push(RawRecord {
            partition: message.partition(),
            offset: message.offset(),
            timestamp: message.timestamp().to_millis(),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            headers: message
                .headers()
                .map(|h| {
                    h.iter()
                        .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
                        .collect()
                })
                .unwrap_or_default(),
        });
    }
    records.sort_by_key(|r| (r.partition, r.offset));
    records
}
