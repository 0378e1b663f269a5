//! Transactions a source task defines (`transaction.boundary=connector`, KIP-618) on a distributed
//! worker with `exactly.once.source.support=enabled`: the scripted source ends a transaction
//! every ten records, in the middle of its seven-record batches, and aborts every third. A
//! `read_committed` consumer reads exactly the committed transactions' records, in order, the
//! transaction markers between them (each takes an offset) falling every ten records; the aborted
//! records' offsets are committed, so the task does not read them again.

use std::time::{Duration, Instant};

use kconnect_test_kit::cdc::validation_errors;
use kconnect_test_kit::read_partition;
use kconnect_test_plugins::{SCRIPTED_SOURCE, record_value};
use serde_json::json;
use support::{WAIT, Worker, scripted_source};

mod support;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_test_plugins::with_core_plugins());

const WORKER: &str = "exactly.once.source.support=enabled\nscheduled.rebalance.max.delay.ms=0\n";
const RECORDS: i64 = 200;
const TRANSACTION: i64 = 10;
const ABORT_EVERY: i64 = 3;

#[tokio::test(flavor = "multi_thread")]
async fn a_task_commits_and_aborts_its_own_transactions() {
    let worker = Worker::start_with(true, WORKER, &[]).await;
    let extra = json!({"batch.size": "7", "exactly.once.support": "requested", "transaction.boundary": "connector"});
    let defining = scripted_source("bounded", RECORDS, extra.clone());
    let mut undefined = defining.clone();
    undefined["transaction.size"] = json!("0");
    let refused = validation_errors(&worker, SCRIPTED_SOURCE, &undefined, "transaction.boundary").await;
    assert!(
        refused
            .iter()
            .any(|e| e.contains("does not support connector-defined transaction boundaries")),
        "{refused:?}"
    );
    let mut config = defining;
    config["transaction.size"] = json!(TRANSACTION.to_string());
    config["transaction.abort.every"] = json!(ABORT_EVERY.to_string());
    worker.create("bounded", config).await;
    worker.expect_running_tasks("bounded", 1).await;

    let aborted = |number: i64| (number / TRANSACTION + 1) % ABORT_EVERY == 0;
    let expected: Vec<String> = (0..RECORDS)
        .filter(|n| !aborted(*n))
        .map(|n| record_value(0, n))
        .collect();
    let bootstrap = worker.bootstrap.clone();
    let count = expected.len();
    let records = tokio::task::spawn_blocking(move || {
        read_partition(
            &bootstrap,
            "bounded",
            0,
            "read_committed",
            count,
            Duration::from_secs(60),
        )
    })
    .await
    .unwrap();
    let log = worker.process.log();
    let values: Vec<String> = records.iter().map(|r| r.value.clone()).collect();
    assert_eq!(values, expected, "the committed transactions' records, in order\n{log}");
    let transaction_starts: Vec<usize> = (1..records.len())
        .filter(|&at| records[at].offset != records[at - 1].offset + 1)
        .collect();
    let every_ten: Vec<usize> = (1..records.len()).filter(|at| at % 10 == 0).collect();
    assert_eq!(
        transaction_starts, every_ten,
        "a transaction marker every ten records\n{log}"
    );

    let deadline = Instant::now() + WAIT;
    let mut offsets = json!(null);
    while Instant::now() < deadline && offsets["offsets"][0]["offset"]["next"] != RECORDS {
        tokio::time::sleep(Duration::from_millis(200)).await;
        offsets = worker.rest.get("/connectors/bounded/offsets").await.1;
    }
    assert_eq!(
        offsets["offsets"][0]["offset"]["next"], RECORDS,
        "the aborted records' offsets are committed too: {offsets}"
    );
}
