//! A worker killed in the middle of a snapshot resumes it: started again, the connector reads
//! only the rows after the last chunk whose offset was committed (in a new snapshot, since the
//! slot's exported one died with the session), then streams from the slot, so every row arrives,
//! no committed row arrives twice, and the changes made while the worker was down arrive too.
//! Two readers (`snapshot.max.threads=2`) share the keyed table and one without a primary key,
//! which is read again whole unless it was read to the end.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use kconnect_test_kit::{ConsumedRecord, TestWorker, consume_records};
use serde_json::Value;

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

/// `(op, id, payload)` of each record.
fn changes(records: &[ConsumedRecord]) -> Vec<(String, i64, String)> {
    records
        .iter()
        .filter(|r| !r.value.is_empty())
        .map(|r| {
            let value: Value = serde_json::from_str(&r.value).unwrap();
            let row = &value["after"];
            (
                value["op"].as_str().unwrap().to_string(),
                row["id"].as_i64().unwrap(),
                row["payload"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The last key of `cdc_big` that the committed offset says the snapshot read, once there is one.
async fn committed_snapshot_key(worker: &TestWorker) -> Option<i64> {
    let (_, body) = worker.rest.get("/connectors/snapkill/offsets").await;
    let progress = body["offsets"][0]["offset"]["kconnect_snapshot"].as_str()?;
    let progress: Value = serde_json::from_str(progress).ok()?;
    progress["at"]["public.cdc_big"][0].as_str()?.parse().ok()
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
    let mut committed = None;
    for _ in 0..1200 {
        committed = committed_snapshot_key(&worker).await;
        if committed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    worker.kill();
    let committed = committed.unwrap_or_else(|| panic!("a committed chunk\n{}", worker.process.log()));
    let partial = consume_records(&worker.bootstrap, TOPIC, ROWS as usize, Duration::from_secs(5)).await;
    assert!(
        partial.len() < ROWS as usize,
        "killed in the middle of the snapshot ({} rows)",
        partial.len()
    );

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
    let wanted = ROWS as usize + 10;
    let mut seen = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(180);
    while std::time::Instant::now() < deadline {
        // At most every row read before the kill comes again; reading the topic takes a while.
        let most = wanted + partial.len();
        seen = changes(&consume_records(&worker.bootstrap, TOPIC, most, Duration::from_secs(60)).await);
        let ids: BTreeSet<i64> = seen.iter().map(|(_, id, _)| *id).collect();
        let updated = seen.iter().any(|(_, id, payload)| *id == 1 && payload == "changed");
        if ids.len() == wanted && updated {
            break;
        }
    }
    let ids: BTreeSet<i64> = seen.iter().map(|(_, id, _)| *id).collect();
    let missing: Vec<i64> = (1..=ROWS + 10).filter(|id| !ids.contains(id)).collect();
    assert!(
        missing.is_empty(),
        "every row at least once: {} missing, the first {:?}\n{}",
        missing.len(),
        &missing[..missing.len().min(20)],
        worker.process.log()
    );
    assert!(
        seen.iter().any(|(_, id, payload)| *id == 1 && payload == "changed"),
        "the update made while the worker was down"
    );
    let mut reads: BTreeMap<i64, usize> = BTreeMap::new();
    for (op, id, _) in &seen {
        if op == "r" {
            *reads.entry(*id).or_default() += 1;
        }
    }
    let read_twice: Vec<i64> = reads.iter().filter(|(_, n)| **n > 1).map(|(id, _)| *id).collect();
    assert!(
        read_twice.iter().all(|id| *id > committed),
        "rows up to the committed key {committed} are not read again; read twice: {:?}…",
        &read_twice[..read_twice.len().min(10)]
    );
    assert!(
        read_twice.len() < partial.len(),
        "the snapshot resumed instead of starting over: {} of the {} rows read before the kill were read again",
        read_twice.len(),
        partial.len()
    );
    let keyless = changes(
        &consume_records(
            &worker.bootstrap,
            KEYLESS_TOPIC,
            2 * KEYLESS_ROWS as usize,
            Duration::from_secs(5),
        )
        .await,
    );
    let keyless_ids: BTreeSet<i64> = keyless.iter().map(|(_, id, _)| *id).collect();
    assert!(
        keyless_ids == (1..=KEYLESS_ROWS).collect(),
        "the table without a primary key, whole: {} of {KEYLESS_ROWS} rows",
        keyless_ids.len()
    );
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
