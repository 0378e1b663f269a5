//! MirrorCheckpointTask: for its consumer groups, translates the offsets they committed on the
//! source into the target's offsets through the offset syncs, emits them as checkpoints to
//! `<source>.checkpoints.internal`, and, with `sync.group.offsets.enabled`, commits them for the
//! groups on the target (only for groups with no active member there, and only forward), so that a
//! consumer that fails over resumes where its group was.
//!
//! The work runs in the background and hands its checkpoints to `poll` through a channel: the
//! runtime drops a waiting `poll` at every offset flush, which must not cut a round short.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::record::now_millis;
use kconnect_api::{
    ConnectError, KafkaAdmin, KafkaClients, KafkaReader, KafkaRecord, OffsetMap, Result, SourceRecord, SourceTask,
    SourceTaskContext, TopicPartition,
};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::checkpoint::partitions_of;
use crate::checkpoints::CheckpointStore;
use crate::config::{CheckpointConfig, Cluster, Role, TASK_GROUPS};
use crate::formats::{Checkpoint, OffsetSync};
use crate::offset_sync_store::OffsetSyncStore;
use crate::offsets::internal_record;

/// How long one read of a topic's new records waits.
const READ_WAIT: Duration = Duration::from_millis(100);
/// The states of a consumer group whose members are consuming: its offsets are theirs to commit.
/// (A broker that reports no state, as kconnect's embedded one, gets `Unknown`: synced, as Apache
/// syncs every group that is not empty and lets the broker refuse an active one.)
const ACTIVE_GROUP_STATES: [&str; 5] = [
    "Stable",
    "PreparingRebalance",
    "CompletingRebalance",
    "Assigning",
    "Reconciling",
];
/// A wait that never ends, for a round that is turned off.
const NEVER: Duration = Duration::from_secs(100 * 365 * 24 * 3600);

/// Emits checkpoints for its consumer groups.
#[derive(Default)]
pub struct MirrorCheckpointTask {
    checkpoints: Option<mpsc::Receiver<Result<Vec<SourceRecord>>>>,
    background: Option<JoinHandle<()>>,
}

#[async_trait]
impl SourceTask for MirrorCheckpointTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = CheckpointConfig::parse(context.configs())?;
        let groups: Vec<String> = context
            .configs()
            .get(TASK_GROUPS)
            .map(|g| g.split(',').filter(|g| !g.is_empty()).map(str::to_string).collect())
            .unwrap_or_default();
        let checkpointer = Checkpointer::new(config, groups, context.kafka()?.as_ref())?;
        let (sender, receiver) = mpsc::channel(4);
        self.background = Some(tokio::spawn(checkpointer.run(sender)));
        self.checkpoints = Some(receiver);
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let checkpoints = self
            .checkpoints
            .as_mut()
            .ok_or_else(|| ConnectError::Fatal("not started".into()))?;
        match checkpoints.recv().await {
            Some(result) => result,
            None => Err(ConnectError::Fatal("checkpointing stopped".into())),
        }
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(background) = self.background.take() {
            background.abort();
        }
        Ok(())
    }
}

/// The clients and state of one task's checkpointing.
struct Checkpointer {
    config: CheckpointConfig,
    groups: Vec<String>,
    source: Arc<dyn KafkaAdmin>,
    target: Arc<dyn KafkaAdmin>,
    syncs_admin: Arc<dyn KafkaAdmin>,
    syncs_reader: Box<dyn KafkaReader>,
    checkpoints_reader: Box<dyn KafkaReader>,
    syncs: OffsetSyncStore,
    checkpoints: CheckpointStore,
}

/// Reads the records of partition 0 of `topic` up to its end as `admin` reports it.
async fn catch_up(reader: &mut dyn KafkaReader, admin: &dyn KafkaAdmin, topic: &str) -> Result<Vec<KafkaRecord>> {
    let tp = TopicPartition::new(topic, 0);
    let end = admin
        .end_offsets(std::slice::from_ref(&tp))
        .await?
        .get(&tp)
        .copied()
        .unwrap_or(0);
    reader.assign(&[(tp, Some(0))])?;
    let mut records = Vec::new();
    let mut next = 0;
    while next < end {
        let polled = reader.poll(READ_WAIT).await?;
        next = polled.last().map_or(next, |r| r.offset + 1);
        records.extend(polled);
    }
    Ok(records)
}

/// The record's key and value, or `None` for a record without both.
fn key_value(record: &KafkaRecord) -> Option<(&[u8], &[u8])> {
    Some((record.key.as_deref()?, record.value.as_deref()?))
}

impl Checkpointer {
    fn new(config: CheckpointConfig, groups: Vec<String>, kafka: &dyn KafkaClients) -> Result<Self> {
        let mirror = &config.mirror;
        Ok(Self {
            source: kafka.admin(&mirror.client(Cluster::Source, Role::Admin))?,
            target: kafka.admin(&mirror.client(Cluster::Target, Role::Admin))?,
            syncs_admin: kafka.admin(&mirror.client(mirror.offset_syncs_on, Role::Admin))?,
            syncs_reader: kafka.reader(&mirror.client(mirror.offset_syncs_on, Role::Consumer))?,
            checkpoints_reader: kafka.reader(&mirror.client(Cluster::Target, Role::Consumer))?,
            syncs: OffsetSyncStore::default(),
            checkpoints: CheckpointStore::default(),
            groups,
            config,
        })
    }

    /// Reads back this task's groups' last checkpoints; whether that worked.
    async fn restore_checkpoints(&mut self) -> bool {
        let topic = self.config.checkpoints_topic();
        match catch_up(self.checkpoints_reader.as_mut(), self.target.as_ref(), &topic).await {
            Ok(records) => {
                let groups: HashSet<String> = self.groups.iter().cloned().collect();
                for (key, value) in records.iter().filter_map(key_value) {
                    match Checkpoint::read(key, value) {
                        Ok(checkpoint) => self.checkpoints.restore(checkpoint, &groups),
                        Err(err) => tracing::warn!(%err, "skipping an unreadable checkpoint"),
                    }
                }
                true
            }
            Err(err) => {
                tracing::warn!(%topic, %err, "could not read the checkpoints back");
                false
            }
        }
    }

    fn take_syncs(&mut self, records: &[KafkaRecord], latest_only: bool) {
        for (key, value) in records.iter().filter_map(key_value) {
            match OffsetSync::read(key, value) {
                Ok(sync) => self.syncs.add(&sync, latest_only),
                Err(err) => tracing::warn!(%err, "skipping an unreadable offset sync"),
            }
        }
    }

    /// Reads the offset syncs written so far (only the latest of each partition when no earlier
    /// checkpoint could be read, so no checkpoint goes back on one already emitted).
    async fn load_syncs(&mut self, latest_only: bool) -> Result<()> {
        let topic = self.config.mirror.offset_syncs_topic();
        let records = catch_up(self.syncs_reader.as_mut(), self.syncs_admin.as_ref(), &topic).await?;
        self.take_syncs(&records, latest_only);
        Ok(())
    }

    /// Takes in the offset syncs written since.
    async fn read_new_syncs(&mut self) -> Result<()> {
        loop {
            let records = self.syncs_reader.poll(READ_WAIT).await?;
            if records.is_empty() {
                return Ok(());
            }
            self.take_syncs(&records, false);
        }
    }

    /// The name on the target of partition `tp` of the source.
    fn renamed(&self, tp: &TopicPartition) -> TopicPartition {
        let mirror = &self.config.mirror;
        let topic = if mirror.policy.topic_source(&tp.topic) == Some(mirror.target_alias.as_str()) {
            mirror.policy.original_topic(&tp.topic).to_string()
        } else {
            mirror.policy.format_remote_topic(&mirror.source_alias, &tp.topic)
        };
        TopicPartition::new(topic, tp.partition)
    }

    /// The new checkpoints of every group, kept as the latest.
    async fn new_checkpoints(&mut self) -> Result<Vec<Checkpoint>> {
        let partitions = partitions_of(self.source.as_ref(), &self.config.topics).await?;
        let mut emitted = Vec::new();
        for group in &self.groups {
            let offsets = self.source.group_offsets(group, &partitions).await?;
            for (tp, upstream) in offsets {
                let Some(downstream) = self.syncs.translate(&tp, upstream) else {
                    continue;
                };
                let renamed = self.renamed(&tp);
                let checkpoint = Checkpoint {
                    group: group.clone(),
                    topic: renamed.topic,
                    partition: renamed.partition,
                    upstream,
                    downstream,
                    metadata: String::new(),
                };
                if self.checkpoints.is_news(&checkpoint) {
                    emitted.push(checkpoint);
                }
            }
        }
        self.checkpoints.record(&emitted);
        Ok(emitted)
    }

    /// Commits the translated offsets on the target for every group without active members
    /// there, where they are ahead of what the group committed itself.
    async fn sync_group_offsets(&self) -> Result<()> {
        let states: BTreeMap<String, String> = self
            .target
            .consumer_groups()
            .await?
            .into_iter()
            .map(|g| (g.group, g.state))
            .collect();
        for group in &self.groups {
            let translated = self.checkpoints.target_offsets(group);
            let state = states.get(group).map_or("Dead", String::as_str);
            if translated.is_empty() || ACTIVE_GROUP_STATES.contains(&state) {
                continue;
            }
            let partitions: Vec<TopicPartition> = translated.keys().cloned().collect();
            let committed = self.target.group_offsets(group, &partitions).await?;
            let ahead: BTreeMap<TopicPartition, i64> = translated
                .into_iter()
                .filter(|(tp, offset)| committed.get(tp).is_none_or(|c| c < offset))
                .collect();
            if !ahead.is_empty() {
                match self.target.commit_group_offsets(group, &ahead).await {
                    Ok(()) => tracing::debug!(%group, partitions = ahead.len(), "synced group offsets"),
                    Err(err) => tracing::warn!(%group, %err, "could not sync the group's offsets"),
                }
            }
        }
        Ok(())
    }

    fn record(&self, checkpoint: &Checkpoint, timestamp: i64) -> SourceRecord {
        let mut partition = OffsetMap::new();
        partition.insert("partition".into(), checkpoint.partition.into());
        partition.insert("topic".into(), checkpoint.topic.clone().into());
        partition.insert("group".into(), checkpoint.group.clone().into());
        internal_record(
            partition,
            self.config.checkpoints_topic(),
            checkpoint.key(),
            checkpoint.value(),
            timestamp,
        )
    }

    /// Checkpoints every `emit.checkpoints.interval.seconds` and syncs group offsets every
    /// `sync.group.offsets.interval.seconds`, until the task stops.
    async fn run(mut self, checkpoints: mpsc::Sender<Result<Vec<SourceRecord>>>) {
        let restored = self.restore_checkpoints().await;
        if let Err(err) = self.load_syncs(!restored).await {
            tracing::warn!(%err, "could not read the offset syncs");
        }
        tracing::info!(groups = self.groups.len(), "checkpointing");
        let emit_every = self.config.emit_checkpoints.unwrap_or(NEVER);
        let sync_every = self.config.sync_group_offsets.unwrap_or(NEVER);
        let (mut next_emit, mut next_sync) = (Instant::now() + emit_every, Instant::now() + sync_every);
        loop {
            tokio::time::sleep_until(next_emit.min(next_sync)).await;
            if let Err(err) = self.read_new_syncs().await {
                tracing::warn!(%err, "could not read new offset syncs");
            }
            let now = Instant::now();
            if now >= next_emit {
                next_emit = now + emit_every;
                let timestamp = now_millis();
                match self.new_checkpoints().await {
                    Ok(emitted) if emitted.is_empty() => {}
                    Ok(emitted) => {
                        let records = emitted.iter().map(|c| self.record(c, timestamp)).collect();
                        if checkpoints.send(Ok(records)).await.is_err() {
                            return;
                        }
                    }
                    Err(err) => tracing::warn!(%err, "could not checkpoint the consumer groups"),
                }
            }
            if now >= next_sync {
                next_sync = now + sync_every;
                if let Err(err) = self.sync_group_offsets().await {
                    tracing::warn!(%err, "could not sync group offsets");
                }
            }
        }
    }
}
