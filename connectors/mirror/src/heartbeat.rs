//! MirrorHeartbeatConnector: one task that writes a heartbeat to the target's `heartbeats` topic
//! every `emit.heartbeats.interval.seconds`, so that replication (of the heartbeats topic, by a
//! source connector the other way) can be watched end to end. As Apache's, it beats whether or not
//! the flow is `enabled` (MirrorMaker runs it on the reverse of every enabled flow); only
//! `emit.heartbeats.enabled=false` stops it.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::record::now_millis;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, Connector, ConnectorContext, OffsetMap, Result, SourceConnector, SourceRecord,
    SourceTask, SourceTaskContext,
};

use crate::config::{Cluster, HeartbeatConfig, Role};
use crate::formats::Heartbeat;
use crate::offsets::internal_record;
use crate::replication_policy::HEARTBEATS_TOPIC;
use crate::topics::create_compacted_topic;

/// Emits heartbeats.
#[derive(Default)]
pub struct MirrorHeartbeatConnector {
    config: Option<HeartbeatConfig>,
}

#[async_trait]
impl Connector for MirrorHeartbeatConnector {
    fn config_def(&self) -> ConfigDef {
        HeartbeatConfig::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        HeartbeatConfig::validate(config)
    }

    async fn start(&mut self, context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        let config = HeartbeatConfig::parse(&config)?;
        let admin = context
            .kafka()?
            .admin(&config.mirror.client(Cluster::Target, Role::Admin))?;
        if let Err(err) = create_compacted_topic(admin.as_ref(), HEARTBEATS_TOPIC, config.replication_factor).await {
            tracing::warn!(%err, "could not create the heartbeats topic");
        }
        self.config = Some(config);
        Ok(())
    }

    fn task_configs(&self, _max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(self
            .config
            .iter()
            .filter(|c| c.interval.is_some())
            .map(|c| c.mirror.originals().clone())
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for MirrorHeartbeatConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(MirrorHeartbeatTask::default())
    }
}

/// Writes one heartbeat per interval.
#[derive(Default)]
pub struct MirrorHeartbeatTask {
    running: Option<Beating>,
}

/// A started heartbeat task.
struct Beating {
    heartbeat: Heartbeat,
    interval: Duration,
    partition: Arc<OffsetMap>,
    /// When the next heartbeat is due: kept across polls, as the runtime may drop a waiting poll.
    next: tokio::time::Instant,
}

/// The source partition of a flow's heartbeats (`sourceClusterAlias`, `targetClusterAlias`, in
/// the order Apache's map gives).
fn heartbeat_partition(heartbeat: &Heartbeat) -> OffsetMap {
    let mut map = OffsetMap::new();
    map.insert("sourceClusterAlias".into(), heartbeat.source_alias.clone().into());
    map.insert("targetClusterAlias".into(), heartbeat.target_alias.clone().into());
    map
}

#[async_trait]
impl SourceTask for MirrorHeartbeatTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = HeartbeatConfig::parse(context.configs())?;
        let heartbeat = Heartbeat {
            source_alias: config.mirror.source_alias.clone(),
            target_alias: config.mirror.target_alias.clone(),
            timestamp: 0,
        };
        let interval = config.interval.unwrap_or(Duration::from_secs(u32::MAX.into()));
        self.running = Some(Beating {
            partition: Arc::new(heartbeat_partition(&heartbeat)),
            heartbeat,
            interval,
            next: tokio::time::Instant::now() + interval,
        });
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let Some(Beating {
            heartbeat,
            interval,
            partition,
            next,
        }) = self.running.as_mut()
        else {
            return Ok(Vec::new());
        };
        tokio::time::sleep_until(*next).await;
        *next += *interval;
        heartbeat.timestamp = now_millis();
        Ok(vec![internal_record(
            partition.clone(),
            HEARTBEATS_TOPIC,
            heartbeat.key(),
            heartbeat.value(),
            heartbeat.timestamp,
        )])
    }

    async fn stop(&mut self) -> Result<()> {
        self.running = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_names_both_clusters_in_apaches_key_order() {
        let heartbeat = Heartbeat {
            source_alias: "A".into(),
            target_alias: "B".into(),
            timestamp: 0,
        };
        assert_eq!(
            serde_json::to_string(&heartbeat_partition(&heartbeat)).unwrap(),
            r#"{"sourceClusterAlias":"A","targetClusterAlias":"B"}"#
        );
    }
}
