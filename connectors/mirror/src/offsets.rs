//! A source task's source partitions and offsets, in Apache's shapes so that offsets move between
//! Apache's MirrorMaker and kconnect: partition `{"cluster","partition","topic"}` (the key order
//! Apache's map gives), offset `{"offset": <last replicated upstream offset>}`.

use std::sync::Arc;

use kconnect_api::{ConnectError, OffsetMap, RecordCore, Result, Schema, SchemaAndValue, SourceRecord, TopicPartition};
use serde_json::Value;

const CLUSTER: &str = "cluster";
const TOPIC: &str = "topic";
const PARTITION: &str = "partition";
const OFFSET: &str = "offset";

/// The source partition of `tp` on cluster `alias`.
pub(crate) fn partition(alias: &str, tp: &TopicPartition) -> OffsetMap {
    let mut map = OffsetMap::new();
    map.insert(CLUSTER.into(), alias.into());
    map.insert(PARTITION.into(), tp.partition.into());
    map.insert(TOPIC.into(), tp.topic.clone().into());
    map
}

/// The source offset after the record at `offset`.
pub(crate) fn offset(offset: i64) -> OffsetMap {
    let mut map = OffsetMap::new();
    map.insert(OFFSET.into(), offset.into());
    map
}

/// A record of one of MirrorMaker's own single-partition topics (heartbeats, checkpoints), as
/// Apache writes them: partition 0, key and value as BYTES, source offset `{"offset":0}`.
pub(crate) fn internal_record(
    partition: impl Into<Arc<OffsetMap>>,
    topic: impl Into<String>,
    key: Vec<u8>,
    value: Vec<u8>,
    timestamp: i64,
) -> SourceRecord {
    let bytes = |b: Vec<u8>| SchemaAndValue::new(Some(Schema::bytes()), kconnect_api::Value::Bytes(b));
    let core = RecordCore {
        kafka_partition: Some(0),
        key: bytes(key),
        timestamp: Some(timestamp),
        ..RecordCore::new(topic, bytes(value))
    };
    SourceRecord::new(partition, offset(0), core)
}

/// The topic-partition a source partition names.
pub(crate) fn topic_partition(partition: &OffsetMap) -> Option<TopicPartition> {
    let topic = partition.get(TOPIC)?.as_str()?;
    let number = i32::try_from(partition.get(PARTITION)?.as_i64()?).ok()?;
    Some(TopicPartition::new(topic, number))
}

/// The upstream offset a source offset holds.
pub(crate) fn upstream_offset(offset: &OffsetMap) -> Option<i64> {
    offset.get(OFFSET)?.as_i64()
}

fn field<'a>(map: &'a OffsetMap, key: &str, what: &str) -> Result<&'a Value> {
    map.get(key)
        .ok_or_else(|| ConnectError::Fatal(format!("The {what} must contain a '{key}' field")))
}

/// Checks a source partition a user writes through the offsets API.
pub(crate) fn check_partition(partition: &OffsetMap) -> Result<()> {
    for key in [CLUSTER, TOPIC] {
        if !field(partition, key, "source partition")?.is_string() {
            return Err(ConnectError::Fatal(format!(
                "The '{key}' field of a source partition must be a string"
            )));
        }
    }
    match field(partition, PARTITION, "source partition")?.as_i64() {
        Some(p) if p >= 0 && p <= i64::from(i32::MAX) => Ok(()),
        _ => Err(ConnectError::Fatal(
            "The 'partition' field of a source partition must be a non-negative integer".into(),
        )),
    }
}

/// Checks a source offset a user writes through the offsets API.
pub(crate) fn check_offset(offset: &OffsetMap) -> Result<()> {
    match field(offset, OFFSET, "source offset")?.as_i64() {
        Some(_) => Ok(()),
        None => Err(ConnectError::Fatal(
            "The 'offset' field of a source offset must be an integer".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_is_written_in_apaches_key_order() {
        let map = partition("A", &TopicPartition::new("orders", 2));
        assert_eq!(
            serde_json::to_string(&map).unwrap(),
            r#"{"cluster":"A","partition":2,"topic":"orders"}"#
        );
        assert_eq!(topic_partition(&map), Some(TopicPartition::new("orders", 2)));
        assert_eq!(upstream_offset(&offset(41)), Some(41));
    }

    #[test]
    fn offsets_api_writes_are_checked() {
        let good = partition("A", &TopicPartition::new("t", 0));
        assert!(check_partition(&good).is_ok());
        let mut bad = good.clone();
        bad.insert("partition".into(), (-1).into());
        assert!(check_partition(&bad).is_err());
        bad.remove("cluster");
        assert!(check_partition(&bad).is_err());
        assert!(check_offset(&offset(3)).is_ok());
        let mut text = OffsetMap::new();
        text.insert("offset".into(), "3".into());
        assert!(check_offset(&text).is_err());
    }
}
