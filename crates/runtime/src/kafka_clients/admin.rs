//! [`KafkaAdmin`] over librdkafka's admin client and a consumer that reads metadata and group
//! offsets (the blocking calls run off the async threads).

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::kafka_cluster::{ConsumerGroupListing, NewTopic, TopicConfigEntry, TopicDescription};
use kconnect_api::{ConfigMap, ConnectError, KafkaAdmin, TopicPartition};
use rdkafka::admin::{
    AdminClient, AdminOptions, AlterConfig, ConfigSource, NewPartitions, NewTopic as RdNewTopic, ResourceSpecifier,
    TopicReplication,
};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

use super::group_list::list_consumer_groups;
use super::{REQUEST_TIMEOUT, retriable};

/// Administers one cluster.
pub struct RdKafkaAdmin {
    config: ClientConfig,
    admin: Arc<AdminClient<DefaultClientContext>>,
    metadata: Arc<BaseConsumer>,
}

impl RdKafkaAdmin {
    /// An admin of the cluster `config` reaches.
    pub fn new(config: ClientConfig) -> kconnect_api::Result<Self> {
        let admin = Arc::new(config.create().map_err(|e| retriable("creating an admin client", e))?);
        let metadata = Arc::new(
            config
                .clone()
                .set("group.id", "kconnect-admin")
                .create()
                .map_err(|e| retriable("creating a metadata client", e))?,
        );
        Ok(Self {
            config,
            admin,
            metadata,
        })
    }

    /// Runs `call` with the metadata consumer on a blocking thread.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&BaseConsumer) -> kconnect_api::Result<T> + Send + 'static,
    ) -> kconnect_api::Result<T> {
        let consumer = self.metadata.clone();
        tokio::task::spawn_blocking(move || call(&consumer))
            .await
            .map_err(|e| ConnectError::Fatal(e.to_string()))?
    }

    fn options() -> AdminOptions {
        AdminOptions::new().request_timeout(Some(REQUEST_TIMEOUT))
    }
}

fn partition_list(partitions: &[TopicPartition]) -> TopicPartitionList {
    let mut list = TopicPartitionList::new();
    for tp in partitions {
        list.add_partition(&tp.topic, tp.partition);
    }
    list
}

fn offsets(list: &TopicPartitionList) -> BTreeMap<TopicPartition, i64> {
    list.elements()
        .iter()
        .filter_map(|e| match e.offset() {
            Offset::Offset(offset) => Some((TopicPartition::new(e.topic(), e.partition()), offset)),
            _ => None,
        })
        .collect()
}

#[async_trait]
impl KafkaAdmin for RdKafkaAdmin {
    async fn topics(&self) -> kconnect_api::Result<Vec<TopicDescription>> {
        self.blocking(|consumer| {
            let metadata = consumer
                .fetch_metadata(None, REQUEST_TIMEOUT)
                .map_err(|e| retriable("listing topics", e))?;
            Ok(metadata
                .topics()
                .iter()
                .filter(|t| t.error().is_none())
                .map(|t| TopicDescription {
                    name: t.name().to_string(),
                    partitions: t.partitions().len() as i32,
                })
                .collect())
        })
        .await
    }

    async fn topic_configs(&self, topics: &[String]) -> kconnect_api::Result<BTreeMap<String, Vec<TopicConfigEntry>>> {
        if topics.is_empty() {
            return Ok(BTreeMap::new());
        }
        let resources: Vec<_> = topics.iter().map(|t| ResourceSpecifier::Topic(t)).collect();
        let results = self
            .admin
            .describe_configs(&resources, &Self::options())
            .await
            .map_err(|e| retriable("describing topic configs", e))?;
        let mut configs = BTreeMap::new();
        for (topic, result) in topics.iter().zip(results) {
            let Ok(resource) = result else { continue };
            let entries = resource
                .entries
                .into_iter()
                .map(|e| TopicConfigEntry {
                    static_broker: e.source == ConfigSource::StaticBroker,
                    is_default: e.is_default || e.source == ConfigSource::Default,
                    read_only: e.is_read_only,
                    sensitive: e.is_sensitive,
                    ..TopicConfigEntry::new(e.name, e.value.unwrap_or_default())
                })
                .collect();
            configs.insert(topic.clone(), entries);
        }
        Ok(configs)
    }

    async fn create_topics(&self, topics: Vec<NewTopic>) -> kconnect_api::Result<Vec<(String, String)>> {
        if topics.is_empty() {
            return Ok(Vec::new());
        }
        let new_topics: Vec<RdNewTopic<'_>> = topics
            .iter()
            .map(|t| {
                t.configs.iter().fold(
                    RdNewTopic::new(&t.name, t.partitions, TopicReplication::Fixed(t.replication_factor)),
                    |topic, (key, value)| topic.set(key, value),
                )
            })
            .collect();
        let results = self
            .admin
            .create_topics(&new_topics, &Self::options())
            .await
            .map_err(|e| retriable("creating topics", e))?;
        Ok(results
            .into_iter()
            .filter_map(|result| match result {
                Err((_, RDKafkaErrorCode::TopicAlreadyExists)) | Ok(_) => None,
                Err((topic, code)) => Some((topic, code.to_string())),
            })
            .collect())
    }

    async fn create_partitions(&self, topic: &str, total: i32) -> kconnect_api::Result<()> {
        let partitions = NewPartitions::new(topic, total as usize);
        let results = self
            .admin
            .create_partitions([&partitions], &Self::options())
            .await
            .map_err(|e| retriable("adding partitions", e))?;
        match results.into_iter().next() {
            Some(Err((topic, code))) => Err(ConnectError::Retriable(format!("adding partitions to {topic}: {code}"))),
            _ => Ok(()),
        }
    }

    async fn alter_topic_config(&self, topic: &str, configs: &ConfigMap) -> kconnect_api::Result<()> {
        let alter = configs
            .iter()
            .fold(AlterConfig::new(ResourceSpecifier::Topic(topic)), |alter, (k, v)| {
                alter.set(k, v)
            });
        let results = self
            .admin
            .alter_configs([&alter], &Self::options())
            .await
            .map_err(|e| retriable("altering topic configs", e))?;
        match results.into_iter().next() {
            Some(Err((_, code))) => Err(ConnectError::Retriable(format!(
                "altering the configuration of {topic}: {code}"
            ))),
            _ => Ok(()),
        }
    }

    async fn consumer_groups(&self) -> kconnect_api::Result<Vec<ConsumerGroupListing>> {
        let admin = self.admin.clone();
        tokio::task::spawn_blocking(move || {
            list_consumer_groups(admin.inner(), REQUEST_TIMEOUT)
                .map_err(|e| ConnectError::Retriable(format!("listing consumer groups: {e}")))
        })
        .await
        .map_err(|e| ConnectError::Fatal(e.to_string()))?
    }

    async fn group_offsets(
        &self,
        group: &str,
        partitions: &[TopicPartition],
    ) -> kconnect_api::Result<BTreeMap<TopicPartition, i64>> {
        let consumer = self.group_consumer(group)?;
        let list = partition_list(partitions);
        tokio::task::spawn_blocking(move || {
            let committed = consumer
                .committed_offsets(list, REQUEST_TIMEOUT)
                .map_err(|e| retriable("reading a group's offsets", e))?;
            Ok(offsets(&committed))
        })
        .await
        .map_err(|e| ConnectError::Fatal(e.to_string()))?
    }

    async fn commit_group_offsets(
        &self,
        group: &str,
        offsets: &BTreeMap<TopicPartition, i64>,
    ) -> kconnect_api::Result<()> {
        let consumer = self.group_consumer(group)?;
        let mut list = TopicPartitionList::new();
        for (tp, offset) in offsets {
            list.add_partition_offset(&tp.topic, tp.partition, Offset::Offset(*offset))
                .map_err(|e| retriable("committing a group's offsets", e))?;
        }
        tokio::task::spawn_blocking(move || {
            consumer
                .commit(&list, CommitMode::Sync)
                .map_err(|e| retriable("committing a group's offsets", e))
        })
        .await
        .map_err(|e| ConnectError::Fatal(e.to_string()))?
    }

    async fn end_offsets(&self, partitions: &[TopicPartition]) -> kconnect_api::Result<BTreeMap<TopicPartition, i64>> {
        let partitions = partitions.to_vec();
        self.blocking(move |consumer| {
            partitions
                .into_iter()
                .map(|tp| {
                    let (_, end) = consumer
                        .fetch_watermarks(&tp.topic, tp.partition, REQUEST_TIMEOUT)
                        .map_err(|e| retriable("reading a partition's end", e))?;
                    Ok((tp, end))
                })
                .collect()
        })
        .await
    }
}

impl RdKafkaAdmin {
    /// A consumer in `group` that never joins it: it reads and commits the group's offsets.
    fn group_consumer(&self, group: &str) -> kconnect_api::Result<BaseConsumer> {
        self.config
            .clone()
            .set("group.id", group)
            .set("enable.auto.commit", "false")
            .create()
            .map_err(|e| retriable("creating a group client", e))
    }
}
