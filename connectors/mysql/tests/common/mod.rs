//! What the MySQL CDC tests share: statements on the machine's MariaDB (binary log on, ROW
//! format, set by `.ci/services`; test-kit's), and a connector's properties.

#![allow(dead_code, reason = "each test binary uses a part of it")]

pub use kconnect_test_kit::mariadb;

/// The properties of connector `name` (also its topic prefix, and `server_id` its replica id)
/// capturing `tables`, writing JSON without schemas, with `extra` lines.
pub fn schemaless_connector(name: &str, server_id: u32, tables: &str, extra: &str) -> String {
    format!(
        "name={name}\nconnector.class=io.debezium.connector.mariadb.MariaDbConnector\n\
         database.hostname=127.0.0.1\ndatabase.port=3306\ndatabase.user=root\ndatabase.password=\n\
         database.server.id={server_id}\ntopic.prefix={name}\ntable.include.list={tables}\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=false\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n\
         offset.flush.interval.ms=500\n{extra}"
    )
}

/// Runs `change` once a second until a record arrives on `topic` (the connector streams once it
/// read the binary log's position), at most a minute; the records read then.
pub async fn first_streamed(bootstrap: &str, topic: &str, change: &str) -> Vec<kconnect_test_kit::ConsumedRecord> {
    for _ in 0..60 {
        mariadb(change);
        let streamed = kconnect_test_kit::consume_records(bootstrap, topic, 1, std::time::Duration::from_secs(1)).await;
        if !streamed.is_empty() {
            return streamed;
        }
    }
    Vec::new()
}
