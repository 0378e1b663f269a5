//! Debezium's heartbeats (`heartbeat.interval.ms`): a record on `<topic.heartbeat.prefix>.<topic.prefix>`
//! every interval, whose offset carries the server's latest position while nothing captured
//! changes, so that the committed position (a PostgreSQL slot's, a binary log's) moves on an idle
//! database too.

use kconnect_api::schema::{SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{OffsetMap, Result, SourceRecord, Struct, Value};

use crate::RecordTarget;

/// Builds a connector's heartbeat records.
pub struct Heartbeats {
    target: RecordTarget,
    server: String,
    key_schema: SchemaRef,
    value_schema: SchemaRef,
}

impl Heartbeats {
    /// Heartbeats of server `server` on `<prefix>.<server>`.
    pub fn new(prefix: &str, server: &str) -> Self {
        Self {
            target: RecordTarget::new(format!("{prefix}.{server}"), server),
            server: server.to_string(),
            key_schema: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.ServerNameKey")
                .field("serverName", SchemaBuilder::new(SchemaType::String).build())
                .build(),
            value_schema: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.Heartbeat")
                .field("ts_ms", SchemaBuilder::new(SchemaType::Int64).build())
                .build(),
        }
    }

    /// A heartbeat at `now_ms` with `offset`.
    pub fn record(&self, now_ms: i64, offset: OffsetMap) -> Result<SourceRecord> {
        let key = Struct::with_values(self.key_schema.clone(), vec![Value::String(self.server.clone())])?;
        let value = Struct::with_values(self.value_schema.clone(), vec![Value::Int64(now_ms)])?;
        Ok(self.target.record(key, value, offset, Some(now_ms)))
    }
}
