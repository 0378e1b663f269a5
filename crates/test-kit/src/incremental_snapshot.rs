//! What the incremental snapshot tests of every database check the same way: a table replayed
//! from its topic (each key's last event), the `r` events an incremental snapshot wrote, its
//! progress in the committed offset, and that after a kill the snapshot went on where it stood
//! and left the topic equal to the table.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::{ConsumedRecord, TestWorker, consume_records};

/// The table as the topic tells it: each key's (`id`'s) last event, replayed in order, with its
/// `field`.
pub fn replayed(records: &[ConsumedRecord], field: &str) -> BTreeMap<i64, String> {
    let mut rows = BTreeMap::new();
    for record in records {
        let key: Value = serde_json::from_str(record.key.as_deref().unwrap_or("null")).unwrap_or_default();
        let Some(id) = key["id"].as_i64() else {
            continue;
        };
        let value: Value = serde_json::from_str(&record.value).unwrap_or_default();
        match value["after"][field].as_str() {
            Some(text) => rows.insert(id, text.to_string()),
            None => rows.remove(&id),
        };
    }
    rows
}

/// How many `r` events marked `incremental` the records hold.
pub fn incremental_reads(records: &[ConsumedRecord]) -> usize {
    records
        .iter()
        .filter(|r| {
            let value: Value = serde_json::from_str(&r.value).unwrap_or_default();
            value["op"] == "r" && value["source"]["snapshot"] == "incremental"
        })
        .count()
}

/// Waits (up to a minute) until `connector`'s committed offset shows an incremental snapshot
/// under way; whether it did.
async fn await_incremental_commit(worker: &TestWorker, connector: &str) -> bool {
    for _ in 0..1200 {
        let (_, body) = worker.rest.get(&format!("/connectors/{connector}/offsets")).await;
        if body["offsets"][0]["offset"]["kconnect_incremental"].is_string() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// Waits until `connector`'s committed offset shows its incremental snapshot under way, kills
/// the worker, and asserts that fewer than the table's `rows` were read into `topic` by then.
pub async fn kill_during_incremental(worker: &mut TestWorker, connector: &str, topic: &str, rows: usize) {
    let committed = await_incremental_commit(worker, connector).await;
    assert!(committed, "an incremental chunk committed\n{}", worker.process.log());
    worker.kill();
    let before_kill = consume_records(&worker.bootstrap, topic, rows * 2, Duration::from_secs(5)).await;
    assert!(
        incremental_reads(&before_kill) < rows,
        "killed in the middle of the incremental snapshot"
    );
}

/// Asserts that `topic`, replayed, comes to equal `wanted` (the table's `id` → `field`), with
/// close to `rows` incremental reads but far fewer than reading the table twice, and that the
/// worker's log shows the snapshot of `table` going on after a committed key.
pub async fn assert_caught_up(
    worker: &TestWorker,
    (topic, field): (&str, &str),
    table: &str,
    rows: usize,
    wanted: &BTreeMap<i64, String>,
) {
    let mut records = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        records = consume_records(&worker.bootstrap, topic, rows * 3, Duration::from_secs(10)).await;
        if &replayed(&records, field) == wanted && incremental_reads(&records) >= rows - 400 {
            break;
        }
    }
    let got = replayed(&records, field);
    let differing: Vec<_> = wanted
        .iter()
        .filter(|(id, text)| got.get(id) != Some(text))
        .take(10)
        .collect();
    assert!(
        &got == wanted,
        "replaying the topic gives the table: {} rows against {}, first differences {differing:?}\n{}",
        got.len(),
        wanted.len(),
        worker.process.log()
    );
    let log = worker.process.log();
    assert!(
        log.contains(&format!(
            "incremental snapshot of the table started table={table} after=Some("
        )),
        "started again, the table's snapshot goes on after the committed key\n{log}"
    );
    let reads = incremental_reads(&records);
    assert!(
        reads < rows + rows / 2,
        "the snapshot went on after the kill instead of starting over ({reads} incremental reads)"
    );
}
