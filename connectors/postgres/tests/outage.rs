//! The CDC connector while PostgreSQL restarts: the capture fails, starts again with back-off once
//! the server is back, and resumes after the last record it handed over; every row arrives once,
//! in order, and the task ends RUNNING.
//!
//! This test binary stops and starts the machine's PostgreSQL, so it holds that one test only:
//! cargo runs test binaries one at a time, and no other test uses the server meanwhile.

mod common;

use std::time::Duration;

use kconnect_test_kit::cdc::all_records;
use kconnect_test_kit::test_worker::WAIT;
use kconnect_test_kit::{StartPostgresAgain, TestWorker, consume_records, postgres_cluster};
use serde_json::{Value, json};

use common::{drop_slots, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const SLOT: &str = "kconnect_outage";

fn ids(records: &[kconnect_test_kit::ConsumedRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.value).unwrap()["payload"]["after"]["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_database_restart_loses_and_repeats_nothing() {
    drop_slots(&[SLOT], &[SLOT]).await;
    sql(&[
        "DROP TABLE IF EXISTS cdc_outage",
        "CREATE TABLE cdc_outage (id INT PRIMARY KEY)",
    ])
    .await;
    let worker = TestWorker::start(false).await;
    let config = json!({
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": "127.0.0.1", "database.user": "postgres", "database.dbname": "test",
        "topic.prefix": "outage", "slot.name": SLOT, "publication.name": SLOT,
        "publication.autocreate.mode": "filtered", "table.include.list": "public.cdc_outage",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
    });
    worker.create("outage", config).await;
    worker.expect_running_tasks("outage", 1).await;
    sql(&["INSERT INTO cdc_outage SELECT generate_series(1, 50)"]).await;
    let topic = "outage.public.cdc_outage";
    assert_eq!(consume_records(&worker.bootstrap, topic, 50, WAIT).await.len(), 50);

    let _start_again = StartPostgresAgain;
    postgres_cluster("stop");
    tokio::time::sleep(Duration::from_secs(5)).await;
    postgres_cluster("start");
    sql(&["INSERT INTO cdc_outage SELECT generate_series(51, 100)"]).await;
    let records = all_records(&worker, topic, 100).await;
    assert_eq!(
        ids(&records),
        (1..=100).collect::<Vec<_>>(),
        "every row once, in order\n{}",
        worker.process.log()
    );
    worker.expect_running_tasks("outage", 1).await;
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
