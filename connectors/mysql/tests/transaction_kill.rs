//! A worker killed in the middle of a large transaction's events resumes inside it: the offsets
//! restart at the transaction's first event and count the events and rows already emitted, so
//! started again the connector skips what its committed offset covers instead of sending the
//! whole transaction again; every row arrives, and only what was written after the last offset
//! commit comes twice.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records};
use serde_json::Value;

use common::{mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TOPIC: &str = "mytxkill.test.mysql_cdc_big_tx";
const ROWS: i64 = 100_000;

/// The row id of a change event.
fn id_of(record: &ConsumedRecord) -> i64 {
    let value: Value = serde_json::from_str(&record.value).unwrap_or_default();
    value["after"]["id"].as_i64().unwrap_or(-1)
}

/// The committed offset's count of events emitted of the transaction it stands in, once one is
/// committed in the middle of a transaction.
async fn committed_inside_a_transaction(worker: &TestWorker) -> Option<u64> {
    let (_, body) = worker.rest.get("/connectors/mytxkill/offsets").await;
    body["offsets"][0]["offset"]["event"].as_u64()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_inside_a_transaction_resumes_inside_it() {
    mariadb(
        "DROP TABLE IF EXISTS mysql_cdc_big_tx; CREATE TABLE mysql_cdc_big_tx (id INT PRIMARY KEY, payload VARCHAR(40))",
    );
    let connector = schemaless_connector("mytxkill", 5506, "test.mysql_cdc_big_tx", "snapshot.mode=no_data\n");
    let mut worker = TestWorker::start_with(false, "offset.flush.interval.ms=100\n", &[&connector]).await;
    worker.expect_running_tasks("mytxkill", 1).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    mariadb(&format!(
        "INSERT INTO mysql_cdc_big_tx SELECT seq, CONCAT('row ', seq) FROM seq_1_to_{ROWS}"
    ));
    let mut events = None;
    for _ in 0..3000 {
        events = committed_inside_a_transaction(&worker).await;
        if events.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    worker.kill();
    assert!(
        events.is_some(),
        "an offset inside the transaction was committed\n{}",
        worker.process.log()
    );
    let before = consume_records(&worker.bootstrap, TOPIC, ROWS as usize, Duration::from_secs(5)).await;
    assert!(
        before.len() < ROWS as usize,
        "killed inside the transaction ({} rows)",
        before.len()
    );

    worker.start_again().await;
    // Everything the restarted task sends again comes before the rest: once every row is there,
    // nothing more is on its way.
    let most = ROWS as usize + before.len();
    let mut seen = Vec::new();
    for _ in 0..6 {
        seen = consume_records(&worker.bootstrap, TOPIC, most, Duration::from_secs(40)).await;
        let ids: std::collections::BTreeSet<i64> = seen.iter().map(id_of).collect();
        if ids.len() == ROWS as usize {
            break;
        }
    }
    let mut count: BTreeMap<i64, usize> = BTreeMap::new();
    for record in &seen {
        *count.entry(id_of(record)).or_default() += 1;
    }
    let missing: Vec<i64> = (1..=ROWS).filter(|id| !count.contains_key(id)).collect();
    assert!(
        missing.is_empty(),
        "every row: {} missing, the first {:?}\n{}",
        missing.len(),
        missing.first(),
        worker.process.log()
    );
    let twice = seen.len() - ROWS as usize;
    assert!(
        twice < before.len(),
        "only what came after the committed offset was sent again: {twice} of the {} rows sent before the kill",
        before.len()
    );
}
