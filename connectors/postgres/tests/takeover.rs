//! A Debezium offset that stopped inside a transaction is taken over exactly: the offset names the
//! transaction (`txId`) and its last event (`lsn_proc`), and kconnect goes on with the next event
//! of that transaction, as Debezium would, with nothing lost or repeated. The offset is written
//! through the REST API in Debezium's format, as a cluster moving from Debezium carries it.

mod common;

use std::time::Duration;

use kconnect_test_kit::{TestWorker, consume_records};
use reqwest::Method;
use serde_json::{Value, json};
use sqlx::Connection;

use common::{URL, drop_slots, first_streamed, schemaless_connector, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const SLOT: &str = "kconnect_takeover";
const TOPIC: &str = "takeover.public.cdc_takeover";
const WAIT: Duration = Duration::from_secs(60);

/// `(lsn, xid)` of each insert the slot holds, peeked without consuming them.
async fn pending_inserts() -> Vec<(i64, i64)> {
    let mut connection = sqlx::PgConnection::connect(URL).await.unwrap();
    sqlx::query_as(
        "SELECT (lsn - '0/0'::pg_lsn)::int8, xid::text::int8 FROM pg_logical_slot_peek_binary_changes($1, NULL, NULL, \
         'proto_version', '1', 'publication_names', $1) WHERE get_byte(data, 0) = 73 ORDER BY lsn",
    )
    .bind(SLOT)
    .fetch_all(&mut connection)
    .await
    .unwrap()
}

/// The ids of the created rows in `records`.
fn created(records: &[kconnect_test_kit::ConsumedRecord]) -> Vec<i64> {
    records
        .iter()
        .filter_map(|r| serde_json::from_str::<Value>(&r.value).ok())
        .filter(|v| v["op"] == "c")
        .map(|v| v["after"]["id"].as_i64().unwrap())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_debezium_offset_inside_a_transaction_goes_on_with_its_next_event() {
    drop_slots(&[SLOT], &[SLOT]).await;
    sql(&[
        "DROP TABLE IF EXISTS cdc_takeover",
        "CREATE TABLE cdc_takeover (id INT PRIMARY KEY)",
    ])
    .await;
    let connector = schemaless_connector("takeover", SLOT, "public.cdc_takeover", "");
    let worker = TestWorker::start_with(false, "", &[&connector]).await;
    let insert = "INSERT INTO cdc_takeover VALUES (1) ON CONFLICT DO NOTHING";
    let streamed = first_streamed(&worker.bootstrap, TOPIC, insert).await;
    assert_eq!(created(&streamed), [1], "streaming\n{}", worker.process.log());
    let (status, body, _) = worker.rest.call(Method::PUT, "/connectors/takeover/stop", None).await;
    assert_eq!(status, 204, "{body}");
    worker
        .rest
        .wait_for_status("takeover", WAIT, |s| s["connector"]["state"] == "STOPPED")
        .await;

    // One transaction of three rows; Debezium had emitted the first two when it stopped.
    sql(&[
        "INSERT INTO cdc_takeover VALUES (10), (11), (12)",
        "INSERT INTO cdc_takeover VALUES (13)",
    ])
    .await;
    // The slot may still hold row 1's insert, not confirmed before the stop.
    let inserts = pending_inserts().await;
    let transaction = &inserts[inserts.len().saturating_sub(4)..inserts.len() - 1];
    assert!(
        transaction.len() == 3 && transaction.iter().all(|(_, xid)| *xid == transaction[0].1),
        "{inserts:?}"
    );
    let (second, xid) = transaction[1];
    let debezium_offset = json!({"offsets": [{
        "partition": {"server": "takeover"},
        "offset": {
            "lsn_proc": second, "lsn": second, "lsn_commit": transaction[0].0 - 1, "txId": xid,
            "ts_usec": 1_700_000_000_000_000i64, "messageType": "INSERT",
        },
    }]});
    let (status, body, _) = worker
        .rest
        .json(Method::PATCH, "/connectors/takeover/offsets", debezium_offset)
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body, _) = worker.rest.call(Method::PUT, "/connectors/takeover/resume", None).await;
    assert_eq!(status, 202, "{body}");

    consume_records(&worker.bootstrap, TOPIC, 3, WAIT).await;
    let records = consume_records(&worker.bootstrap, TOPIC, 10, Duration::from_secs(5)).await;
    assert_eq!(
        created(&records),
        [1, 12, 13],
        "the rest of the transaction and the next, nothing twice\n{}",
        worker.process.log()
    );
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
