//! What kconnect's change data capture connectors (PostgreSQL, MySQL and MariaDB) share, so that
//! each writes Debezium's events one way: the envelope and its records, the `source` block's
//! common fields, heartbeats, include and exclude lists, and the snapshot and value modes.

pub mod changes;
pub mod config;
pub mod connector;
pub mod envelope;
pub mod filters;
pub mod heartbeat;
pub mod modes;
pub mod pump;
pub mod semantic;
pub mod snapshot;
pub mod task;

use kconnect_api::OffsetMap;
use serde_json::Value;

/// The source partition of every event of a Debezium connector: `{"server": <topic.prefix>}`.
pub fn partition(server: &str) -> OffsetMap {
    let mut partition = OffsetMap::new();
    partition.insert("server".into(), server.into());
    partition
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
