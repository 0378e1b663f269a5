//! The source connector's work on topics: which source partitions to replicate, which remote
//! topics and partitions to create on the target, and their configurations copied over.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kconnect_api::kafka_cluster::{NewTopic, TopicConfigEntry};
use kconnect_api::{ConfigMap, KafkaAdmin, Result, TopicPartition};

use crate::config::SourceConfig;

/// Creates `topic` (one partition, compacted) on the cluster `admin` reaches, unless it exists:
/// MirrorMaker's heartbeats, offset-syncs and checkpoints topics.
pub(crate) async fn create_compacted_topic(admin: &dyn KafkaAdmin, topic: &str, replication_factor: i32) -> Result<()> {
    let configs: ConfigMap = [("cleanup.policy".to_string(), "compact".to_string())].into();
    let failed = admin
        .create_topics(vec![NewTopic {
            name: topic.to_string(),
            partitions: 1,
            replication_factor,
            configs,
        }])
        .await?;
    for (topic, why) in failed {
        tracing::warn!(%topic, %why, "could not create topic");
    }
    Ok(())
}

/// The entries of a source topic's configuration that its remote topic gets: those set on the
/// topic (defaults too, with `use.defaults.from=source`), neither read-only nor secret nor from the
/// broker's properties file, and not excluded by `config.properties.exclude`.
fn copied_config(config: &SourceConfig, entries: &[TopicConfigEntry]) -> ConfigMap {
    entries
        .iter()
        .filter(|e| !e.is_default || config.defaults_from_source)
        .filter(|e| !e.read_only && !e.sensitive && !e.static_broker)
        .filter(|e| config.config_properties.accepts(&e.name))
        .filter_map(|e| Some((e.name.clone(), e.value.clone()?)))
        .collect()
}

/// The topics a source connector replicates, on both clusters.
pub(crate) struct TopicReplicator {
    config: SourceConfig,
    source: Arc<dyn KafkaAdmin>,
    target: Arc<dyn KafkaAdmin>,
}

/// Partition counts by topic.
type Counts = BTreeMap<String, i32>;

impl TopicReplicator {
    /// Replicates as `config` says between the clusters `source` and `target` reach.
    pub fn new(config: SourceConfig, source: Arc<dyn KafkaAdmin>, target: Arc<dyn KafkaAdmin>) -> Self {
        Self { config, source, target }
    }

    /// Every partition of the source topics to replicate, by topic.
    async fn source_topics(&self) -> Result<Counts> {
        Ok(self
            .source
            .topics()
            .await?
            .into_iter()
            .filter(|t| self.config.replicates(&t.name))
            .map(|t| (t.name, t.partitions))
            .collect())
    }

    /// The remote topics of this flow's source on the target, by name.
    async fn target_topics(&self) -> Result<Counts> {
        let mirror = &self.config.mirror;
        let checkpoints = mirror.policy.checkpoints_topic(&mirror.source_alias);
        Ok(self
            .target
            .topics()
            .await?
            .into_iter()
            .filter(|t| {
                mirror.policy.topic_source(&t.name) == Some(mirror.source_alias.as_str()) && t.name != checkpoints
            })
            .map(|t| (t.name, t.partitions))
            .collect())
    }

    fn remote(&self, topic: &str) -> String {
        self.config
            .mirror
            .policy
            .format_remote_topic(&self.config.mirror.source_alias, topic)
    }

    /// The source partitions to replicate, sorted, after creating on the target every remote
    /// topic and partition still missing there.
    pub async fn refresh(&self) -> Result<BTreeSet<TopicPartition>> {
        let source = self.source_topics().await?;
        let target = self.target_topics().await?;
        let new: Vec<&String> = source
            .keys()
            .filter(|t| !target.contains_key(&self.remote(t)))
            .collect();
        self.create_remote_topics(&new, &source).await?;
        for (topic, count) in &source {
            let remote = self.remote(topic);
            if target.get(&remote).is_some_and(|have| have < count)
                && let Err(err) = self.target.create_partitions(&remote, *count).await
            {
                tracing::warn!(topic = %remote, %err, "could not add partitions to a remote topic");
            }
        }
        Ok(source
            .into_iter()
            .flat_map(|(topic, count)| (0..count).map(move |p| TopicPartition::new(topic.clone(), p)))
            .collect())
    }

    async fn create_remote_topics(&self, topics: &[&String], counts: &Counts) -> Result<()> {
        if topics.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = topics.iter().map(|t| t.to_string()).collect();
        let configs = self.source.topic_configs(&names).await?;
        let new_topics = names
            .iter()
            .map(|topic| NewTopic {
                name: self.remote(topic),
                partitions: counts[topic],
                replication_factor: self.config.replication_factor,
                configs: configs
                    .get(topic)
                    .map(|c| copied_config(&self.config, c))
                    .unwrap_or_default(),
            })
            .collect();
        for (topic, why) in self.target.create_topics(new_topics).await? {
            tracing::warn!(%topic, %why, "could not create a remote topic");
        }
        tracing::info!(topics = ?names, "created remote topics");
        Ok(())
    }

    /// Copies the configuration of every replicated topic to its remote topic.
    pub async fn sync_configs(&self) -> Result<()> {
        let topics: Vec<String> = self.source_topics().await?.into_keys().collect();
        for (topic, entries) in self.source.topic_configs(&topics).await? {
            let remote = self.remote(&topic);
            if let Err(err) = self
                .target
                .alter_topic_config(&remote, &copied_config(&self.config, &entries))
                .await
            {
                tracing::warn!(topic = %remote, %err, "could not copy a topic's configuration");
            }
        }
        Ok(())
    }

    /// Creates the offset-syncs topic where `offset-syncs.topic.location` says.
    pub async fn create_offset_syncs_topic(&self) -> Result<()> {
        let mirror = &self.config.mirror;
        let admin = match mirror.offset_syncs_on {
            crate::config::Cluster::Source => &self.source,
            crate::config::Cluster::Target => &self.target,
        };
        create_compacted_topic(
            admin.as_ref(),
            &mirror.offset_syncs_topic(),
            self.config.offset_syncs_replication_factor,
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::config::PluginConfig;

    use super::*;

    fn config(extra: &[(&str, &str)]) -> SourceConfig {
        let mut map: ConfigMap = [("source.cluster.bootstrap.servers", "a:9092")]
            .iter()
            .chain(extra)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        map.insert("name".into(), "m".into());
        SourceConfig::parse(&map).unwrap()
    }

    #[test]
    fn set_entries_are_copied_but_not_defaults_secrets_or_excluded_keys() {
        let entries = vec![
            TopicConfigEntry::new("retention.ms", "3600000"),
            TopicConfigEntry {
                is_default: true,
                ..TopicConfigEntry::new("segment.bytes", "1073741824")
            },
            TopicConfigEntry {
                sensitive: true,
                ..TopicConfigEntry::new("secret", "x")
            },
            TopicConfigEntry {
                static_broker: true,
                ..TopicConfigEntry::new("compression.type", "lz4")
            },
            TopicConfigEntry::new("min.insync.replicas", "2"),
        ];
        let copied = copied_config(&config(&[]), &entries);
        assert_eq!(copied, ConfigMap::from([("retention.ms".into(), "3600000".into())]));
        let with_defaults = copied_config(&config(&[("use.defaults.from", "source")]), &entries);
        assert!(with_defaults.contains_key("segment.bytes"));
    }
}
