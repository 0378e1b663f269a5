//! Creating the topics a connector uses when they do not exist yet: always with the embedded broker
//! (which, unlike a default Kafka broker, creates no topic on first use), and against a real
//! cluster when the connector sets `topic.creation.default.*` (KIP-158).

use std::collections::HashSet;
use std::time::Duration;

use kconnect_api::ConfigMap;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::types::RDKafkaErrorCode;

use crate::error::RuntimeError;

const DEFAULT_PARTITIONS: &str = "topic.creation.default.partitions";
const DEFAULT_REPLICATION: &str = "topic.creation.default.replication.factor";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// How new topics are created, or `None` when the connector leaves it to the broker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TopicSettings {
    /// Partitions of a new topic (-1: the broker's default).
    pub partitions: i32,
    /// Replication factor of a new topic (-1: the broker's default).
    pub replication: i32,
}

impl TopicSettings {
    /// What the embedded broker's topics get: one partition, one replica.
    pub const EMBEDDED: TopicSettings = TopicSettings {
        partitions: 1,
        replication: 1,
    };

    /// The connector's KIP-158 default group, when both of its keys are set.
    pub fn from_connector(config: &ConfigMap) -> Option<Self> {
        let partitions = config.get(DEFAULT_PARTITIONS)?.trim().parse().ok()?;
        let replication = config.get(DEFAULT_REPLICATION)?.trim().parse().ok()?;
        Some(Self {
            partitions,
            replication,
        })
    }
}

/// Creates topics once each, remembering which exist.
pub struct TopicCreator {
    admin: AdminClient<DefaultClientContext>,
    settings: TopicSettings,
    known: HashSet<String>,
}

impl TopicCreator {
    /// A creator using `admin` client settings.
    pub fn new(admin: &rdkafka::ClientConfig, settings: TopicSettings) -> Result<Self, RuntimeError> {
        Ok(Self {
            admin: admin.create()?,
            settings,
            known: HashSet::new(),
        })
    }

    /// Makes sure `topic` exists, creating it if it does not.
    pub async fn ensure(&mut self, topic: &str) -> Result<(), RuntimeError> {
        if self.known.contains(topic) {
            return Ok(());
        }
        if self.exists(topic) {
            self.known.insert(topic.to_string());
            return Ok(());
        }
        let new_topic = NewTopic::new(
            topic,
            self.settings.partitions,
            TopicReplication::Fixed(self.settings.replication),
        );
        let options = AdminOptions::new().operation_timeout(Some(REQUEST_TIMEOUT));
        let results = self.admin.create_topics([&new_topic], &options).await?;
        for result in results {
            match result {
                Ok(name) => tracing::info!(topic = %name, partitions = self.settings.partitions, "created topic"),
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                Err((name, code)) => return Err(RuntimeError::Kafka(format!("creating topic {name} failed: {code}"))),
            }
        }
        self.known.insert(topic.to_string());
        Ok(())
    }

    /// Whether the cluster's metadata lists `topic` without error.
    fn exists(&self, topic: &str) -> bool {
        let client = self.admin.inner();
        let metadata = tokio::task::block_in_place(|| client.fetch_metadata(Some(topic), REQUEST_TIMEOUT));
        metadata.is_ok_and(|m| lists_topic(&m, topic))
    }
}

/// Whether cluster metadata lists `topic` without error and with partitions.
pub fn lists_topic(metadata: &rdkafka::metadata::Metadata, topic: &str) -> bool {
    metadata
        .topics()
        .iter()
        .any(|t| t.name() == topic && t.error().is_none() && !t.partitions().is_empty())
}
