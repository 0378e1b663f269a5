//! MirrorCheckpointConnector: finds the source cluster's consumer groups that read replicated
//! topics, creates the checkpoints topic on the target, and deals the groups to tasks round-robin.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, Connector, ConnectorContext, KafkaAdmin, Result, SourceConnector, SourceTask,
    TopicPartition,
};
use tokio::task::JoinHandle;

use crate::checkpoint_task::MirrorCheckpointTask;
use crate::config::{CheckpointConfig, Cluster, Role, TASK_GROUPS};
use crate::filters::NameFilter;
use crate::refresher::{Found, round_robin, task_configs};
use crate::topics::create_compacted_topic;

/// Translates consumer group offsets from the source cluster to the target.
#[derive(Default)]
pub struct MirrorCheckpointConnector {
    config: Option<CheckpointConfig>,
    groups: Found<String>,
    background: Option<JoinHandle<()>>,
}

/// Every partition of the topics on the cluster `admin` reaches that `topics` takes.
pub(crate) async fn partitions_of(admin: &dyn KafkaAdmin, topics: &NameFilter) -> Result<Vec<TopicPartition>> {
    Ok(admin
        .topics()
        .await?
        .into_iter()
        .filter(|t| topics.accepts(&t.name))
        .flat_map(|t| (0..t.partitions).map(move |p| TopicPartition::new(t.name.clone(), p)))
        .collect())
}

/// The consumer groups `config` takes that committed offsets of topics it takes.
async fn find_groups(admin: &dyn KafkaAdmin, config: &CheckpointConfig) -> Result<BTreeSet<String>> {
    let partitions = partitions_of(admin, &config.topics).await?;
    let mut found = BTreeSet::new();
    for listing in admin.consumer_groups().await? {
        if config.groups.accepts(&listing.group) && !admin.group_offsets(&listing.group, &partitions).await?.is_empty()
        {
            found.insert(listing.group);
        }
    }
    Ok(found)
}

#[async_trait]
impl Connector for MirrorCheckpointConnector {
    fn config_def(&self) -> ConfigDef {
        CheckpointConfig::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        CheckpointConfig::validate(config)
    }

    async fn start(&mut self, context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        let config = CheckpointConfig::parse(&config)?;
        self.config = Some(config.clone());
        if !config.mirror.enabled {
            return Ok(());
        }
        let kafka = context.kafka()?;
        let target = kafka.admin(&config.mirror.client(Cluster::Target, Role::Admin))?;
        if let Err(err) =
            create_compacted_topic(target.as_ref(), &config.checkpoints_topic(), config.replication_factor).await
        {
            tracing::warn!(%err, "could not create the checkpoints topic");
        }
        let source = kafka.admin(&config.mirror.client(Cluster::Source, Role::Admin))?;
        let finder = config.clone();
        let refresh = self
            .groups
            .keep_fresh(
                "consumer groups to checkpoint",
                config.mirror.admin_timeout,
                config.refresh_groups,
                context,
                move || {
                    let (source, config) = (source.clone(), finder.clone());
                    async move { find_groups(source.as_ref(), &config).await }
                },
            )
            .await;
        self.background = Some(refresh);
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let Some(config) = self.config.as_ref() else {
            return Ok(Vec::new());
        };
        let working = config.emit_checkpoints.is_some() || config.sync_group_offsets.is_some();
        if !config.mirror.enabled || !working {
            return Ok(Vec::new());
        }
        let dealt = round_robin(&self.groups.get(), max_tasks);
        Ok(task_configs(config.mirror.originals(), TASK_GROUPS, dealt))
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(background) = self.background.take() {
            background.abort();
        }
        Ok(())
    }
}

impl SourceConnector for MirrorCheckpointConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(MirrorCheckpointTask::default())
    }
}
