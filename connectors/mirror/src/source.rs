//! MirrorSourceConnector: finds the source topics to replicate, creates their remote topics on
//! the target, keeps looking for new ones, and splits the partitions among tasks round-robin.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, Connector, ConnectorContext, OffsetMap, Result, SourceConnector, SourceTask,
    TopicPartition,
};
use tokio::task::JoinHandle;

use crate::config::{Cluster, Role, SourceConfig, TASK_INDEX, TASK_PARTITIONS};
use crate::offsets;
use crate::source_task::MirrorSourceTask;
use crate::topics::TopicReplicator;

/// How soon a connector that could not list the clusters' topics tries again.
const RETRY: Duration = Duration::from_secs(5);

/// Replicates topics from the source cluster to the target (the worker's cluster).
#[derive(Default)]
pub struct MirrorSourceConnector {
    config: Option<SourceConfig>,
    partitions: Arc<Mutex<BTreeSet<TopicPartition>>>,
    background: Option<JoinHandle<()>>,
}

impl MirrorSourceConnector {
    /// Keeps the partitions and remote topics up to date and topic configurations copied.
    fn spawn_refresh(
        &mut self,
        replicator: Arc<TopicReplicator>,
        config: &SourceConfig,
        context: Arc<dyn ConnectorContext>,
        loaded: bool,
    ) {
        let partitions = self.partitions.clone();
        let (refresh, sync) = (config.refresh_topics, config.sync_configs);
        self.background = Some(tokio::spawn(async move {
            let mut loaded = loaded;
            let mut next_refresh = tokio::time::Instant::now() + refresh.unwrap_or(RETRY);
            let mut next_sync = tokio::time::Instant::now() + sync.unwrap_or(Duration::MAX / 4);
            loop {
                let refreshing = !loaded || refresh.is_some();
                let wake = if refreshing {
                    next_refresh.min(next_sync)
                } else {
                    next_sync
                };
                tokio::time::sleep_until(wake).await;
                let now = tokio::time::Instant::now();
                if refreshing && now >= next_refresh {
                    match replicator.refresh().await {
                        Ok(found) => {
                            loaded = true;
                            let changed = *partitions.lock().expect("partitions") != found;
                            if changed {
                                tracing::info!(partitions = found.len(), "the topic-partitions to replicate changed");
                                *partitions.lock().expect("partitions") = found;
                                context.request_task_reconfiguration();
                            }
                        }
                        Err(err) => tracing::warn!(%err, "could not look for new topics"),
                    }
                    next_refresh = now + if loaded { refresh.unwrap_or(RETRY) } else { RETRY };
                }
                if let Some(sync) = sync
                    && now >= next_sync
                {
                    if let Err(err) = replicator.sync_configs().await {
                        tracing::warn!(%err, "could not copy topic configurations");
                    }
                    next_sync = now + sync;
                }
            }
        }));
    }
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
        let loaded = match tokio::time::timeout(config.mirror.admin_timeout, replicator.refresh()).await {
            Ok(Ok(found)) => {
                tracing::info!(partitions = found.len(), "replicating topic-partitions");
                *self.partitions.lock().expect("partitions") = found;
                true
            }
            Ok(Err(err)) => {
                tracing::warn!(%err, "could not list the topics to replicate; trying again shortly");
                false
            }
            Err(_) => {
                tracing::warn!("listing the topics to replicate timed out; trying again shortly");
                false
            }
        };
        if config.sync_acls {
            tracing::info!("sync.topic.acls.enabled: kconnect does not copy topic ACLs (docs/connectors/mirror.md)");
        }
        self.spawn_refresh(replicator, &config, context, loaded);
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let Some(config) = self.config.as_ref().filter(|c| c.mirror.enabled) else {
            return Ok(Vec::new());
        };
        let partitions = self.partitions.lock().expect("partitions");
        let tasks = max_tasks.min(partitions.len());
        let mut assigned: Vec<Vec<String>> = vec![Vec::new(); tasks];
        for (index, tp) in partitions.iter().enumerate() {
            assigned[index % tasks].push(format!("{}-{}", tp.topic, tp.partition));
        }
        Ok(assigned
            .into_iter()
            .enumerate()
            .map(|(index, partitions)| {
                let mut task = config.mirror.originals().clone();
                task.insert(TASK_PARTITIONS.into(), partitions.join(","));
                task.insert(TASK_INDEX.into(), index.to_string());
                task
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(background) = self.background.take() {
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
}
