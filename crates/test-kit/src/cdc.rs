//! What the change data capture tests of every database check the same way: a change event's
//! operation, key and row read from a topic (with or without JsonConverter's schemas), the REST
//! validate answer for one key, and a snapshot killed in the middle and resumed.

use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

use reqwest::Method;
use serde_json::Value;

use crate::compliance::{DEFAULT_ARRIVAL, Expected, SourceCase, Validation};
use crate::{ConsumedRecord, TestWorker, consume_records};

/// The envelope or key of a record's text, inside JsonConverter's `payload` when schemas are on.
fn payload(text: &str) -> Value {
    let value: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    match value.get("payload") {
        Some(payload) if value.get("schema").is_some() => payload.clone(),
        _ => value,
    }
}

/// `(op, key id, the row's field)` of each change event: the row is `before` for a delete,
/// `after` otherwise; a tombstone is `("tombstone", key id, "")`.
pub fn change_summary(records: &[ConsumedRecord], field: &str) -> Vec<(String, i64, String)> {
    records
        .iter()
        .map(|record| {
            let id = payload(record.key.as_deref().unwrap_or("null"))["id"]
                .as_i64()
                .unwrap_or(-1);
            if record.value.is_empty() {
                return ("tombstone".to_string(), id, String::new());
            }
            let event = payload(&record.value);
            let row = if event["op"] == "d" {
                &event["before"]
            } else {
                &event["after"]
            };
            (
                event["op"].as_str().unwrap_or_default().to_string(),
                id,
                row[field].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// The summary `change_summary` gives of `rows`.
pub fn expected_changes(rows: &[(&str, i64, &str)]) -> Vec<(String, i64, String)> {
    rows.iter()
        .map(|(op, id, field)| (op.to_string(), *id, field.to_string()))
        .collect()
}

/// The errors the validate endpoint of `plugin` reports for `key` of `config`.
pub async fn validation_errors(worker: &TestWorker, plugin: &str, config: &Value, key: &str) -> Vec<String> {
    let path = format!("/connector-plugins/{plugin}/config/validate");
    let (_, answer, _) = worker.rest.call(Method::PUT, &path, Some(&config.to_string())).await;
    answer["configs"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .find(|c| c["value"]["name"] == key)
        .map(|c| serde_json::from_value(c["value"]["errors"].clone()).unwrap_or_default())
        .unwrap_or_default()
}

/// The trace of connector `name`'s task, created with `config`, once it failed.
pub async fn failure_trace(worker: &TestWorker, name: &str, config: Value) -> String {
    worker.create(name, config).await;
    let task = worker
        .rest
        .wait_for_task_state(name, "FAILED", crate::test_worker::WAIT)
        .await;
    task["trace"].as_str().unwrap_or_default().to_string()
}

/// The last key of `table` that connector `connector`'s committed offset says its snapshot read,
/// once there is one.
pub async fn committed_snapshot_key(worker: &TestWorker, connector: &str, table: &str) -> Option<i64> {
    let (_, body) = worker.rest.get(&format!("/connectors/{connector}/offsets")).await;
    let progress = body["offsets"][0]["offset"]["kconnect_snapshot"].as_str()?;
    let progress: Value = serde_json::from_str(progress).ok()?;
    progress["at"][table][0].as_str()?.parse().ok()
}

/// Waits until connector `connector`'s committed offset shows a chunk of `table` read, then kills
/// the worker: the committed key, and the records of `topic` the snapshot had written.
pub async fn kill_during_snapshot(
    worker: &mut TestWorker,
    connector: &str,
    table: &str,
    topic: &str,
    rows: usize,
) -> (i64, Vec<ConsumedRecord>) {
    let mut committed = None;
    for _ in 0..1200 {
        committed = committed_snapshot_key(worker, connector, table).await;
        if committed.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    worker.kill();
    let committed = committed.unwrap_or_else(|| panic!("a committed chunk\n{}", worker.process.log()));
    let partial = consume_records(&worker.bootstrap, topic, rows, Duration::from_secs(5)).await;
    assert!(
        partial.len() < rows,
        "killed in the middle of the snapshot ({} rows)",
        partial.len()
    );
    (committed, partial)
}

/// `(op, id, payload)` of each change event of a schemaless topic whose rows have `id` and
/// `payload` columns.
fn rows_of(records: &[ConsumedRecord]) -> Vec<(String, i64, String)> {
    records
        .iter()
        .filter(|r| !r.value.is_empty())
        .map(|r| {
            let event = payload(&r.value);
            let row = &event["after"];
            (
                event["op"].as_str().unwrap_or_default().to_string(),
                row["id"].as_i64().unwrap_or(-1),
                row["payload"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

/// After a worker killed during the snapshot of `topic`'s table (ids 1 to `rows`, `partial` read
/// before the kill, `committed` the last key committed) started again, while 10 rows were added
/// after them and row 1 updated to payload `changed`: every row arrives, the update too, no row up
/// to the committed key is read twice, and the snapshot resumed rather than started over.
pub async fn assert_snapshot_resumed(worker: &TestWorker, topic: &str, rows: i64, partial: usize, committed: i64) {
    let wanted = rows as usize + 10;
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(180);
    while Instant::now() < deadline {
        // At most every row read before the kill comes again; reading the topic takes a while.
        seen = rows_of(&consume_records(&worker.bootstrap, topic, wanted + partial, Duration::from_secs(30)).await);
        let ids: BTreeSet<i64> = seen.iter().map(|(_, id, _)| *id).collect();
        let updated = seen.iter().any(|(_, id, payload)| *id == 1 && payload == "changed");
        if ids.len() == wanted && updated {
            break;
        }
    }
    let ids: BTreeSet<i64> = seen.iter().map(|(_, id, _)| *id).collect();
    let missing: Vec<i64> = (1..=rows + 10).filter(|id| !ids.contains(id)).collect();
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
        read_twice.len() < partial,
        "the snapshot resumed instead of starting over: {} of the {partial} rows read before the kill were read again",
        read_twice.len(),
    );
}

/// Asserts that `topic` holds every row of a table of ids 1 to `rows` (a table without a primary
/// key, read again whole after a kill).
pub async fn assert_whole_table(worker: &TestWorker, topic: &str, rows: i64) {
    let records = consume_records(&worker.bootstrap, topic, 2 * rows as usize, Duration::from_secs(5)).await;
    let ids: BTreeSet<i64> = rows_of(&records).iter().map(|(_, id, _)| *id).collect();
    assert!(
        ids == (1..=rows).collect(),
        "the table without a primary key, whole: {} of {rows} rows",
        ids.len()
    );
}

/// The compliance case of a CDC connector named `name` with `config` (Debezium's unwrap added),
/// whose captured table's rows `(id, name)` arrive on `topic`: the keys every Debezium connector
/// validates alike.
pub fn compliance_case(name: &str, config: &[(&str, &str)], topic: String) -> SourceCase {
    let unwrap = [
        ("transforms", "unwrap"),
        ("transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"),
    ];
    SourceCase {
        name: name.into(),
        config: config
            .iter()
            .chain(&unwrap)
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        topic,
        partitions: 1,
        validation: Validation {
            required: "database.hostname",
            typed: "database.port",
            one_of: Some("snapshot.mode"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    }
}

/// The record the compliance harness expects of row `number` of a captured `(id, name)` table:
/// id `number + 1`, name `row-<number>`, unwrapped.
pub fn compliance_row(number: usize) -> Expected {
    let id = number + 1;
    Expected {
        key: Some(format!(r#"{{"id":{id}}}"#)),
        value: format!(r#"{{"id":{id},"name":"row-{number}"}}"#),
        headers: Vec::new(),
    }
}

/// The records of `topic` once `count` arrived (within 90 s), read again a moment later with room
/// for one more, so that a record sent twice shows.
pub async fn all_records(worker: &TestWorker, topic: &str, count: usize) -> Vec<ConsumedRecord> {
    let records = consume_records(&worker.bootstrap, topic, count, Duration::from_secs(90)).await;
    if records.len() < count {
        return records;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    consume_records(&worker.bootstrap, topic, count + 1, Duration::from_secs(3)).await
}
