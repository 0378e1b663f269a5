//! Incremental snapshots through the signal table, as Debezium's: an `execute-snapshot` row makes
//! the connector read the table again in chunks while changes keep streaming, and replaying the
//! topic gives the table as it is, whatever changed during the snapshot. A worker killed in the
//! middle goes on after the last committed chunk.

mod common;

use std::collections::BTreeMap;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::incremental_snapshot::{assert_caught_up, incremental_reads, kill_during_incremental};
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

async fn table() -> BTreeMap<i64, String> {
    let mut connection = sqlx::PgConnection::connect(URL).await.unwrap();
    let rows: Vec<(i32, String)> = sqlx::query_as("SELECT id, payload FROM cdc_incr")
        .fetch_all(&mut connection)
        .await
        .unwrap();
    rows.into_iter().map(|(id, payload)| (i64::from(id), payload)).collect()
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
    kill_during_incremental(&mut worker, "incr", TOPIC, ROWS as usize).await;

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
    assert_caught_up(&worker, (TOPIC, "payload"), "public.cdc_incr", ROWS as usize, &wanted).await;
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
