//! Kafka as the external system: what a connector that copies between Kafka clusters (MirrorMaker
//! 2's) needs of a cluster, without a Kafka client of its own. The connector names a cluster by
//! Java client settings (`bootstrap.servers`, `security.protocol`, `ssl.*`, `sasl.*`, …); the
//! runtime opens the clients ([`KafkaClients`], from the connector's or task's context).

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::ConfigMap;
use crate::error::Result;
use crate::sink::TopicPartition;

/// A topic and how many partitions it has.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TopicDescription {
    /// The topic.
    pub name: String,
    /// Its partition count.
    pub partitions: i32,
}

/// One configuration entry of a topic, as the cluster describes it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct TopicConfigEntry {
    /// The key (`retention.ms`, `cleanup.policy`, …).
    pub name: String,
    /// The value; `None` when the cluster hides it.
    pub value: Option<String>,
    /// Whether the value is the default (not set on the topic or the broker).
    pub is_default: bool,
    /// Whether it cannot be changed.
    pub read_only: bool,
    /// Whether it is a secret.
    pub sensitive: bool,
    /// Whether it comes from the broker's static configuration (its properties file).
    pub static_broker: bool,
}

impl TopicConfigEntry {
    /// An entry `name` = `value`, set on the topic itself.
    pub fn new(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            value: Some(value.into()),
            ..Self::default()
        }
    }
}

/// A topic to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewTopic {
    /// The topic.
    pub name: String,
    /// Its partition count.
    pub partitions: i32,
    /// Its replication factor; -1 for the cluster's default.
    pub replication_factor: i32,
    /// Its configuration.
    pub configs: ConfigMap,
}

/// A consumer group and its state (`Stable`, `Empty`, `Dead`, … as the cluster reports it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerGroupListing {
    /// The group id.
    pub group: String,
    /// Its state.
    pub state: String,
}

/// A record read from a cluster, as its bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KafkaRecord {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// Its timestamp (milliseconds since the epoch), when it has one.
    pub timestamp: Option<i64>,
    /// The key.
    pub key: Option<Vec<u8>>,
    /// The value.
    pub value: Option<Vec<u8>>,
    /// The headers, in order.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// Administration of one cluster: topics, their configurations and consumer groups.
#[async_trait]
pub trait KafkaAdmin: Send + Sync {
    /// Every topic with its partition count.
    async fn topics(&self) -> Result<Vec<TopicDescription>>;

    /// The configuration of each of `topics`.
    async fn topic_configs(&self, topics: &[String]) -> Result<BTreeMap<String, Vec<TopicConfigEntry>>>;

    /// Creates `topics`; a topic that exists already is no error. Returns each topic that could
    /// not be created, with why.
    async fn create_topics(&self, topics: Vec<NewTopic>) -> Result<Vec<(String, String)>>;

    /// Raises `topic`'s partition count to `total`.
    async fn create_partitions(&self, topic: &str, total: i32) -> Result<()>;

    /// Sets `topic`'s configuration to `configs` (keys not named return to their defaults).
    async fn alter_topic_config(&self, topic: &str, configs: &ConfigMap) -> Result<()>;

    /// Every consumer group.
    async fn consumer_groups(&self) -> Result<Vec<ConsumerGroupListing>>;

    /// The offsets `group` committed for those of `partitions` it committed any.
    async fn group_offsets(&self, group: &str, partitions: &[TopicPartition]) -> Result<BTreeMap<TopicPartition, i64>>;

    /// Commits `offsets` for `group`, which must have no active member.
    async fn commit_group_offsets(&self, group: &str, offsets: &BTreeMap<TopicPartition, i64>) -> Result<()>;

    /// The end (the next offset to be written) of each of `partitions`.
    async fn end_offsets(&self, partitions: &[TopicPartition]) -> Result<BTreeMap<TopicPartition, i64>>;
}

/// Reads chosen partitions of one cluster; commits nothing.
#[async_trait]
pub trait KafkaReader: Send + Sync {
    /// Reads `partitions`, each from the offset given, or from its start when none.
    fn assign(&mut self, partitions: &[(TopicPartition, Option<i64>)]) -> Result<()>;

    /// The records that arrive within `wait`, in order per partition; none when nothing came.
    async fn poll(&mut self, wait: Duration) -> Result<Vec<KafkaRecord>>;
}

/// A send in flight: resolves once the cluster stored the record, with its offset.
pub type PendingSend = Pin<Box<dyn Future<Output = Result<i64>> + Send>>;

/// Writes records to one cluster.
pub trait KafkaWriter: Send + Sync {
    /// Sends a record to `partition` of `topic`; the returned future tells when it is stored.
    fn send(&self, topic: &str, partition: i32, key: Option<&[u8]>, value: Option<&[u8]>) -> PendingSend;
}

/// Opens clients of any cluster, by Java client settings.
pub trait KafkaClients: Send + Sync {
    /// An admin client.
    fn admin(&self, settings: &ConfigMap) -> Result<Arc<dyn KafkaAdmin>>;

    /// A reader (a consumer in no group, committing nothing, from `auto.offset.reset` where no
    /// offset is given).
    fn reader(&self, settings: &ConfigMap) -> Result<Box<dyn KafkaReader>>;

    /// A writer (an idempotent producer that waits for every replica).
    fn writer(&self, settings: &ConfigMap) -> Result<Arc<dyn KafkaWriter>>;
}

/// The error of a context that offers no Kafka clients.
pub fn no_kafka_clients() -> crate::ConnectError {
    crate::ConnectError::Fatal("this runtime offers connectors no Kafka clients".to_string())
}
