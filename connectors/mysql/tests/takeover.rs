//! A Debezium MySQL connector is taken over, as a cluster moving from Debezium to kconnect does:
//! Debezium 3.0.7 on Apache Kafka Connect snapshots and streams a MariaDB table, keeping its
//! schema history in a topic; it stops, the table gets rows and a new column, and kconnect's
//! connector of the same name, given Debezium's offsets through the REST API and its history
//! topic, goes on from where Debezium stopped: no snapshot again, nothing repeated, and the rows
//! written before the column was added without it.

mod common;

use std::time::Duration;

use kconnect_test_kit::debezium::{debezium_rest, start_debezium};
use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records};
use reqwest::Method;
use serde_json::{Value, json};

use common::mariadb;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TOPIC: &str = "move.test.move_people";
const WAIT: Duration = Duration::from_secs(120);

/// The connector's keys, as both run it.
fn config(bootstrap: &str) -> Vec<(&'static str, String)> {
    [
        ("connector.class", "io.debezium.connector.mysql.MySqlConnector"),
        ("database.hostname", "127.0.0.1"),
        ("database.port", "3306"),
        ("database.user", "root"),
        ("database.password", ""),
        ("database.server.id", "5531"),
        ("topic.prefix", "move"),
        ("table.include.list", "test.move_people"),
        ("schema.history.internal.kafka.topic", "move-history"),
        ("key.converter", "org.apache.kafka.connect.json.JsonConverter"),
        ("key.converter.schemas.enable", "false"),
        ("value.converter", "org.apache.kafka.connect.json.JsonConverter"),
        ("value.converter.schemas.enable", "false"),
        ("topic.creation.default.partitions", "1"),
        ("topic.creation.default.replication.factor", "1"),
    ]
    .into_iter()
    .map(|(key, value)| (key, value.to_string()))
    .chain([("schema.history.internal.kafka.bootstrap.servers", bootstrap.to_string())])
    .collect()
}

/// `(op, after)` of each record.
fn changes(records: &[ConsumedRecord]) -> Vec<(String, Value)> {
    records
        .iter()
        .map(|record| {
            let value: Value = serde_json::from_str(&record.value).unwrap();
            (
                value["op"].as_str().unwrap_or_default().to_string(),
                value["after"].clone(),
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_debezium_connector_is_taken_over_with_its_offsets_and_schema_history() {
    mariadb(
        "DROP TABLE IF EXISTS move_people; \
         CREATE TABLE move_people (id INT PRIMARY KEY, name VARCHAR(40)); \
         INSERT INTO move_people VALUES (1, 'ada');",
    );
    let worker = TestWorker::start_with(false, "", &[]).await;
    let properties: String = config(&worker.bootstrap)
        .iter()
        .map(|(key, value)| format!("{key}={value}\n"))
        .collect();
    let debezium = start_debezium(worker.dir(), &worker.bootstrap, &[format!("name=move\n{properties}")]);
    let logs = || format!("{}\n--- debezium ---\n{}", worker.process.log(), debezium.log());
    assert_eq!(
        consume_records(&worker.bootstrap, TOPIC, 1, WAIT).await.len(),
        1,
        "{}",
        logs()
    );
    mariadb("INSERT INTO move_people VALUES (2, 'alan');");
    assert_eq!(
        consume_records(&worker.bootstrap, TOPIC, 2, WAIT).await.len(),
        2,
        "{}",
        logs()
    );
    // Debezium flushes its offsets every 500 ms; then it stops.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let (status, offsets, _) = debezium_rest(worker.dir())
        .call(Method::GET, "/connectors/move/offsets", None)
        .await;
    assert_eq!(status, 200, "{offsets}\n{}", logs());
    drop(debezium);

    // While nobody reads: a row, a new column, a row with it.
    mariadb(
        "INSERT INTO move_people VALUES (3, 'barbara'); \
         ALTER TABLE move_people ADD COLUMN age INT; \
         INSERT INTO move_people VALUES (4, 'edsger', 50);",
    );
    let config: serde_json::Map<String, Value> = config(&worker.bootstrap)
        .into_iter()
        .map(|(key, value)| (key.to_string(), Value::String(value)))
        .collect();
    let created = json!({"name": "move", "config": config, "initial_state": "STOPPED"});
    let (status, body, _) = worker.rest.json(Method::POST, "/connectors", created).await;
    assert_eq!(status, 201, "{body}");
    let (status, body, _) = worker
        .rest
        .json(Method::PATCH, "/connectors/move/offsets", offsets.clone())
        .await;
    assert_eq!(status, 200, "{body}\n{offsets}");
    let (status, body, _) = worker.rest.call(Method::PUT, "/connectors/move/resume", None).await;
    assert_eq!(status, 202, "{body}");

    consume_records(&worker.bootstrap, TOPIC, 4, WAIT).await;
    let records = consume_records(&worker.bootstrap, TOPIC, 10, Duration::from_secs(5)).await;
    assert_eq!(
        changes(&records),
        [
            ("r".to_string(), json!({"id": 1, "name": "ada"})),
            ("c".to_string(), json!({"id": 2, "name": "alan"})),
            ("c".to_string(), json!({"id": 3, "name": "barbara"})),
            ("c".to_string(), json!({"id": 4, "name": "edsger", "age": 50})),
        ],
        "Debezium's two, then kconnect's: no snapshot again, nothing twice\n{offsets}\n{}",
        worker.process.log()
    );
}
