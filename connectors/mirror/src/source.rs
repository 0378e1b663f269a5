//! MirrorSourceConnector: finds the source topics to replicate, creates their remote topics on
//! the target, keeps looking for new ones, and splits the partitions among tasks round-robin.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, Connector, ConnectorContext, ExactlyOnceSupport, OffsetMap, Result,
    SourceConnector, SourceTask, TopicPartition,
};
use tokio::task::JoinHandle;

use crate::config::{Cluster, Role, SourceConfig, TASK_PARTITIONS};
use crate::offsets;
use crate::refresher::{Found, round_robin, task_configs};
use crate::source_task::MirrorSourceTask;
use crate::topics::TopicReplicator;

/// Replicates topics from the source cluster to the target (the worker's cluster).
#[derive(Default)]
pub struct MirrorSourceConnector {
    config: Option<SourceConfig>,
    partitions: Found<TopicPartition>,
    background: Vec<JoinHandle<()>>,
}

/// Copies topic configurations every `every`.
fn keep_configs_synced(replicator: Arc<TopicReplicator>, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(every).await;
            if let Err(err) = replicator.sync_configs().await {
                tracing::warn!(%err, "could not copy topic configurations");
            }
        }
    })
}

#[async_trait]
impl Connector for MirrorSourceConnector {
    fn config_def(&self) -> ConfigDef {
        SourceConfig::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        SourceConfig::validate(config)
    }

    async fn start(&mut self, context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        let config = SourceConfig::parse(&config)?;
        self.config = Some(config.clone());
        if !config.mirror.enabled {
            return Ok(());
        }
        let kafka = context.kafka()?;
        let replicator = Arc::new(TopicReplicator::new(
            config.clone(),
            kafka.admin(&config.mirror.client(Cluster::Source, Role::Admin))?,
            kafka.admin(&config.mirror.client(Cluster::Target, Role::Admin))?,
        ));
        if config.mirror.emit_offset_syncs
            && let Err(err) = replicator.create_offset_syncs_topic().await
        {
            tracing::warn!(%err, "could not create the offset-syncs topic");
        }
        if config.sync_acls {
            tracing::info!("sync.topic.acls.enabled: kconnect does not copy topic ACLs (docs/connectors/mirror.md)");
        }
        let finder = replicator.clone();
        let refresh = self
            .partitions
            .keep_fresh(
                "topic-partitions to replicate",
                config.mirror.admin_timeout,
                config.refresh_topics,
                context,
                move || {
                    let replicator = finder.clone();
                    async move { replicator.refresh().await }
                },
            )
            .await;
        self.background.push(refresh);
        if let Some(every) = config.sync_configs {
            self.background.push(keep_configs_synced(replicator, every));
        }
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let Some(config) = self.config.as_ref().filter(|c| c.mirror.enabled) else {
            return Ok(Vec::new());
        };
        let dealt = round_robin(&self.partitions.get(), max_tasks)
            .into_iter()
            .map(|partitions| {
                partitions
                    .iter()
                    .map(|tp| format!("{}-{}", tp.topic, tp.partition))
                    .collect()
            })
            .collect();
        Ok(task_configs(config.mirror.originals(), TASK_PARTITIONS, dealt))
    }

    async fn stop(&mut self) -> Result<()> {
        for background in self.background.drain(..) {
            background.abort();
        }
        Ok(())
    }

    fn alter_offsets(&self, _config: &ConfigMap, offsets: &[(OffsetMap, Option<OffsetMap>)]) -> Result<bool> {
        for (partition, offset) in offsets {
            offsets::check_partition(partition)?;
            if let Some(offset) = offset {
                offsets::check_offset(offset)?;
            }
        }
        // The source consumer commits nothing: the framework's offsets are the whole story.
        Ok(true)
    }
}

impl SourceConnector for MirrorSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(MirrorSourceTask::default())
    }

    /// As Apache's: a flow copies exactly once when its source consumer reads committed records
    /// only (records and the upstream offsets they came from are then written together).
    fn exactly_once_support(&self, config: &ConfigMap) -> Option<ExactlyOnceSupport> {
        let config = SourceConfig::parse(config).ok()?;
        Some(match config.mirror.reads_committed() {
            true => ExactlyOnceSupport::Supported,
            false => ExactlyOnceSupport::Unsupported,
        })
    }
}
