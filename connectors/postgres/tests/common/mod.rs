//! What the CDC tests share: SQL on the machine's PostgreSQL, and dropping the slots a test made
//! so that the server keeps no WAL for them.

#![allow(dead_code, unused_imports, reason = "each test binary uses a part of it")]

use std::time::Duration;

pub use kconnect_test_kit::postgres_cdc::{URL, drop_slots, sql};

/// The properties of CDC connector `name` (also its topic prefix) with its own slot and
/// publication `slot`, capturing `tables`, writing JSON without schemas, and `extra` lines.
pub fn schemaless_connector(name: &str, slot: &str, tables: &str, extra: &str) -> String {
    format!(
        "name={name}\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n\
         database.hostname=127.0.0.1\ndatabase.user=postgres\ndatabase.dbname=test\ntopic.prefix={name}\n\
         slot.name={slot}\npublication.name={slot}\npublication.autocreate.mode=filtered\n\
         table.include.list={tables}\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=false\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n{extra}"
    )
}

/// Runs `change` once a second until a record arrives on `topic` (the connector streams once its
/// slot exists), at most a minute; the records read then.
pub async fn first_streamed(bootstrap: &str, topic: &str, change: &str) -> Vec<kconnect_test_kit::ConsumedRecord> {
    for _ in 0..60 {
        sql(&[change]).await;
        let streamed = kconnect_test_kit::consume_records(bootstrap, topic, 1, Duration::from_secs(1)).await;
        if !streamed.is_empty() {
            return streamed;
        }
    }
    Vec::new()
}
