//! A connector's offsets as the KIP-875 REST API reads and writes them: a source's in the offset
//! store, a sink's in its consumer group `connect-<name>`.

use std::sync::Arc;
use std::time::Duration;

use kconnect_api::{ConfigMap, OffsetMap};
use kconnect_storage::{decode_offset, offset_key, offset_value};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer};
use rdkafka::topic_partition_list::TopicPartitionList;
use rdkafka::{ClientConfig, Offset};
use serde::Serialize;
use serde_json::Value;

use crate::connector_config::TOPICS_REGEX;
use crate::error::RuntimeError;
use crate::kafka::consumer_config;
use crate::target_state::TargetState;
use crate::worker::Worker;

const KAFKA_TOPIC: &str = "kafka_topic";
const KAFKA_PARTITION: &str = "kafka_partition";
const KAFKA_OFFSET: &str = "kafka_offset";
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// One partition's offset, as `{"partition":{…},"offset":{…}}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConnectorOffset {
    /// The source partition, or `{"kafka_topic","kafka_partition"}` for a sink.
    pub partition: OffsetMap,
    /// The offset; `None` resets the partition.
    pub offset: Option<OffsetMap>,
}

/// Every committed offset of source connector `name`, configured with `config`.
pub fn source_offsets(worker: &Worker, name: &str, config: &ConfigMap) -> Result<Vec<ConnectorOffset>, RuntimeError> {
    Ok(worker
        .offsets_for(config)?
        .entries()
        .into_iter()
        .filter_map(|(key, value)| {
            let Ok(Value::Array(key)) = serde_json::from_slice::<Value>(&key) else {
                return None;
            };
            match key.as_slice() {
                [Value::String(connector), Value::Object(partition)] if connector == name => Some(ConnectorOffset {
                    partition: partition.clone(),
                    offset: decode_offset(&value),
                }),
                _ => None,
            }
        })
        .collect())
}

/// Writes (or with `None`, deletes) source offsets of connector `name`, configured with `config`.
pub fn write_source_offsets(
    worker: &Worker,
    name: &str,
    config: &ConfigMap,
    offsets: &[ConnectorOffset],
) -> Result<(), RuntimeError> {
    let writes = offsets
        .iter()
        .map(|o| (offset_key(name, &o.partition), o.offset.as_ref().map(offset_value)))
        .collect();
    worker.offsets_for(config)?.set(writes)?;
    Ok(())
}

/// The client settings of sink connector `name`'s consumer group, for reading and writing its
/// offsets.
fn group_client(worker: &Worker, config: &ConfigMap, name: &str) -> ClientConfig {
    consumer_config(&worker.config, config, name, &format!("connector-offsets-{name}"))
}

fn group_consumer(worker: &Worker, config: &ConfigMap, name: &str) -> Result<BaseConsumer, RuntimeError> {
    Ok(group_client(worker, config, name).create()?)
}

/// Every partition of the sink's topics (`topics`, or the topics matching `topics.regex`).
fn sink_partitions(consumer: &BaseConsumer, config: &ConfigMap) -> Result<TopicPartitionList, RuntimeError> {
    let metadata = consumer.fetch_metadata(None, REQUEST_TIMEOUT)?;
    let listed = crate::connector_config::listed_topics(config);
    let regex = config
        .get(TOPICS_REGEX)
        .filter(|r| !r.is_empty())
        .map(|r| regex::Regex::new(&format!("^(?:{r})$")))
        .transpose()
        .map_err(|err| RuntimeError::BadRequest(err.to_string()))?;
    let mut list = TopicPartitionList::new();
    for topic in metadata.topics() {
        let wanted =
            listed.iter().any(|t| t == topic.name()) || regex.as_ref().is_some_and(|r| r.is_match(topic.name()));
        if wanted {
            for partition in topic.partitions() {
                list.add_partition(topic.name(), partition.id());
            }
        }
    }
    Ok(list)
}

/// The committed offsets of sink connector `name`'s consumer group.
pub fn sink_offsets(worker: &Worker, name: &str, config: &ConfigMap) -> Result<Vec<ConnectorOffset>, RuntimeError> {
    let consumer = group_consumer(worker, config, name)?;
    let partitions = sink_partitions(&consumer, config)?;
    let committed = consumer.committed_offsets(partitions, REQUEST_TIMEOUT)?;
    Ok(committed
        .elements()
        .iter()
        .filter_map(|element| match element.offset() {
            Offset::Offset(offset) => Some(sink_offset(element.topic(), element.partition(), Some(offset))),
            _ => None,
        })
        .collect())
}

fn sink_offset(topic: &str, partition: i32, offset: Option<i64>) -> ConnectorOffset {
    let mut key = OffsetMap::new();
    key.insert(KAFKA_TOPIC.into(), topic.into());
    key.insert(KAFKA_PARTITION.into(), partition.into());
    ConnectorOffset {
        partition: key,
        offset: offset.map(|o| {
            let mut value = OffsetMap::new();
            value.insert(KAFKA_OFFSET.into(), o.into());
            value
        }),
    }
}

/// A JSON integer, or a string holding one, as Apache accepts for sink offsets.
fn integer(map: &OffsetMap, key: &str) -> Result<i64, RuntimeError> {
    let bad = || RuntimeError::BadRequest(format!("Sink offsets must have an integer '{key}'"));
    match map.get(key).ok_or_else(bad)? {
        Value::Number(n) => n.as_i64().ok_or_else(bad),
        Value::String(s) => s.trim().parse().map_err(|_| bad()),
        _ => Err(bad()),
    }
}

/// Commits sink offsets for connector `name`'s consumer group; a `None` offset moves the partition
/// back to its earliest record, as a reset does.
pub fn write_sink_offsets(
    worker: &Worker,
    name: &str,
    config: &ConfigMap,
    offsets: &[ConnectorOffset],
) -> Result<(), RuntimeError> {
    let consumer = group_consumer(worker, config, name)?;
    let mut list = TopicPartitionList::new();
    for entry in offsets {
        let topic = entry
            .partition
            .get(KAFKA_TOPIC)
            .and_then(Value::as_str)
            .ok_or_else(|| RuntimeError::BadRequest(format!("Sink partitions must have a string '{KAFKA_TOPIC}'")))?;
        let partition = integer(&entry.partition, KAFKA_PARTITION)? as i32;
        let offset = match &entry.offset {
            Some(offset) => integer(offset, KAFKA_OFFSET)?,
            None => consumer.fetch_watermarks(topic, partition, REQUEST_TIMEOUT)?.0,
        };
        list.add_partition_offset(topic, partition, Offset::Offset(offset))?;
    }
    if list.count() > 0 {
        consumer.commit(&list, CommitMode::Sync)?;
    }
    Ok(())
}

/// Every partition of a sink with no offset, for a reset of all of them.
pub fn all_sink_partitions(
    worker: &Worker,
    name: &str,
    config: &ConfigMap,
) -> Result<Vec<ConnectorOffset>, RuntimeError> {
    let consumer = group_consumer(worker, config, name)?;
    let partitions = sink_partitions(&consumer, config)?;
    Ok(partitions
        .elements()
        .iter()
        .map(|e| sink_offset(e.topic(), e.partition(), None))
        .collect())
}

/// How far one partition of a sink's topics is ahead of the sink's committed offset.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PartitionLag {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The consumer group's committed offset; `None` before its first commit.
    pub committed: Option<i64>,
    /// The partition's end (high watermark).
    pub end: i64,
    /// Records between the committed offset (or the partition's start) and the end.
    pub lag: i64,
}

/// A sink's consumer group and how far each partition of its topics is ahead of it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SinkLag {
    /// The group's id (`connect-<name>`, or the connector's `consumer.override.group.id`).
    pub group: String,
    /// Every partition of the sink's topics.
    pub partitions: Vec<PartitionLag>,
}

/// The lag of every partition of sink connector `name`'s topics behind its consumer group's
/// committed offsets.
pub async fn sink_lag(worker: &Arc<Worker>, name: &str, config: &ConfigMap) -> Result<SinkLag, RuntimeError> {
    let (name, config) = (name.to_string(), config.clone());
    blocking(worker, move |worker| {
        let client = group_client(worker, &config, &name);
        let group = client.get("group.id").unwrap_or_default().to_string();
        let consumer: BaseConsumer = client.create()?;
        let partitions = sink_partitions(&consumer, &config)?;
        let committed = consumer.committed_offsets(partitions, REQUEST_TIMEOUT)?;
        let partitions = committed
            .elements()
            .iter()
            .map(|element| {
                let (topic, partition) = (element.topic(), element.partition());
                let (start, end) = consumer.fetch_watermarks(topic, partition, REQUEST_TIMEOUT)?;
                let committed = match element.offset() {
                    Offset::Offset(offset) => Some(offset),
                    _ => None,
                };
                Ok(PartitionLag {
                    topic: topic.to_string(),
                    partition,
                    committed,
                    end,
                    lag: (end - committed.unwrap_or(start)).max(0),
                })
            })
            .collect::<Result<_, RuntimeError>>()?;
        Ok(SinkLag { group, partitions })
    })
    .await
}

/// Runs blocking Kafka calls off the async threads.
pub(crate) async fn blocking<T: Send + 'static>(
    worker: &Arc<Worker>,
    call: impl FnOnce(&Worker) -> Result<T, RuntimeError> + Send + 'static,
) -> Result<T, RuntimeError> {
    let worker = worker.clone();
    tokio::task::spawn_blocking(move || call(&worker))
        .await
        .map_err(|err| RuntimeError::Kafka(err.to_string()))?
}

/// A connector's offsets: its source partitions' from the offset store, a sink's from its
/// consumer group.
pub async fn read_offsets(
    worker: &Arc<Worker>,
    name: &str,
    config: &ConfigMap,
) -> Result<Vec<ConnectorOffset>, RuntimeError> {
    match worker
        .registry
        .connector(&config[crate::connector_config::CONNECTOR_CLASS])?
    {
        kconnect_api::ConnectorKind::Source(_) => source_offsets(worker, name, config),
        kconnect_api::ConnectorKind::Sink(_) => {
            let (name, config) = (name.to_string(), config.clone());
            blocking(worker, move |worker| sink_offsets(worker, &name, &config)).await
        }
    }
}

fn require_stopped(name: &str, target: TargetState) -> Result<(), RuntimeError> {
    if target == TargetState::Stopped {
        return Ok(());
    }
    Err(not_stopped(name))
}

/// Apache's refusal to change the offsets of connector `name`, which is not (yet) STOPPED: a
/// herder also answers it while the connector's tasks are still stopping, so that their last
/// offset commit cannot land after the change.
pub fn not_stopped(name: &str) -> RuntimeError {
    RuntimeError::BadRequest(format!(
        "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
    ))
}

/// Writes offsets of a STOPPED connector (`None` resets a partition); returns Apache's message.
pub async fn alter_offsets(
    worker: &Arc<Worker>,
    name: &str,
    config: &ConfigMap,
    target: TargetState,
    offsets: Vec<ConnectorOffset>,
) -> Result<String, RuntimeError> {
    if offsets.is_empty() {
        return Err(RuntimeError::BadRequest(
            "The offsets to be altered may not be empty".into(),
        ));
    }
    require_stopped(name, target)?;
    write_offsets(worker, name, config, offsets, "altered").await
}

/// Resets every offset of a STOPPED connector; returns Apache's message.
pub async fn reset_offsets(
    worker: &Arc<Worker>,
    name: &str,
    config: &ConfigMap,
    target: TargetState,
) -> Result<String, RuntimeError> {
    require_stopped(name, target)?;
    let offsets = match worker
        .registry
        .connector(&config[crate::connector_config::CONNECTOR_CLASS])?
    {
        kconnect_api::ConnectorKind::Source(_) => source_offsets(worker, name, config)?
            .into_iter()
            .map(|o| ConnectorOffset { offset: None, ..o })
            .collect(),
        kconnect_api::ConnectorKind::Sink(_) => {
            let (owned, config) = (name.to_string(), config.clone());
            blocking(worker, move |worker| all_sink_partitions(worker, &owned, &config)).await?
        }
    };
    write_offsets(worker, name, config, offsets, "reset").await
}

async fn write_offsets(
    worker: &Arc<Worker>,
    name: &str,
    config: &ConfigMap,
    offsets: Vec<ConnectorOffset>,
    verb: &str,
) -> Result<String, RuntimeError> {
    let connector = worker
        .registry
        .connector(&config[crate::connector_config::CONNECTOR_CLASS])?;
    let entries: Vec<_> = offsets
        .iter()
        .map(|o| (o.partition.clone(), o.offset.clone()))
        .collect();
    let complete = connector
        .connector()
        .alter_offsets(config, &entries)
        .map_err(|err| RuntimeError::BadRequest(err.to_string()))?;
    match connector {
        kconnect_api::ConnectorKind::Source(_) => write_source_offsets(worker, name, config, &offsets)?,
        kconnect_api::ConnectorKind::Sink(_) => {
            let (owned, config) = (name.to_string(), config.clone());
            blocking(worker, move |worker| {
                write_sink_offsets(worker, &owned, &config, &offsets)
            })
            .await?
        }
    }
    tracing::info!(connector = %name, verb, "offsets changed");
    Ok(if complete {
        format!("The offsets for this connector have been {verb} successfully")
    } else {
        format!(
            "The Connect framework-managed offsets for this connector have been {verb} successfully. However, if this connector manages offsets externally, they will need to be manually {verb} in the system that the connector uses."
        )
    })
}
