//! Incremental snapshots through the signal table, as Debezium's: an `execute-snapshot` row makes
//! the connector read the table again in chunks while changes keep streaming, and replaying the
//! topic gives the table as it is, whatever changed during the snapshot. A worker killed in the
//! middle goes on after the last committed chunk.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records};
use serde_json::Value;
use sqlx::Connection;

use common::{URL, drop_slots, first_streamed, schemaless_connector, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const SLOT: &str = "kconnect_incremental";
const TOPIC: &str = "incr.public.cdc_incr";
const ROWS: i64 = 30_000;

fn connector() -> String {
    schemaless_connector(
        "incr",
        SLOT,
        "public.cdc_incr",
        "snapshot.mode=no_data\nsignal.data.collection=public.cdc_signal\nincremental.snapshot.chunk.size=200\n",
    )
}

/// The table as the topic tells it: each key's last event, replayed in order.
fn replayed(records: &[ConsumedRecord]) -> BTreeMap<i64, String> {
    let mut rows = BTreeMap::new();
    for record in records {
        let key: Value = serde_json::from_str(record.key.as_deref().unwrap()).unwrap();
        let id = key["id"].as_i64().unwrap();
        if record.value.is_empty() {
            rows.remove(&id);
            continue;
        }
        let value: Value = serde_json::from_str(&record.value).unwrap();
        match value["after"]["payload"].as_str() {
            Some(payload) => rows.insert(id, payload.to_string()),
            None => rows.remove(&id),
        };
    }
    rows
}

/// How many `r` events marked `incremental` the records hold.
fn incremental_reads(records: &[ConsumedRecord]) -> usize {
    records
        .iter()
        .filter(|r| !r.value.is_empty())
        .filter(|r| {
            let value: Value = serde_json::from_str(&r.value).unwrap();
            value["op"] == "r" && value["source"]["snapshot"] == "incremental"
        })
        .count()
}

async fn table() -> BTreeMap<i64, String> {
    let mut connection = sqlx::PgConnection::connect(URL).await.unwrap();
    let rows: Vec<(i32, String)> = sqlx::query_as("SELECT id, payload FROM cdc_incr")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    rows.into_iter().map(|(id, payload)| (i64::from(id), payload)).collect()
}

/// Whether the committed offset shows an incremental snapshot under way.
async fn incremental_committed(worker: &TestWorker) -> bool {
    let (_, body) = worker.rest.get("/connectors/incr/offsets").await;
    body["offsets"][0]["offset"]["kconnect_incremental"].is_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_snapshot_leaves_the_topic_equal_to_the_table() {
    drop_slots(&[SLOT], &[SLOT]).await;
    sql(&[
        "DROP TABLE IF EXISTS cdc_incr, cdc_signal",
        "CREATE TABLE cdc_incr (id INT PRIMARY KEY, payload TEXT NOT NULL)",
        &format!("INSERT INTO cdc_incr SELECT i, 'row ' || i FROM generate_series(1, {ROWS}) i"),
        "CREATE TABLE cdc_signal (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048))",
    ])
    .await;
    let mut worker = TestWorker::start_with(false, "", &[&connector()]).await;
    // Once the slot exists, a change streams (and no initial snapshot comes).
    let upsert = "INSERT INTO cdc_incr VALUES (0, 'streamed') ON CONFLICT (id) DO UPDATE SET payload = 'streamed'";
    let streamed = first_streamed(&worker.bootstrap, TOPIC, upsert).await;
    assert!(!streamed.is_empty(), "streaming\n{}", worker.process.log());
    assert_eq!(incremental_reads(&streamed), 0, "no initial snapshot");

    sql(&["INSERT INTO cdc_signal VALUES ('ad-hoc-1', 'execute-snapshot', \
         '{\"data-collections\": [\"public.cdc_incr\"], \"type\": \"incremental\"}')"])
    .await;
    let mut committed = false;
    for _ in 0..1200 {
        committed = incremental_committed(&worker).await;
        if committed {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(committed, "an incremental chunk committed\n{}", worker.process.log());
    worker.kill();
    let before_kill = consume_records(&worker.bootstrap, TOPIC, ROWS as usize * 2, Duration::from_secs(5)).await;
    assert!(
        incremental_reads(&before_kill) < ROWS as usize,
        "killed in the middle of the incremental snapshot"
    );

    worker.start_again().await;
    // Changes while the snapshot goes on: updates, deletes and inserts over the whole table.
    sql(&[
        "UPDATE cdc_incr SET payload = 'changed ' || id WHERE id % 97 = 0",
        "DELETE FROM cdc_incr WHERE id % 89 = 0",
        &format!(
            "INSERT INTO cdc_incr SELECT i, 'late ' || i FROM generate_series({}, {}) i",
            ROWS + 1,
            ROWS + 50
        ),
        "UPDATE cdc_incr SET payload = 'again ' || id WHERE id % 101 = 0",
    ])
    .await;
    let wanted = table().await;
    let mut records = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while std::time::Instant::now() < deadline {
        records = consume_records(&worker.bootstrap, TOPIC, ROWS as usize * 3, Duration::from_secs(10)).await;
        if replayed(&records) == wanted && incremental_reads(&records) >= ROWS as usize - 400 {
            break;
        }
    }
    let got = replayed(&records);
    let differing: Vec<_> = wanted
        .iter()
        .filter(|(id, payload)| got.get(id) != Some(payload))
        .take(10)
        .collect();
    assert!(
        got == wanted,
        "replaying the topic gives the table: {} rows against {}, first differences {differing:?}\n{}",
        got.len(),
        wanted.len(),
        worker.process.log()
    );
    let log = worker.process.log();
    assert!(
        log.contains("incremental snapshot of the table started table=public.cdc_incr after=Some("),
        "started again, the table's snapshot goes on after the committed key\n{log}"
    );
    let reads = incremental_reads(&records);
    assert!(
        reads < ROWS as usize + ROWS as usize / 2,
        "the snapshot went on after the kill instead of starting over ({reads} incremental reads)"
    );
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
