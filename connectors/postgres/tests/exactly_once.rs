//! Exactly-once change data capture with the transactions the connector defines
//! (`transaction.boundary=connector`; Debezium leaves the boundary to the worker): a distributed
//! worker with `exactly.once.source.support=enabled` commits one Kafka transaction per PostgreSQL
//! transaction. A `read_committed` consumer reads every row once, in order, and the commit markers
//! between the records split them exactly where the database transactions ended, also across a
//! SIGKILL of the worker in the middle of the stream.

mod common;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::cdc::validation_errors;
use kconnect_test_kit::cdc_transactions::{
    EXACTLY_ONCE_WORKER, ROUND, assert_one_kafka_transaction_each, inserts, read_committed_rows,
};
use serde_json::{Value, json};

use common::{drop_slots, first_streamed, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const SLOT: &str = "kconnect_eos";
const TOPIC: &str = "eos.public.eos_orders";
const PING_TOPIC: &str = "eos.public.eos_ping";

fn connector() -> Value {
    json!({
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": "127.0.0.1", "database.user": "postgres", "database.dbname": "test",
        "topic.prefix": "eos", "slot.name": SLOT, "publication.name": SLOT,
        "publication.autocreate.mode": "filtered", "table.include.list": "public.eos_orders,public.eos_ping",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter", "key.converter.schemas.enable": "false",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter", "value.converter.schemas.enable": "false",
        "topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
        "exactly.once.support": "required", "transaction.boundary": "connector",
    })
}

/// Writes database transactions `from..to`, their row ids going on from `next_id`.
async fn write(from: usize, to: usize, next_id: &mut usize) {
    let statements = inserts("eos_orders", from..to, next_id);
    sql(&statements.iter().map(String::as_str).collect::<Vec<_>>()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn each_database_transaction_is_one_kafka_transaction_through_a_kill() {
    drop_slots(&[SLOT], &[SLOT]).await;
    sql(&[
        "DROP TABLE IF EXISTS eos_orders, eos_ping",
        "CREATE TABLE eos_orders (id INT PRIMARY KEY, txn INT NOT NULL)",
        "CREATE TABLE eos_ping (id SERIAL PRIMARY KEY)",
    ])
    .await;
    let mut worker = TestWorker::start_with(true, EXACTLY_ONCE_WORKER, &[]).await;
    let config = connector();
    let refused = validation_errors(&worker, "PostgresConnector", &config, "transaction.boundary").await;
    assert!(refused.is_empty(), "{refused:?}");
    worker.create("eos", config).await;
    worker.expect_running_tasks("eos", 1).await;
    let streaming = first_streamed(&worker.bootstrap, PING_TOPIC, "INSERT INTO eos_ping DEFAULT VALUES").await;
    assert!(!streaming.is_empty(), "nothing streamed\n{}", worker.process.log());

    let mut next_id = 1;
    write(1, ROUND + 1, &mut next_id).await;
    worker.kill();
    write(ROUND + 1, 2 * ROUND + 1, &mut next_id).await;
    worker.start_again().await;
    write(2 * ROUND + 1, 3 * ROUND + 1, &mut next_id).await;

    let records = read_committed_rows(&worker.bootstrap, TOPIC, next_id - 1).await;
    assert_one_kafka_transaction_each(&records, 1..3 * ROUND + 1, &worker.process.log());
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
