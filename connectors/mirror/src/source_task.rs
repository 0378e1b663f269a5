//! MirrorSourceTask: reads its share of the source partitions from where the committed offsets
//! left off and hands each record on unchanged (key, value, headers, timestamp and partition) to
//! its remote topic, writing offset syncs as records land.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConnectError, Headers, KafkaReader, KafkaRecord, OffsetMap, RecordCore, RecordMetadata, Result, Schema,
    SchemaAndValue, SourceRecord, SourceTask, SourceTaskContext, TopicPartition, Value,
};

use crate::config::{Cluster, Role, SourceConfig, TASK_PARTITIONS};
use crate::offset_syncs::OffsetSyncWriter;
use crate::offsets;
use crate::replication_policy::ReplicationPolicy;

/// How long a task waits after a failed read before reading again.
const READ_RETRY: Duration = Duration::from_millis(200);

/// One source partition: its offset-store key and its remote topic.
struct Assigned {
    partition: Arc<OffsetMap>,
    remote_topic: String,
}

struct Running {
    reader: Box<dyn KafkaReader>,
    poll_timeout: Duration,
    assigned: HashMap<TopicPartition, Assigned>,
    syncs: Option<OffsetSyncWriter>,
}

/// Copies records of assigned source partitions.
#[derive(Default)]
pub struct MirrorSourceTask {
    running: Option<Running>,
}

/// The partitions of `task.assigned.partitions` (`topic-partition`, comma-separated).
fn assigned_partitions(listed: &str) -> Result<Vec<TopicPartition>> {
    listed
        .split(',')
        .filter(|p| !p.is_empty())
        .map(|entry| {
            entry
                .rsplit_once('-')
                .and_then(|(topic, partition)| Some(TopicPartition::new(topic, partition.parse().ok()?)))
                .ok_or_else(|| ConnectError::config(TASK_PARTITIONS, format!("not a topic-partition: {entry}")))
        })
        .collect()
}

fn assignment(
    policy: &ReplicationPolicy,
    alias: &str,
    partitions: Vec<TopicPartition>,
) -> HashMap<TopicPartition, Assigned> {
    partitions
        .into_iter()
        .map(|tp| {
            let assigned = Assigned {
                partition: Arc::new(offsets::partition(alias, &tp)),
                remote_topic: policy.format_remote_topic(alias, &tp.topic),
            };
            (tp, assigned)
        })
        .collect()
}

fn bytes(value: Option<Vec<u8>>) -> SchemaAndValue {
    SchemaAndValue::new(Some(Schema::optional_bytes()), value.map_or(Value::Null, Value::Bytes))
}

impl Running {
    fn source_record(&self, record: KafkaRecord) -> Option<SourceRecord> {
        let tp = TopicPartition::new(record.topic, record.partition);
        let assigned = self.assigned.get(&tp)?;
        let mut headers = Headers::new();
        for (key, value) in record.headers {
            headers.add(
                key,
                Some(Schema::optional_bytes()),
                value.map_or(Value::Null, Value::Bytes),
            );
        }
        let core = RecordCore {
            topic: assigned.remote_topic.clone(),
            kafka_partition: Some(record.partition),
            key: bytes(record.key),
            value: bytes(record.value),
            timestamp: record.timestamp,
            headers,
        };
        Some(SourceRecord::new(
            assigned.partition.clone(),
            offsets::offset(record.offset),
            core,
        ))
    }
}

#[async_trait]
impl SourceTask for MirrorSourceTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let configs = context.configs();
        let config = SourceConfig::parse(configs)?;
        let mirror = &config.mirror;
        let partitions = assigned_partitions(configs.get(TASK_PARTITIONS).map_or("", String::as_str))?;
        let assigned = assignment(&mirror.policy, &mirror.source_alias, partitions);
        let offsets = context.offset_storage_reader();
        let positions: Vec<(TopicPartition, Option<i64>)> = assigned
            .iter()
            .map(|(tp, a)| {
                let last = offsets.offset(&a.partition).as_ref().and_then(offsets::upstream_offset);
                (tp.clone(), last.filter(|o| *o >= 0).map(|o| o + 1))
            })
            .collect();
        let kafka = context.kafka()?;
        let mut reader = kafka.reader(&mirror.client(Cluster::Source, Role::Consumer))?;
        reader.assign(&positions)?;
        let syncs = if mirror.emit_offset_syncs {
            let settings = mirror.client(mirror.offset_syncs_on, Role::Producer);
            let writer = kafka.writer(&settings)?;
            Some(OffsetSyncWriter::new(
                writer,
                mirror.offset_syncs_topic(),
                config.offset_lag_max,
            ))
        } else {
            None
        };
        tracing::info!(
            partitions = positions.len(),
            resumed = positions.iter().filter(|(_, o)| o.is_some()).count(),
            "replicating {}->{}",
            mirror.source_alias,
            mirror.target_alias
        );
        self.running = Some(Running {
            reader,
            poll_timeout: config.poll_timeout,
            assigned,
            syncs,
        });
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let running = self
            .running
            .as_mut()
            .ok_or_else(|| ConnectError::Fatal("not started".into()))?;
        let records = match running.reader.poll(running.poll_timeout).await {
            Ok(records) => records,
            Err(err) => {
                tracing::warn!(%err, "failure during poll");
                tokio::time::sleep(READ_RETRY).await;
                return Ok(Vec::new());
            }
        };
        Ok(records.into_iter().filter_map(|r| running.source_record(r)).collect())
    }

    async fn commit_record(&mut self, record: &SourceRecord, metadata: Option<RecordMetadata>) -> Result<()> {
        let (Some(running), Some(metadata)) = (self.running.as_mut(), metadata) else {
            return Ok(());
        };
        let Some(syncs) = running.syncs.as_mut() else {
            return Ok(());
        };
        if let (Some(tp), Some(upstream)) = (
            offsets::topic_partition(&record.source_partition),
            offsets::upstream_offset(&record.source_offset),
        ) {
            syncs.record(tp, upstream, metadata.offset);
            syncs.fire();
        }
        Ok(())
    }

    async fn commit(&mut self) -> Result<()> {
        if let Some(syncs) = self.running.as_mut().and_then(|r| r.syncs.as_mut()) {
            syncs.promote_delayed();
            syncs.fire();
        }
        Ok(())
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
    fn assigned_partitions_split_at_the_last_dash() {
        let parsed = assigned_partitions("orders-0,my-topic-12").unwrap();
        assert_eq!(
            parsed,
            [TopicPartition::new("orders", 0), TopicPartition::new("my-topic", 12)]
        );
        assert!(assigned_partitions("").unwrap().is_empty());
        assert!(assigned_partitions("nodash").is_err());
    }
}
