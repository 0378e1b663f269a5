//! `provide.transaction.metadata=true` through a real worker and broker against the machine's
//! MariaDB: each transaction that changed captured tables is framed by a `BEGIN` and an `END`
//! record on `<topic.prefix>.transaction`, with Debezium's id (the GTID), counts per table, and in
//! each change event the `transaction` block with its order in the transaction and in its table;
//! and how far behind the server the task reads is a metric of the task.

mod common;

use std::time::Duration;

use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records, metric_value};
use serde_json::{Value, json};

use common::{mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const WAIT: Duration = Duration::from_secs(60);

fn values(records: &[ConsumedRecord]) -> Vec<Value> {
    records
        .iter()
        .map(|record| serde_json::from_str(&record.value).unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn transactions_are_framed_and_their_events_ordered() {
    mariadb(
        "DROP TABLE IF EXISTS tx_orders, tx_lines; \
         CREATE TABLE tx_orders (id INT PRIMARY KEY, note VARCHAR(20)); \
         CREATE TABLE tx_lines (id INT PRIMARY KEY, order_id INT);",
    );
    let connector = schemaless_connector(
        "mtx",
        5523,
        "test.tx_orders,test.tx_lines",
        "provide.transaction.metadata=true\n",
    );
    let worker = TestWorker::start_with(false, "", &[&connector]).await;
    let bootstrap = worker.bootstrap.clone();
    mariadb("INSERT INTO tx_orders VALUES (1, 'first');");
    let first = consume_records(&bootstrap, "mtx.test.tx_orders", 1, WAIT).await;
    assert_eq!(first.len(), 1, "{}", worker.process.log());

    mariadb(
        "BEGIN; INSERT INTO tx_orders VALUES (2, 'a'); INSERT INTO tx_lines VALUES (10, 2), (11, 2); \
         UPDATE tx_orders SET note = 'b' WHERE id = 2; COMMIT;",
    );
    let frames = values(&consume_records(&bootstrap, "mtx.transaction", 4, WAIT).await);
    let statuses: Vec<&str> = frames
        .iter()
        .map(|f| f["status"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(
        statuses,
        ["BEGIN", "END", "BEGIN", "END"],
        "{frames:?}\n{}",
        worker.process.log()
    );
    let (begin, end) = (&frames[2], &frames[3]);
    let id = begin["id"].as_str().unwrap();
    assert!(id.starts_with("0-1-"), "MariaDB's GTID is the transaction's id: {id}");
    assert_eq!(end["id"], id);
    assert_eq!(end["event_count"], 4);
    assert_eq!(
        end["data_collections"],
        json!([
            {"data_collection": "test.tx_orders", "event_count": 2},
            {"data_collection": "test.tx_lines", "event_count": 2}
        ])
    );
    assert_eq!(frames[1]["event_count"], 1, "the first transaction's one insert");

    // How far behind the server the task reads is a metric of the task (Debezium's
    // MilliSecondsBehindSource), here a few seconds at most.
    let series = r#"kafka_connect_plugins_milli_seconds_behind_source{connector="mtx",task="0"}"#;
    let behind = metric_value(&worker.rest.metrics().await, series);
    assert!(
        behind.is_some_and(|ms| (0.0..30_000.0).contains(&ms)),
        "{series}: {behind:?}"
    );

    let orders = values(&consume_records(&bootstrap, "mtx.test.tx_orders", 3, WAIT).await);
    let lines = values(&consume_records(&bootstrap, "mtx.test.tx_lines", 2, WAIT).await);
    let blocks: Vec<&Value> = [&orders[1], &lines[0], &lines[1], &orders[2]]
        .iter()
        .map(|event| &event["transaction"])
        .collect();
    assert_eq!(
        blocks,
        [
            &json!({"id": id, "total_order": 1, "data_collection_order": 1}),
            &json!({"id": id, "total_order": 2, "data_collection_order": 1}),
            &json!({"id": id, "total_order": 3, "data_collection_order": 2}),
            &json!({"id": id, "total_order": 4, "data_collection_order": 2}),
        ]
    );
}
