//! Debezium 3.0.7's PostgreSQL connector, from its jars on plugin.path, hosted in kconnect's JVM:
//! it snapshots and streams a table of many column types, and what it writes equals what the same
//! jar writes on Apache Kafka Connect 3.9 beside it (timing and snapshot-position fields aside).
//! Its offsets live in kconnect's offset store: after a graceful restart it resumes with nothing
//! lost or repeated, after a SIGKILL with nothing lost, and never snapshots again.

use std::time::Duration;

use kconnect_test_kit::debezium::{assert_same_events, debezium_event, start_debezium};
use kconnect_test_kit::postgres_cdc::{drop_slots, sql};
use kconnect_test_kit::{TestWorker, consume_records, java_plugin_worker, plugin_directory};

// No built-in PostgreSQL connector here: the class name resolves to Debezium's jar alone.
kconnect_test_kit::worker_entry!(kconnect::run, kconnect_api::PluginTable::new());

const WAIT: Duration = Duration::from_secs(120);
/// How long to wait for records that must not come.
const QUIET: Duration = Duration::from_secs(5);
const OURS: &str = "kcj";
const THEIRS: &str = "dbzj";
const SLOTS: [&str; 2] = ["kcj_java", "dbzj_java"];

/// The jars of Debezium's PostgreSQL connector archive.
const DEBEZIUM_POSTGRES: [&str; 5] = [
    "debezium-api-",
    "debezium-core-",
    "debezium-connector-postgres-",
    "postgresql-",
    "protobuf-java-",
];

/// The connector's properties for topic prefix `prefix`, with its own slot and publication.
fn connector(prefix: &str) -> String {
    format!(
        "name={prefix}\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n\
         database.hostname=127.0.0.1\ndatabase.port=5432\ndatabase.user=postgres\ndatabase.password=\n\
         database.dbname=test\ntopic.prefix={prefix}\nplugin.name=pgoutput\nslot.name={prefix}_java\n\
         publication.name={prefix}_java\npublication.autocreate.mode=filtered\n\
         table.include.list=public.java_types\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n"
    )
}

/// The operation of each record (`r`, `c`, `u`, `d`, or `tombstone`) and the row id it is about.
fn operations(records: &[kconnect_test_kit::ConsumedRecord]) -> Vec<(String, i64)> {
    records
        .iter()
        .map(|record| {
            let key = debezium_event(record.key.as_deref(), OURS);
            let id = key["payload"]["id"].as_i64().unwrap_or(-1);
            let value = debezium_event(Some(&record.value), OURS);
            let op = value["payload"]["op"].as_str().unwrap_or("tombstone").to_string();
            (op, id)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn debeziums_postgres_jar_writes_what_it_writes_on_apache_and_resumes() {
    drop_slots(&SLOTS, &SLOTS).await;
    sql(&[
        "DROP TABLE IF EXISTS java_types",
        "CREATE TABLE java_types (id INT PRIMARY KEY, small SMALLINT, big BIGINT, flag BOOLEAN, d DOUBLE PRECISION, \
         amount NUMERIC(10,2), note TEXT NOT NULL, blob BYTEA, day DATE, t TIME, ts TIMESTAMP, tstz TIMESTAMPTZ, \
         doc JSONB, uid UUID, ints INT[])",
        "INSERT INTO java_types VALUES (1, 3, 9000000000, true, 2.25, 12.34, 'hello', '\\x0102ff', '2024-02-29', \
         '12:34:56.789123', '2024-02-29 12:34:56.789123', '2024-02-29 12:34:56.789123+02', '{\"a\": 1}', \
         'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', '{1,2}')",
        "INSERT INTO java_types (id, note) VALUES (2, 'second')",
    ])
    .await;
    let dir = tempfile::tempdir().unwrap();
    let plugin_path = plugin_directory(dir.path(), "debezium-connector-postgres", &DEBEZIUM_POSTGRES);
    let worker_lines = format!("{}offset.flush.interval.ms=500\n", java_plugin_worker(&plugin_path));
    let mut worker = TestWorker::start_with(false, &worker_lines, &[&connector(OURS)]).await;
    let debezium = start_debezium(worker.dir(), &worker.bootstrap, &[connector(THEIRS)]);
    let logs = |worker: &TestWorker| format!("{}\n--- debezium ---\n{}", worker.process.log(), debezium.log());
    let ours_topic = format!("{OURS}.public.java_types");
    let theirs_topic = format!("{THEIRS}.public.java_types");
    for topic in [&ours_topic, &theirs_topic] {
        let snapshot = consume_records(&worker.bootstrap, topic, 2, WAIT).await;
        assert_eq!(snapshot.len(), 2, "{topic}: the snapshot\n{}", logs(&worker));
    }
    sql(&[
        "UPDATE java_types SET note = 'changed', amount = 99.99, ints = '{}' WHERE id = 1",
        "DELETE FROM java_types WHERE id = 2",
        "INSERT INTO java_types (id, note, day) VALUES (3, 'third', '1969-12-31')",
    ])
    .await;
    let theirs = consume_records(&worker.bootstrap, &theirs_topic, 6, WAIT).await;
    let ours = consume_records(&worker.bootstrap, &ours_topic, 6, WAIT).await;
    assert_eq!((theirs.len(), ours.len()), (6, 6), "{}", logs(&worker));
    assert_same_events(&theirs, &ours, OURS, THEIRS);
    let (_, tasks) = worker.rest.get(&format!("/connectors/{OURS}/tasks")).await;
    assert_eq!(
        tasks[0]["config"]["task.class"], "io.debezium.connector.postgresql.PostgresConnectorTask",
        "the jar's taskClass(), as Apache stores it: {tasks}"
    );

    // A graceful restart: the changes made while it is down arrive once, and no snapshot again.
    worker.process.signal("TERM");
    worker.process.wait(Duration::from_secs(60));
    sql(&[
        "INSERT INTO java_types (id, note) VALUES (4, 'fourth')",
        "UPDATE java_types SET note = 'third, changed' WHERE id = 3",
    ])
    .await;
    worker.start_again().await;
    let theirs = consume_records(&worker.bootstrap, &theirs_topic, 8, WAIT).await;
    let ours = consume_records(&worker.bootstrap, &ours_topic, 8, WAIT).await;
    assert_eq!((theirs.len(), ours.len()), (8, 8), "{}", logs(&worker));
    assert_same_events(&theirs, &ours, OURS, THEIRS);
    let extra = consume_records(&worker.bootstrap, &ours_topic, 9, QUIET).await;
    assert_eq!(
        extra.len(),
        8,
        "nothing repeated after a graceful restart\n{}",
        logs(&worker)
    );

    // A SIGKILL: what was committed is not read again from the start, and nothing is lost.
    worker.kill();
    sql(&["INSERT INTO java_types (id, note) VALUES (5, 'fifth')"]).await;
    worker.start_again().await;
    let mut after = Vec::new();
    for _ in 0..60 {
        after = operations(&consume_records(&worker.bootstrap, &ours_topic, 9, QUIET).await);
        if after.contains(&("c".to_string(), 5)) {
            break;
        }
    }
    assert!(after.contains(&("c".to_string(), 5)), "{after:?}\n{}", logs(&worker));
    let snapshots = after.iter().filter(|(op, _)| op == "r").count();
    assert_eq!(snapshots, 2, "the snapshot is not taken again: {after:?}");
    drop(debezium);
    drop(worker);
    drop_slots(&SLOTS, &SLOTS).await;
}
