//! The PostgreSQL CDC connector through a real worker and broker against the machine's PostgreSQL
//! (`wal_level=logical`, set by `.ci/services`): the snapshot, then inserts, updates and deletes as
//! Debezium's events (JsonConverter with schemas); a worker killed and started again resumes from
//! its committed offset with nothing lost or repeated, and the slot's confirmed position follows
//! the commits.

mod common;

use std::time::Duration;

use kconnect_test_kit::cdc::{change_summary, expected_changes};
use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records};
use serde_json::Value;
use sqlx::Connection;

use common::{URL, drop_slots, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const SLOT: &str = "kconnect_streaming_test";
const PUBLICATION: &str = "kconnect_streaming_test";
const TOPIC: &str = "cdc.public.cdc_people";
const WAIT: Duration = Duration::from_secs(60);

async fn confirmed_flush() -> u64 {
    let mut connection = sqlx::PgConnection::connect(URL).await.unwrap();
    let lsn: Option<i64> = sqlx::query_scalar(
        "SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::int8 FROM pg_replication_slots WHERE slot_name = $1",
    )
    .bind(SLOT)
    .fetch_one(&mut connection)
    .await
    .unwrap();
    lsn.unwrap_or_default() as u64
}

/// The connector's properties.
fn connector() -> String {
    format!(
        "name=cdc\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n\
         database.hostname=127.0.0.1\ndatabase.port=5432\ndatabase.user=postgres\ndatabase.dbname=test\n\
         topic.prefix=cdc\nplugin.name=pgoutput\nslot.name={SLOT}\npublication.name={PUBLICATION}\n\
         publication.autocreate.mode=filtered\ntable.include.list=public.cdc_people\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n"
    )
}

/// `(op, id, name)` of each record; a tombstone is `("tombstone", key id, "")`.
fn summary(records: &[ConsumedRecord]) -> Vec<(String, i64, String)> {
    change_summary(records, "name")
}

#[tokio::test(flavor = "multi_thread")]
async fn snapshot_then_changes_as_debezium_events_resuming_after_a_kill() {
    sql(&[
        &format!("SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE slot_name = '{SLOT}'"),
        &format!("DROP PUBLICATION IF EXISTS {PUBLICATION}"),
        "DROP TABLE IF EXISTS cdc_people",
        "CREATE TABLE cdc_people (id INT PRIMARY KEY, name TEXT, score NUMERIC(8,2), born DATE, seen TIMESTAMPTZ)",
        "INSERT INTO cdc_people VALUES (1, 'ada', 9.5, '1815-12-10', '2024-01-01 10:00:00+00'), \
         (2, 'alan', 8.25, '1912-06-23', NULL), (3, 'grace', NULL, NULL, NULL)",
    ])
    .await;
    let mut worker = TestWorker::start_with(false, "", &[&connector()]).await;
    let bootstrap = worker.bootstrap.clone();

    let snapshot = consume_records(&bootstrap, TOPIC, 3, WAIT).await;
    assert_eq!(
        summary(&snapshot),
        expected_changes(&[("r", 1, "ada"), ("r", 2, "alan"), ("r", 3, "grace")]),
        "{}",
        worker.process.log()
    );
    let first: Value = serde_json::from_str(&snapshot[0].value).unwrap();
    assert_eq!(first["schema"]["name"], "cdc.public.cdc_people.Envelope");
    let payload = &first["payload"];
    assert_eq!(payload["source"]["connector"], "postgresql");
    assert_eq!(payload["source"]["name"], "cdc");
    assert_eq!(payload["source"]["db"], "test");
    assert_eq!(payload["source"]["schema"], "public");
    assert_eq!(payload["source"]["table"], "cdc_people");
    assert_eq!(
        payload["after"]["born"], -56_270,
        "io.debezium.time.Date: days since the epoch"
    );
    assert_eq!(
        payload["after"]["seen"], "2024-01-01T10:00:00Z",
        "io.debezium.time.ZonedTimestamp"
    );
    let last: Value = serde_json::from_str(&snapshot[2].value).unwrap();
    assert_eq!(last["payload"]["source"]["snapshot"], "last");

    sql(&[
        "INSERT INTO cdc_people VALUES (4, 'edsger', 7, NULL, NULL)",
        "UPDATE cdc_people SET name = 'ada lovelace' WHERE id = 1",
        "DELETE FROM cdc_people WHERE id = 2",
    ])
    .await;
    let changes = consume_records(&bootstrap, TOPIC, 7, WAIT).await;
    assert_eq!(
        summary(&changes[3..]),
        expected_changes(&[
            ("c", 4, "edsger"),
            ("u", 1, "ada lovelace"),
            ("d", 2, ""),
            ("tombstone", 2, "")
        ]),
        "{}",
        worker.process.log()
    );
    let update: Value = serde_json::from_str(&changes[4].value).unwrap();
    assert!(
        update["payload"]["before"].is_null(),
        "no old row without REPLICA IDENTITY FULL"
    );
    let delete: Value = serde_json::from_str(&changes[5].value).unwrap();
    assert_eq!(delete["payload"]["before"]["id"], 2, "a delete's before holds the key");
    assert!(update["payload"]["source"]["lsn"].as_i64().unwrap() > 0);

    // The offsets are flushed every 500 ms, and the slot follows them.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let flushed = confirmed_flush().await;
    let deleted_at = changes[5].value.clone();
    let deleted: Value = serde_json::from_str(&deleted_at).unwrap();
    assert!(
        flushed >= deleted["payload"]["source"]["lsn"].as_u64().unwrap(),
        "the slot's confirmed position follows the committed offsets ({flushed})"
    );
    worker.kill();
    sql(&["INSERT INTO cdc_people VALUES (5, 'barbara', NULL, NULL, NULL)"]).await;
    worker.start_again().await;
    consume_records(&bootstrap, TOPIC, 8, WAIT).await;
    // Anything repeated would arrive with the new row: give it time, then read everything.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let all = consume_records(&bootstrap, TOPIC, 100, Duration::from_secs(3)).await;
    assert_eq!(
        summary(&all[7..]),
        expected_changes(&[("c", 5, "barbara")]),
        "after the restart, only what was new: no snapshot again, nothing twice\n{}",
        worker.process.log()
    );

    // With REPLICA IDENTITY FULL an update shows the old row; a primary key change is a delete of
    // the old key (and its tombstone) and a create of the new, each pointing at the other.
    sql(&[
        "ALTER TABLE cdc_people REPLICA IDENTITY FULL",
        "UPDATE cdc_people SET name = 'grace hopper' WHERE id = 3",
        "UPDATE cdc_people SET id = 30 WHERE id = 3",
    ])
    .await;
    let more = consume_records(&bootstrap, TOPIC, 12, WAIT).await;
    assert_eq!(
        summary(&more[8..]),
        expected_changes(&[
            ("u", 3, "grace hopper"),
            ("d", 3, "grace hopper"),
            ("tombstone", 3, ""),
            ("c", 30, "grace hopper")
        ]),
        "{}",
        worker.process.log()
    );
    let full: Value = serde_json::from_str(&more[8].value).unwrap();
    assert_eq!(full["payload"]["before"]["name"], "grace");
    assert!(
        more[9].headers.contains_key("__debezium.newkey"),
        "{:?}",
        more[9].headers
    );
    assert!(
        more[11].headers.contains_key("__debezium.oldkey"),
        "{:?}",
        more[11].headers
    );
    drop(worker);
    drop_slots(&[SLOT], &[PUBLICATION]).await;
}
