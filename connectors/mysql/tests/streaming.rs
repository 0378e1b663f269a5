//! The MariaDB CDC connector through a real worker and broker against the machine's MariaDB: the
//! snapshot, then inserts, updates and deletes as Debezium's events with Debezium's types; a worker
//! killed and started again resumes from its committed offset with nothing lost or repeated; a
//! column added while streaming shows in the events after it; heartbeats go to their topic.

mod common;

use std::time::Duration;

use kconnect_test_kit::cdc::{change_summary, expected_changes};
use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records};
use serde_json::Value;

use common::{mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TOPIC: &str = "mcdc.test.mysql_cdc_people";
const WAIT: Duration = Duration::from_secs(60);

/// `(op, id, name)` of each record; a tombstone is `("tombstone", key id, "")`.
fn summary(records: &[ConsumedRecord]) -> Vec<(String, i64, String)> {
    change_summary(records, "name")
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_then_changes_as_debezium_events_resuming_after_a_kill() {
    mariadb(
        "DROP TABLE IF EXISTS mysql_cdc_people; \
         CREATE TABLE mysql_cdc_people (id INT PRIMARY KEY, name VARCHAR(40), price DECIMAL(10,2), \
         born DATE, seen DATETIME(3), flags BIT(10), kind ENUM('a','b'), tags SET('x','y','z'), \
         stamp TIMESTAMP(3) NULL, data BLOB, big INT UNSIGNED, made YEAR, late TIME(6), ratio DOUBLE); \
         INSERT INTO mysql_cdc_people VALUES \
         (1, 'ada', 1.50, '2024-02-29', '2024-02-29 12:34:56.789', b'1000000001', 'b', 'x,z', \
          '2024-02-29 12:34:56.500', x'01ff', 4294967295, 2024, '-01:02:03.000004', 0.25), \
         (2, 'alan', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL);",
    );
    // Heartbeats every second: their offsets (the position after the last commit) are committed
    // too, and the restart below resumes from them.
    let connector = schemaless_connector("mcdc", 5501, "test.mysql_cdc_people", "heartbeat.interval.ms=1000\n");
    let mut worker = TestWorker::start_with(false, "offset.flush.interval.ms=500\n", &[&connector]).await;
    let bootstrap = worker.bootstrap.clone();

    let snapshot = consume_records(&bootstrap, TOPIC, 2, WAIT).await;
    assert_eq!(
        summary(&snapshot),
        expected_changes(&[("r", 1, "ada"), ("r", 2, "alan")]),
        "{}",
        worker.process.log()
    );
    let first: Value = serde_json::from_str(&snapshot[0].value).unwrap();
    let source = &first["source"];
    assert_eq!(source["connector"], "mariadb");
    assert_eq!(source["name"], "mcdc");
    assert_eq!(source["db"], "test");
    assert_eq!(source["table"], "mysql_cdc_people");
    assert_eq!(source["snapshot"], "first");
    let last: Value = serde_json::from_str(&snapshot[1].value).unwrap();
    assert_eq!(last["source"]["snapshot"], "last");

    mariadb(
        "INSERT INTO mysql_cdc_people VALUES (3, 'edsger', 2.25, '1930-05-11', '2024-02-29 12:34:56.789', \
         b'1000000001', 'b', 'x,z', '2024-02-29 12:34:56.500', x'01ff', 4294967295, 2024, '-01:02:03.000004', 0.25); \
         UPDATE mysql_cdc_people SET name = 'ada lovelace' WHERE id = 1; DELETE FROM mysql_cdc_people WHERE id = 2;",
    );
    let changes = consume_records(&bootstrap, TOPIC, 6, WAIT).await;
    assert_eq!(
        summary(&changes[2..]),
        expected_changes(&[
            ("c", 3, "edsger"),
            ("u", 1, "ada lovelace"),
            ("d", 2, "alan"),
            ("tombstone", 2, "")
        ]),
        "{}",
        worker.process.log()
    );
    // The same values, read by the snapshot and from the binary log, are the same in the events.
    let created: Value = serde_json::from_str(&changes[2].value).unwrap();
    let (read, streamed) = (&first["after"], &created["after"]);
    for column in [
        "seen", "flags", "kind", "tags", "stamp", "data", "big", "made", "late", "ratio",
    ] {
        assert_eq!(read[column], streamed[column], "{column}: {read} / {streamed}");
    }
    assert_eq!(streamed["born"], -14_480, "io.debezium.time.Date: days since the epoch");
    assert_eq!(
        streamed["seen"], 1_709_210_096_789i64,
        "io.debezium.time.Timestamp: milliseconds"
    );
    assert_eq!(
        streamed["stamp"], "2024-02-29T12:34:56.500Z",
        "io.debezium.time.ZonedTimestamp"
    );
    assert_eq!(streamed["kind"], "b");
    assert_eq!(streamed["tags"], "x,z");
    assert_eq!(streamed["big"], 4_294_967_295i64, "INT UNSIGNED is INT64");
    assert_eq!(streamed["made"], 2024);
    assert_eq!(streamed["late"], -3_723_000_004i64, "io.debezium.time.MicroTime");
    assert_eq!(streamed["flags"], "AQI=", "io.debezium.data.Bits: little-endian bytes");
    let update: Value = serde_json::from_str(&changes[3].value).unwrap();
    assert_eq!(update["before"]["name"], "ada", "binlog_row_image=FULL: the old row");
    assert_eq!(update["source"]["snapshot"], "false");
    assert!(
        update["source"]["gtid"].as_str().is_some_and(|g| g.starts_with("0-1-")),
        "{update}"
    );
    assert!(update["source"]["file"].as_str().unwrap().starts_with("mysql-bin."));

    // The offsets are flushed every 500 ms.
    tokio::time::sleep(Duration::from_secs(3)).await;
    worker.kill();
    mariadb("INSERT INTO mysql_cdc_people (id, name) VALUES (4, 'barbara'), (5, 'grace');");
    worker.start_again().await;
    consume_records(&bootstrap, TOPIC, 8, WAIT).await;
    // Anything repeated would arrive with the new rows: give it time, then read everything.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = consume_records(&bootstrap, TOPIC, 100, Duration::from_secs(3)).await;
    assert_eq!(
        summary(&all[6..]),
        expected_changes(&[("c", 4, "barbara"), ("c", 5, "grace")]),
        "after the restart, only what was new: no snapshot again, nothing twice\n{}",
        worker.process.log()
    );

    // The table changes shape while it streams: the next events carry the new column.
    mariadb(
        "ALTER TABLE mysql_cdc_people ADD COLUMN note VARCHAR(20) DEFAULT 'new'; \
         INSERT INTO mysql_cdc_people (id, name) VALUES (6, 'edith'); \
         UPDATE mysql_cdc_people SET note = 'changed' WHERE id = 1;",
    );
    let more = consume_records(&bootstrap, TOPIC, 10, WAIT).await;
    assert_eq!(
        summary(&more[8..]),
        expected_changes(&[("c", 6, "edith"), ("u", 1, "ada lovelace")]),
        "{}",
        worker.process.log()
    );
    let added: Value = serde_json::from_str(&more[8].value).unwrap();
    assert_eq!(added["after"]["note"], "new", "{added}");
    let changed: Value = serde_json::from_str(&more[9].value).unwrap();
    assert_eq!(changed["after"]["note"], "changed", "{changed}");
    let beats = consume_records(&bootstrap, "__debezium-heartbeat.mcdc", 1, WAIT).await;
    assert_eq!(
        beats.first().and_then(|beat| beat.key.as_deref()),
        Some(r#"{"serverName":"mcdc"}"#),
        "heartbeats on __debezium-heartbeat.<topic.prefix>"
    );
}
