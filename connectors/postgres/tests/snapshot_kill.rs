//! A worker killed in the middle of a snapshot resumes it: started again, the connector reads
//! only the rows after the last chunk whose offset was committed (in a new snapshot, since the
//! slot's exported one died with the session), then streams from the slot, so every row arrives,
//! no committed row arrives twice, and the changes made while the worker was down arrive too.
//! Two readers (`snapshot.max.threads=2`) share the keyed table and one without a primary key,
//! which is read again whole unless it was read to the end.

mod common;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::cdc::{assert_snapshot_resumed, assert_whole_table, kill_during_snapshot};

use common::{drop_slots, schemaless_connector, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const SLOT: &str = "kconnect_snapshot_kill";
const TOPIC: &str = "snapkill.public.cdc_big";
const KEYLESS_TOPIC: &str = "snapkill.public.cdc_keyless";
const ROWS: i64 = 200_000;
const KEYLESS_ROWS: i64 = 3_000;

fn connector() -> String {
    schemaless_connector(
        "snapkill",
        SLOT,
        "public.cdc_big,public.cdc_keyless",
        "snapshot.fetch.size=1000\nsnapshot.max.threads=2\n",
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_during_the_snapshot_resumes_after_the_last_committed_chunk() {
    drop_slots(&[SLOT], &[SLOT]).await;
    sql(&[
        "DROP TABLE IF EXISTS cdc_big, cdc_keyless",
        "CREATE TABLE cdc_big (id INT PRIMARY KEY, payload TEXT)",
        &format!("INSERT INTO cdc_big SELECT i, 'row ' || i FROM generate_series(1, {ROWS}) i"),
        "CREATE TABLE cdc_keyless (id INT, payload TEXT)",
        &format!("INSERT INTO cdc_keyless SELECT i, 'row ' || i FROM generate_series(1, {KEYLESS_ROWS}) i"),
    ])
    .await;
    let mut worker = TestWorker::start_with(false, "", &[&connector()]).await;
    let (committed, partial) =
        kill_during_snapshot(&mut worker, "snapkill", "public.cdc_big", TOPIC, ROWS as usize).await;
    sql(&[
        &format!(
            "INSERT INTO cdc_big SELECT i, 'late ' || i FROM generate_series({}, {}) i",
            ROWS + 1,
            ROWS + 10
        ),
        "UPDATE cdc_big SET payload = 'changed' WHERE id = 1",
    ])
    .await;
    worker.start_again().await;
    assert_snapshot_resumed(&worker, TOPIC, ROWS, partial.len(), committed).await;
    assert_whole_table(&worker, KEYLESS_TOPIC, KEYLESS_ROWS).await;
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
