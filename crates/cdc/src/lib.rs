//! What kconnect's change data capture connectors (PostgreSQL, MySQL and MariaDB) share, so that
//! each writes Debezium's events one way: the envelope and its records, the `source` block's
//! common fields, heartbeats, include and exclude lists, and the snapshot and value modes.

pub mod changes;
pub mod config;
pub mod connector;
pub mod envelope;
pub mod file_log;
pub mod filters;
pub mod heartbeat;
pub mod incremental;
pub mod modes;
pub mod pump;
pub mod schema_change;
pub mod semantic;
pub mod snapshot;
pub mod task;
pub mod transactions;

use std::sync::Arc;

use kconnect_api::{OffsetMap, RecordCore, SchemaAndValue, SourceRecord, Struct};
use serde_json::Value;

/// The source partition of every event of a Debezium connector: `{"server": <topic.prefix>}`.
pub fn partition(server: &str) -> OffsetMap {
    let mut partition = OffsetMap::new();
    partition.insert("server".into(), server.into());
    partition
}

/// Where a connector's records of one kind (heartbeats, schema changes, transaction metadata) go:
/// a topic, from the connector's source partition.
#[derive(Debug, Clone)]
pub struct RecordTarget {
    topic: String,
    partition: Arc<OffsetMap>,
}

impl RecordTarget {
    /// Records on `topic` from server `server`'s partition.
    pub fn new(topic: impl Into<String>, server: &str) -> Self {
        Self {
            topic: topic.into(),
            partition: Arc::new(partition(server)),
        }
    }

    /// A record with a struct key and value (their schemas theirs), resuming at `offset`,
    /// timestamped `timestamp` (milliseconds) when given.
    pub fn record(&self, key: Struct, value: Struct, offset: OffsetMap, timestamp: Option<i64>) -> SourceRecord {
        let value_schema = value.schema().clone();
        let mut core = RecordCore::new(
            self.topic.clone(),
            SchemaAndValue::new(Some(value_schema), kconnect_api::Value::Struct(value)),
        );
        core.key = SchemaAndValue::new(Some(key.schema().clone()), kconnect_api::Value::Struct(key));
        core.timestamp = timestamp;
        SourceRecord::new(self.partition.clone(), offset, core)
    }
}

/// Microseconds since the Unix epoch.
pub fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

/// The strings of a JSON array, as kconnect's own offset keys hold lists; `None` for anything else.
pub fn strings(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()?
        .iter()
        .map(|item| item.as_str().map(str::to_string))
        .collect()
}
