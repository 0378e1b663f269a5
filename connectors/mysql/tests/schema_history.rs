//! The schema history through a real worker and broker against the machine's MariaDB: the
//! snapshot's tables and each DDL statement are recorded in Debezium's history format, a worker
//! killed and started again after more rows and a dropped column decodes the rows written before
//! the drop with the shape the history gives for their position (with the history in a topic, and
//! in a file as Debezium's `FileSchemaHistory`), and the schema change events reach the
//! `<topic.prefix>` topic.

mod common;

use std::time::Duration;

use kconnect_test_kit::{TestWorker, consume_records};
use serde_json::Value;

use common::{mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const WAIT: Duration = Duration::from_secs(60);

/// The names of the columns of the first table change of a history record or schema change event.
fn column_names(change: &Value) -> Vec<String> {
    change["tableChanges"][0]["table"]["columns"]
        .as_array()
        .map(|columns| {
            columns
                .iter()
                .filter_map(|c| c["name"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Connector `prefix` (replica `server_id`, with `extra` keys) captures `table`, is killed after
/// a column was added, and started again after a row, a dropped column and another row: each row
/// arrives with the shape it was written with. The worker, for what the test checks next.
async fn restart_across_ddl(prefix: &str, server_id: u32, table: &str, extra: &str) -> TestWorker {
    mariadb(&format!(
        "DROP TABLE IF EXISTS {table}; \
         CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(40)); \
         INSERT INTO {table} VALUES (1, 'ada');"
    ));
    let topic = format!("{prefix}.test.{table}");
    let connector = schemaless_connector(prefix, server_id, &format!("test.{table}"), extra);
    let mut worker = TestWorker::start_with(false, "offset.flush.interval.ms=500\n", &[&connector]).await;
    let bootstrap = worker.bootstrap.clone();
    let snapshot = consume_records(&bootstrap, &topic, 1, WAIT).await;
    assert_eq!(snapshot.len(), 1, "{}", worker.process.log());

    mariadb(&format!(
        "ALTER TABLE {table} ADD COLUMN age INT; \
         INSERT INTO {table} VALUES (2, 'alan', 41);"
    ));
    let added = consume_records(&bootstrap, &topic, 2, WAIT).await;
    let alan: Value = serde_json::from_str(&added[1].value).unwrap();
    assert_eq!(alan["after"]["age"], 41, "{alan}");
    // The offsets are flushed every 500 ms.
    tokio::time::sleep(Duration::from_secs(3)).await;
    worker.kill();

    // While it is down: a row of the shape it knew last, a column dropped, a row of the new shape.
    mariadb(&format!(
        "INSERT INTO {table} VALUES (3, 'barbara', 35); \
         ALTER TABLE {table} DROP COLUMN name; \
         INSERT INTO {table} VALUES (4, 50);"
    ));
    worker.start_again().await;
    let all = consume_records(&bootstrap, &topic, 4, WAIT).await;
    assert_eq!(all.len(), 4, "{}", worker.process.log());
    let barbara: Value = serde_json::from_str(&all[2].value).unwrap();
    assert_eq!(
        barbara["after"],
        serde_json::json!({"id": 3, "name": "barbara", "age": 35}),
        "a row written before the column was dropped has it\n{}",
        worker.process.log()
    );
    let after_drop: Value = serde_json::from_str(&all[3].value).unwrap();
    assert_eq!(after_drop["after"], serde_json::json!({"id": 4, "age": 50}));
    worker
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_written_before_a_ddl_statement_keep_their_shape_across_a_restart() {
    let worker = restart_across_ddl("mhist", 5521, "history_people", "").await;
    let bootstrap = worker.bootstrap.clone();

    // The history: the snapshot's CREATE TABLE, then each ALTER, with the shapes after them.
    let history: Vec<Value> = consume_records(&bootstrap, "schema-changes.mhist", 3, WAIT)
        .await
        .iter()
        .map(|record| serde_json::from_str(&record.value).unwrap())
        .collect();
    assert_eq!(history.len(), 3, "{history:?}");
    let kinds: Vec<&str> = history
        .iter()
        .map(|record| record["tableChanges"][0]["type"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(kinds, ["CREATE", "ALTER", "ALTER"]);
    assert!(
        history[0]["ddl"]
            .as_str()
            .unwrap()
            .starts_with("CREATE TABLE `history_people`")
    );
    assert_eq!(
        history[1]["ddl"],
        "ALTER TABLE history_people ADD COLUMN age INT",
        "{history:#?}\n{}",
        worker.process.log()
    );
    assert_eq!(history[0]["source"], serde_json::json!({"server": "mhist"}));
    assert_eq!(history[0]["position"]["snapshot"], true);
    assert!(
        history[2]["position"]["file"]
            .as_str()
            .unwrap()
            .starts_with("mysql-bin.")
    );
    assert_eq!(history[2]["tableChanges"][0]["id"], "\"test\".\"history_people\"");
    assert_eq!(column_names(&history[0]), ["id", "name"]);
    assert_eq!(column_names(&history[1]), ["id", "name", "age"]);
    assert_eq!(column_names(&history[2]), ["id", "age"]);

    // The schema change events: the same, keyed by database, on the topic named by the prefix.
    let events = consume_records(&bootstrap, "mhist", 3, WAIT).await;
    assert_eq!(events.len(), 3);
    let dropped: Value = serde_json::from_str(&events[2].value).unwrap();
    assert_eq!(events[2].key.as_deref(), Some(r#"{"databaseName":"test"}"#));
    assert_eq!(dropped["ddl"], "ALTER TABLE history_people DROP COLUMN name");
    assert_eq!(dropped["source"]["table"], "history_people");
    assert_eq!(column_names(&dropped), ["id", "age"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_file_schema_history_keeps_the_shapes_as_a_topic_does() {
    let file = tempfile::NamedTempFile::new().unwrap();
    let extra = format!(
        "schema.history.internal=io.debezium.storage.file.history.FileSchemaHistory\n\
         schema.history.internal.file.filename={}\n",
        file.path().display()
    );
    restart_across_ddl("mfile", 5524, "history_file", &extra).await;
    let records: Vec<Value> = std::fs::read_to_string(file.path())
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    let shapes: Vec<Vec<String>> = records.iter().map(column_names).collect();
    assert_eq!(
        shapes,
        [vec!["id", "name"], vec!["id", "name", "age"], vec!["id", "age"]]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rows_between_ddl_statements_read_late_keep_the_shape_they_were_written_with() {
    mariadb(
        "DROP TABLE IF EXISTS history_late; \
         CREATE TABLE history_late (id INT PRIMARY KEY, a INT, b INT); \
         INSERT INTO history_late VALUES (1, 1, 1);",
    );
    let topic = "mlate.test.history_late";
    let connector = schemaless_connector("mlate", 5522, "test.history_late", "");
    let mut worker = TestWorker::start_with(false, "offset.flush.interval.ms=500\n", &[&connector]).await;
    let bootstrap = worker.bootstrap.clone();
    assert_eq!(
        consume_records(&bootstrap, topic, 1, WAIT).await.len(),
        1,
        "{}",
        worker.process.log()
    );
    tokio::time::sleep(Duration::from_secs(3)).await;
    worker.kill();

    // Two statements change the table while the connector is down: when it reads the first, the
    // catalog already says what the second made of it. The binary log's table maps (full row
    // metadata, set by .ci/services) say which shape each row was written with.
    mariadb(
        "INSERT INTO history_late VALUES (2, 2, 2); \
         ALTER TABLE history_late DROP COLUMN a; \
         INSERT INTO history_late VALUES (3, 3); \
         ALTER TABLE history_late ADD COLUMN c VARCHAR(10); \
         INSERT INTO history_late VALUES (4, 4, 'x');",
    );
    worker.start_again().await;
    let all = consume_records(&bootstrap, topic, 4, WAIT).await;
    let rows: Vec<Value> = all[1..]
        .iter()
        .map(|record| serde_json::from_str::<Value>(&record.value).unwrap()["after"].clone())
        .collect();
    assert_eq!(
        rows,
        [
            serde_json::json!({"id": 2, "a": 2, "b": 2}),
            serde_json::json!({"id": 3, "b": 3}),
            serde_json::json!({"id": 4, "b": 4, "c": "x"}),
        ],
        "{}",
        worker.process.log()
    );
}
