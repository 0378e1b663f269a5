//! Records: what a source task produces and a sink task receives.

use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::header::Headers;
use crate::schema::SchemaRef;
use crate::value::Value;

/// A source partition or source offset: string keys to primitive JSON values, in insertion order.
///
/// The order and number formatting matter: the runtime stores offsets under the exact JSON bytes of
/// `[connector, partition]`, as Apache does.
pub type OffsetMap = serde_json::Map<String, serde_json::Value>;

/// The wall clock in milliseconds since the epoch, as record timestamps count (0 before 1970).
pub fn now_millis() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |elapsed| elapsed.as_millis() as i64)
}

/// A value with its (optional) schema.
#[derive(Debug, Clone, PartialEq)]
pub struct SchemaAndValue {
    /// The schema; `None` for schemaless data.
    pub schema: Option<SchemaRef>,
    /// The value.
    pub value: Value,
}

impl SchemaAndValue {
    /// Null with no schema: a missing key or a tombstone value.
    pub const NULL: SchemaAndValue = SchemaAndValue {
        schema: None,
        value: Value::Null,
    };

    /// A value with a schema.
    pub fn new(schema: Option<SchemaRef>, value: Value) -> Self {
        Self { schema, value }
    }
}

/// The fields every record has, as Apache's `ConnectRecord`.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordCore {
    /// The Kafka topic.
    pub topic: String,
    /// The Kafka partition, if chosen.
    pub kafka_partition: Option<i32>,
    /// The key.
    pub key: SchemaAndValue,
    /// The value.
    pub value: SchemaAndValue,
    /// Milliseconds since the epoch, if known.
    pub timestamp: Option<i64>,
    /// The headers.
    pub headers: Headers,
}

impl RecordCore {
    /// A record for `topic` with a schemaless null key, the given value and no headers.
    pub fn new(topic: impl Into<String>, value: SchemaAndValue) -> Self {
        Self {
            topic: topic.into(),
            kafka_partition: None,
            key: SchemaAndValue::NULL,
            value,
            timestamp: None,
            headers: Headers::new(),
        }
    }
}

/// Access to the common fields of source and sink records, so that a transformation or predicate
/// can be written once for both.
pub trait ConnectRecord: Clone + Send + Sync + 'static {
    /// The common fields.
    fn core(&self) -> &RecordCore;
    /// The common fields, to change.
    fn core_mut(&mut self) -> &mut RecordCore;
    /// The record's offset in its Kafka partition: sink records only.
    fn kafka_offset(&self) -> Option<i64> {
        None
    }
}

/// A record read from an external system by a source task.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceRecord {
    /// Topic, key, value, timestamp and headers.
    pub core: RecordCore,
    /// Where in the source this record came from (a file, a table). Shared: a task emits many
    /// records of one partition, and sharing it saves building and dropping a map per record.
    pub source_partition: Arc<OffsetMap>,
    /// The position in that source partition to resume after this record. Shared too: records
    /// polled together often resume at one place, and the runtime keeps each offset until Kafka
    /// acknowledges its record.
    pub source_offset: Arc<OffsetMap>,
}

impl SourceRecord {
    /// A record with the given source partition and offset (each a map, or one shared with other
    /// records) and the record body.
    pub fn new(
        source_partition: impl Into<Arc<OffsetMap>>,
        source_offset: impl Into<Arc<OffsetMap>>,
        core: RecordCore,
    ) -> Self {
        Self {
            core,
            source_partition: source_partition.into(),
            source_offset: source_offset.into(),
        }
    }

    /// The offset, to change: the record's own copy when it shared it.
    pub fn source_offset_mut(&mut self) -> &mut OffsetMap {
        Arc::make_mut(&mut self.source_offset)
    }
}

/// How a sink record's timestamp was set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimestampType {
    /// No timestamp.
    #[default]
    NoTimestampType,
    /// Set by the producer.
    CreateTime,
    /// Set by the broker.
    LogAppendTime,
}

/// A record read from Kafka and given to a sink task.
#[derive(Debug, Clone, PartialEq)]
pub struct SinkRecord {
    /// Topic, key, value, timestamp and headers (after transformations).
    pub core: RecordCore,
    /// The record's offset in its Kafka partition.
    pub kafka_offset: i64,
    /// How the timestamp was set.
    pub timestamp_type: TimestampType,
    /// The topic the record was read from, before any transformation.
    pub original_topic: String,
    /// The partition the record was read from.
    pub original_kafka_partition: i32,
    /// The offset the record was read at.
    pub original_kafka_offset: i64,
}

impl SinkRecord {
    /// A record as read from `topic`/`partition` at `offset`.
    pub fn new(core: RecordCore, partition: i32, offset: i64, timestamp_type: TimestampType) -> Self {
        let original_topic = core.topic.clone();
        let mut core = core;
        core.kafka_partition = Some(partition);
        Self {
            core,
            kafka_offset: offset,
            timestamp_type,
            original_topic,
            original_kafka_partition: partition,
            original_kafka_offset: offset,
        }
    }
}

macro_rules! record_access {
    ($record:ty, $offset:expr) => {
        impl ConnectRecord for $record {
            fn core(&self) -> &RecordCore {
                &self.core
            }
            fn core_mut(&mut self) -> &mut RecordCore {
                &mut self.core
            }
            fn kafka_offset(&self) -> Option<i64> {
                $offset(self)
            }
        }

        impl Deref for $record {
            type Target = RecordCore;
            fn deref(&self) -> &RecordCore {
                &self.core
            }
        }

        impl DerefMut for $record {
            fn deref_mut(&mut self) -> &mut RecordCore {
                &mut self.core
            }
        }
    };
}

record_access!(SourceRecord, |_record: &SourceRecord| None);
record_access!(SinkRecord, |record: &SinkRecord| Some(record.kafka_offset));

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Schema;

    #[test]
    fn sink_record_keeps_original_coordinates() {
        let core = RecordCore::new("orders", SchemaAndValue::new(Some(Schema::string()), "x".into()));
        let mut record = SinkRecord::new(core, 3, 42, TimestampType::CreateTime);
        record.topic = "renamed".into();
        assert_eq!(record.original_topic, "orders");
        assert_eq!(record.kafka_partition, Some(3));
        assert_eq!(record.original_kafka_offset, 42);
    }
}
