//! kconnect's change events equal Debezium's: Debezium 3.0.7's MySQL connector on Apache Kafka
//! Connect 3.9 (`../shared/tools/apache-connect` with `APACHE_CONNECT_DEBEZIUM=1`) and kconnect
//! capture the same MariaDB table of many column types onto one broker; with JsonConverter and
//! schemas on, every key, value schema and payload is the same, `source` block included, but for
//! what depends on when each ran (times, the version, a snapshot's position) and the GTID.

mod common;

use std::time::Duration;

use kconnect_test_kit::debezium::{assert_same_events, start_debezium};
use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records};
use serde_json::Value;

use common::mariadb;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const WAIT: Duration = Duration::from_secs(120);

/// The connector's properties for `prefix` (and replica id `server_id`), with `extra` ones.
fn connector(prefix: &str, server_id: u32, extra: &str) -> String {
    format!(
        "name={prefix}\nconnector.class=io.debezium.connector.mysql.MySqlConnector\n\
         database.hostname=127.0.0.1\ndatabase.port=3306\ndatabase.user=root\ndatabase.password=\n\
         database.server.id={server_id}\ntopic.prefix={prefix}\ndatabase.include.list=test\n\
         table.include.list=test.parity_types,test.parity_defaults\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n{extra}"
    )
}

/// The record without what two readers of one server cannot share: the binary log position of a
/// snapshot row (each reader takes its own snapshot), and the transaction's GTID, which kconnect
/// reads from MariaDB's GTID events and Debezium's MySQL connector leaves null on MariaDB.
fn comparable_source(record: &ConsumedRecord) -> ConsumedRecord {
    let mut copy = record.clone();
    if let Ok(mut value) = serde_json::from_str::<Value>(&record.value)
        && let Some(payload) = value.get_mut("payload")
    {
        let snapshot = payload["op"] == "r";
        if let Some(source) = payload.get_mut("source").and_then(Value::as_object_mut) {
            source.remove("gtid");
            if snapshot {
                source.remove("file");
                source.remove("pos");
            }
        }
        copy.value = value.to_string();
    }
    copy
}

#[tokio::test(flavor = "multi_thread")]
async fn events_equal_debeziums_for_every_column_type() {
    mariadb(
        "DROP TABLE IF EXISTS parity_types; \
         CREATE TABLE parity_types (id INT PRIMARY KEY, small SMALLINT NOT NULL, usmall SMALLINT UNSIGNED, \
         tiny TINYINT, flag BOOLEAN, medium MEDIUMINT, big BIGINT, ubig BIGINT UNSIGNED, uint INT UNSIGNED, \
         r FLOAT, d DOUBLE, amount DECIMAL(10,2), note VARCHAR(40) NOT NULL, ch CHAR(3), body TEXT, \
         bin VARBINARY(8), blob_col BLOB, day DATE, t TIME, t6 TIME(6), dt DATETIME, dt3 DATETIME(3), \
         dt6 DATETIME(6), ts TIMESTAMP NULL, ts3 TIMESTAMP(3) NULL, made YEAR, bit1 BIT(1), bits BIT(12), \
         kind ENUM('a','b','c'), tags SET('x','y','z'), doc JSON); \
         INSERT INTO parity_types VALUES (1, -3, 65535, -7, true, -8000000, 9000000000, 18446744073709551615, \
         4294967295, 1.5, 2.25, 12.34, 'hello', 'ab', 'long text', x'0102ff', x'00ff', '2024-02-29', \
         '-12:34:56', '12:34:56.789123', '2024-02-29 12:34:56', '2024-02-29 12:34:56.789', \
         '2024-02-29 12:34:56.789123', '2024-02-29 12:34:56', '2024-02-29 12:34:56.789', 2024, b'1', \
         b'101000000001', 'b', 'x,z', '{\"a\": 1}'); \
         INSERT INTO parity_types (id, small, note) VALUES (2, 0, 'second'); \
         DROP TABLE IF EXISTS parity_defaults; \
         CREATE TABLE parity_defaults (id INT PRIMARY KEY, n INT NOT NULL DEFAULT 7, small SMALLINT DEFAULT -2, \
         ubig BIGINT UNSIGNED DEFAULT 5, flag BOOLEAN DEFAULT TRUE, label VARCHAR(10) DEFAULT 'x', \
         note VARCHAR(10) NOT NULL DEFAULT '', price DECIMAL(6,2) DEFAULT 1.50, ratio DOUBLE DEFAULT 0.5, \
         r FLOAT DEFAULT 1.25, day DATE DEFAULT '2000-01-02', dt DATETIME DEFAULT '2020-01-02 03:04:05', \
         dt3 DATETIME(3) DEFAULT '2020-01-02 03:04:05.678', made TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP, \
         seen TIMESTAMP NULL DEFAULT '2021-03-04 05:06:07', t TIME DEFAULT '01:02:03', made_year YEAR DEFAULT 2001, \
         bit1 BIT(1) DEFAULT b'1', bits BIT(12) DEFAULT b'101000000001', kind ENUM('a','b') DEFAULT 'b', \
         tags SET('x','y') DEFAULT 'x,y', computed INT DEFAULT (1 + 1)); \
         INSERT INTO parity_defaults (id) VALUES (1);",
    );
    let worker = TestWorker::start_with(false, "", &[&connector("kc", 5511, "")]).await;
    let history = worker.dir().join("schema-history.dat");
    let theirs = connector(
        "dbz",
        5512,
        &format!(
            "schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory\n\
             schema.history.internal.file.filename={}\n",
            history.display()
        ),
    );
    let debezium = start_debezium(worker.dir(), &worker.bootstrap, &[theirs]);
    let logs = || format!("{}\n--- debezium ---\n{}", worker.process.log(), debezium.log());
    for topic in ["dbz.test.parity_types", "kc.test.parity_types"] {
        let snapshot = consume_records(&worker.bootstrap, topic, 2, WAIT).await;
        assert_eq!(snapshot.len(), 2, "{topic}: the snapshot\n{}", logs());
    }
    // Column defaults are the schemas' defaults, as Debezium's.
    assert_same_topic(&worker.bootstrap, "parity_defaults", 1, &logs).await;
    mariadb(
        "UPDATE parity_types SET note = 'changed', amount = 99.99 WHERE id = 1; \
         DELETE FROM parity_types WHERE id = 2; \
         INSERT INTO parity_types (id, small, note, kind) VALUES (3, 1, 'third', 'c'); \
         UPDATE parity_types SET id = 4 WHERE id = 3;",
    );
    assert_same_topic(&worker.bootstrap, "parity_types", 9, &logs).await;

    // The schema history: the table's shape after its CREATE TABLE is Debezium's.
    let theirs: Vec<Value> = std::fs::read_to_string(&history)
        .unwrap_or_default()
        .lines()
        .filter_map(|line| serde_json::from_str(line).ok())
        .collect();
    let ours: Vec<Value> = consume_records(&worker.bootstrap, "schema-changes.kc", 2, WAIT)
        .await
        .iter()
        .filter_map(|record| serde_json::from_str(&record.value).ok())
        .collect();
    for table in ["parity_types", "parity_defaults"] {
        let (theirs, ours) = (created_table(&theirs, table), created_table(&ours, table));
        assert!(theirs.is_some() && ours.is_some(), "{theirs:?}\n{ours:?}\n{}", logs());
        assert_eq!(theirs, ours, "{table}");
    }

    // The schema change event of that CREATE TABLE: the same schema, the same table change.
    let event = |topic: &'static str| {
        let bootstrap = worker.bootstrap.clone();
        async move {
            // Debezium's snapshot writes statements for every table of the database: read them all.
            consume_records(&bootstrap, topic, usize::MAX, Duration::from_secs(10))
                .await
                .iter()
                .filter_map(|record| serde_json::from_str::<Value>(&record.value).ok())
                .find(|value| {
                    value["payload"]["ddl"]
                        .as_str()
                        .is_some_and(|ddl| ddl.starts_with("CREATE TABLE `parity_types`"))
                })
        }
    };
    let (theirs, ours) = (event("dbz").await, event("kc").await);
    let (Some(theirs), Some(ours)) = (theirs, ours) else {
        panic!("no schema change event of the CREATE TABLE\n{}", logs());
    };
    assert_eq!(theirs["schema"], ours["schema"]);
    assert_eq!(theirs["payload"]["tableChanges"], ours["payload"]["tableChanges"]);
    assert_eq!(theirs["payload"]["databaseName"], ours["payload"]["databaseName"]);
    drop(debezium);
}

/// The first `count` events of `test.<table>`, Debezium's and kconnect's, are the same.
async fn assert_same_topic(bootstrap: &str, table: &str, count: usize, logs: &impl Fn() -> String) {
    let theirs = consume_records(bootstrap, &format!("dbz.test.{table}"), count, WAIT).await;
    let ours = consume_records(bootstrap, &format!("kc.test.{table}"), count, WAIT).await;
    assert_eq!(
        (theirs.len(), ours.len()),
        (count, count),
        "{table}: as many records\n{}",
        logs()
    );
    let theirs: Vec<ConsumedRecord> = theirs.iter().map(comparable_source).collect();
    let ours: Vec<ConsumedRecord> = ours.iter().map(comparable_source).collect();
    assert_same_events(&theirs, &ours, "kc", "dbz");
}

/// The `tableChanges` entry of the history record that created `test.<table>`.
fn created_table(history: &[Value], table: &str) -> Option<Value> {
    history
        .iter()
        .filter(|record| {
            record["ddl"]
                .as_str()
                .is_some_and(|ddl| ddl.starts_with("CREATE TABLE"))
        })
        .flat_map(|record| record["tableChanges"].as_array().cloned().unwrap_or_default())
        .find(|change| change["id"] == format!("\"test\".\"{table}\""))
}
