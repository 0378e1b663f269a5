//! Exactly-once change data capture with the transactions the connector defines
//! (`transaction.boundary=connector`; Debezium leaves the boundary to the worker): a distributed
//! worker with `exactly.once.source.support=enabled` commits one Kafka transaction per binary log
//! transaction. A `read_committed` consumer reads every row once, in order, and the commit markers
//! between the records split them exactly where the database transactions ended, also across a
//! SIGKILL of the worker in the middle of the stream.

mod common;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::cdc_transactions::{
    EXACTLY_ONCE_WORKER, ROUND, assert_one_kafka_transaction_each, inserts, read_committed_rows,
};
use serde_json::{Map, Value};

use common::{first_streamed, mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TOPIC: &str = "myeos.test.eos_orders";
const PING_TOPIC: &str = "myeos.test.eos_ping";

/// The connector's configuration as the REST API takes it.
fn connector() -> Value {
    let properties = schemaless_connector(
        "myeos",
        5531,
        "test.eos_orders,test.eos_ping",
        "snapshot.mode=no_data\nexactly.once.support=requested\ntransaction.boundary=connector\n",
    );
    let config: Map<String, Value> = properties
        .lines()
        .filter_map(|line| line.split_once('='))
        .filter(|(key, _)| *key != "name")
        .map(|(key, value)| (key.to_string(), Value::String(value.to_string())))
        .collect();
    Value::Object(config)
}

/// Writes database transactions `from..to`, their row ids going on from `next_id`.
fn write(from: usize, to: usize, next_id: &mut usize) {
    mariadb(&inserts("eos_orders", from..to, next_id).join(";"));
}

#[tokio::test(flavor = "multi_thread")]
async fn each_binary_log_transaction_is_one_kafka_transaction_through_a_kill() {
    mariadb(
        "DROP TABLE IF EXISTS eos_orders, eos_ping; \
         CREATE TABLE eos_orders (id INT PRIMARY KEY, txn INT NOT NULL); \
         CREATE TABLE eos_ping (id INT AUTO_INCREMENT PRIMARY KEY)",
    );
    let mut worker = TestWorker::start_with(true, EXACTLY_ONCE_WORKER, &[]).await;
    worker.create("myeos", connector()).await;
    worker.expect_running_tasks("myeos", 1).await;
    let streaming = first_streamed(&worker.bootstrap, PING_TOPIC, "INSERT INTO eos_ping VALUES ()").await;
    assert!(!streaming.is_empty(), "nothing streamed\n{}", worker.process.log());

    let mut next_id = 1;
    write(1, ROUND + 1, &mut next_id);
    worker.kill();
    write(ROUND + 1, 2 * ROUND + 1, &mut next_id);
    worker.start_again().await;
    write(2 * ROUND + 1, 3 * ROUND + 1, &mut next_id);

    let records = read_committed_rows(&worker.bootstrap, TOPIC, next_id - 1).await;
    assert_one_kafka_transaction_each(&records, 1..3 * ROUND + 1, &worker.process.log());
}
