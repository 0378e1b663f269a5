//! The CDC connector while MariaDB restarts: the binary log connection fails, the capture starts
//! again with back-off once the server is back, and resumes after the last record it handed over;
//! every row arrives once, in order, and the task ends RUNNING.
//!
//! This test binary stops and starts the machine's MariaDB, so it holds that one test only: cargo
//! runs test binaries one at a time, and no other test uses the server meanwhile.

mod common;

use std::time::Duration;

use kconnect_test_kit::cdc::all_records;
use kconnect_test_kit::test_worker::WAIT;
use kconnect_test_kit::{ConsumedRecord, StartMariaDbAgain, TestWorker, consume_records, start_mariadb, stop_mariadb};
use serde_json::Value;

use common::{mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TOPIC: &str = "myoutage.test.mysql_cdc_outage";

fn ids(records: &[ConsumedRecord]) -> Vec<i64> {
    records
        .iter()
        .map(|r| {
            serde_json::from_str::<Value>(&r.value).unwrap()["after"]["id"]
                .as_i64()
                .unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_restart_loses_and_repeats_nothing() {
    mariadb("DROP TABLE IF EXISTS mysql_cdc_outage; CREATE TABLE mysql_cdc_outage (id INT PRIMARY KEY)");
    let connector = schemaless_connector("myoutage", 5505, "test.mysql_cdc_outage", "snapshot.mode=no_data\n");
    let worker = TestWorker::start_with(false, "", &[&connector]).await;
    worker.expect_running_tasks("myoutage", 1).await;
    // The connector streams from where the binary log stood when it started.
    tokio::time::sleep(Duration::from_secs(2)).await;
    mariadb("INSERT INTO mysql_cdc_outage SELECT seq FROM seq_1_to_50");
    assert_eq!(
        consume_records(&worker.bootstrap, TOPIC, 50, WAIT).await.len(),
        50,
        "{}",
        worker.process.log()
    );

    let _start_again = StartMariaDbAgain;
    stop_mariadb();
    tokio::time::sleep(Duration::from_secs(5)).await;
    start_mariadb();
    mariadb("INSERT INTO mysql_cdc_outage SELECT seq FROM seq_51_to_100");
    let records = all_records(&worker, TOPIC, 100).await;
    assert_eq!(
        ids(&records),
        (1..=100).collect::<Vec<_>>(),
        "every row once, in order\n{}",
        worker.process.log()
    );
    worker.expect_running_tasks("myoutage", 1).await;
}
