//! Debezium 3.0.7's MySQL connector, from its jars on plugin.path, hosted in kconnect's JVM,
//! captures the machine's MariaDB through its binary log: the snapshot, then inserts, updates and
//! deletes, and a column added while it streams (its schema history kept in a file).
//!
//! Not tested: a restart. Against MariaDB this connector (Debezium 3.0 has a separate MariaDB
//! connector, not in the bundle here) records the offset of a row as the transaction's COMMIT
//! position with one row to skip, and after a restart skips the first row written after it.

use std::time::Duration;

use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records, java_plugin_worker, mariadb, plugin_directory};
use serde_json::Value;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_api::PluginTable::new());

const WAIT: Duration = Duration::from_secs(120);
const TOPIC: &str = "jmy.test.java_mysql";

/// The jars of Debezium's MySQL connector archive.
const DEBEZIUM_MYSQL: [&str; 10] = [
    "debezium-api-",
    "debezium-core-",
    "debezium-connector-mysql-",
    "debezium-connector-binlog-",
    "debezium-ddl-parser-",
    "debezium-storage-file-",
    "debezium-storage-kafka-",
    "mysql-binlog-connector-java-",
    "mysql-connector-j-",
    "antlr4-runtime-",
];

/// Each record's operation (`r`, `c`, `u`, `d`, or `tombstone`) and row id.
fn operations(records: &[ConsumedRecord]) -> Vec<(String, i64)> {
    records
        .iter()
        .map(|record| {
            let key: Value = serde_json::from_str(record.key.as_deref().unwrap_or("null")).unwrap();
            let value: Value = serde_json::from_str(&record.value).unwrap_or(Value::Null);
            let op = value["op"].as_str().unwrap_or("tombstone").to_string();
            (op, key["id"].as_i64().unwrap_or(-1))
        })
        .collect()
}

/// Reads the topic until a record of `op` on row `id` arrived.
async fn until(worker: &TestWorker, op: &str, id: i64) -> Vec<ConsumedRecord> {
    let wanted = (op.to_string(), id);
    let mut records = Vec::new();
    for _ in 0..60 {
        records = consume_records(&worker.bootstrap, TOPIC, 100, Duration::from_secs(2)).await;
        if operations(&records).contains(&wanted) {
            break;
        }
    }
    assert!(
        operations(&records).contains(&wanted),
        "{op} {id}: {:?}\n{}",
        operations(&records),
        worker.process.log()
    );
    records
}

#[tokio::test(flavor = "multi_thread")]
async fn debeziums_mysql_jar_captures_mariadb() {
    mariadb(
        "DROP TABLE IF EXISTS java_mysql; \
         CREATE TABLE java_mysql (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2), \
         born DATE, seen DATETIME(3), flags BIT(3), blob_col BLOB, kind ENUM('a','b')); \
         INSERT INTO java_mysql VALUES (1, 'one', 1.50, '2024-02-29', '2024-02-29 12:34:56.789', b'101', x'01ff', 'a'), \
         (2, 'two', NULL, NULL, NULL, NULL, NULL, NULL);",
    );
    let dir = tempfile::tempdir().unwrap();
    let plugin_path = plugin_directory(dir.path(), "debezium-connector-mysql", &DEBEZIUM_MYSQL);
    let worker_lines = format!("{}offset.flush.interval.ms=500\n", java_plugin_worker(&plugin_path));
    let history = dir.path().join("schema-history.dat");
    let connector = format!(
        "name=mysql\nconnector.class=io.debezium.connector.mysql.MySqlConnector\n\
         database.hostname=127.0.0.1\ndatabase.port=3306\ndatabase.user=root\ndatabase.password=\n\
         database.server.id=5407\ntopic.prefix=jmy\ndatabase.include.list=test\n\
         table.include.list=test.java_mysql\n\
         schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory\n\
         schema.history.internal.file.filename={}\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=false\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n",
        history.display()
    );
    let worker = TestWorker::start_with(false, &worker_lines, &[&connector]).await;
    let snapshot = consume_records(&worker.bootstrap, TOPIC, 2, WAIT).await;
    assert_eq!(
        operations(&snapshot),
        [("r".to_string(), 1), ("r".to_string(), 2)],
        "{}",
        worker.process.log()
    );
    let first: Value = serde_json::from_str(&snapshot[0].value).unwrap();
    let after = &first["after"];
    assert_eq!(after["name"], "one");
    assert_eq!(after["born"], 19782, "io.debezium.time.Date: days since the epoch");
    assert_eq!(first["source"]["connector"], "mysql");

    mariadb(
        "INSERT INTO java_mysql (id, name) VALUES (3, 'three'); \
         UPDATE java_mysql SET name = 'second' WHERE id = 2; DELETE FROM java_mysql WHERE id = 1;",
    );
    let records = until(&worker, "d", 1).await;
    assert_eq!(
        operations(&records),
        [
            ("r".to_string(), 1),
            ("r".to_string(), 2),
            ("c".to_string(), 3),
            ("u".to_string(), 2),
            ("d".to_string(), 1),
            ("tombstone".to_string(), 1),
        ]
    );

    // The table changes shape while it streams: the next event carries the new column.
    mariadb(
        "ALTER TABLE java_mysql ADD COLUMN note VARCHAR(20) DEFAULT 'new'; INSERT INTO java_mysql (id) VALUES (4);",
    );
    let records = until(&worker, "c", 4).await;
    let added: Value = serde_json::from_str(&records.last().unwrap().value).unwrap();
    assert_eq!(added["after"]["note"], "new", "{added}");
}
