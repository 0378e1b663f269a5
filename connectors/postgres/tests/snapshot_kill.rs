//! A worker killed in the middle of a snapshot loses nothing: started again, the connector takes
//! the snapshot again (without the slot's exported snapshot, which died with the session) and then
//! streams from the slot, so every row arrives at least once, and the changes made while the
//! worker was down arrive too.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use kconnect_test_kit::{TestWorker, consume_records};
use serde_json::Value;

use common::{drop_slots, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const SLOT: &str = "kconnect_snapshot_kill";
const TOPIC: &str = "snapkill.public.cdc_big";
const ROWS: i64 = 100_000;

fn connector() -> String {
    format!(
        "name=snapkill\nconnector.class=io.debezium.connector.postgresql.PostgresConnector\n\
         database.hostname=127.0.0.1\ndatabase.user=postgres\ndatabase.dbname=test\ntopic.prefix=snapkill\n\
         slot.name={SLOT}\npublication.name={SLOT}\npublication.autocreate.mode=filtered\n\
         table.include.list=public.cdc_big\n\
         key.converter=org.apache.kafka.connect.json.JsonConverter\nkey.converter.schemas.enable=false\n\
         value.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter.schemas.enable=false\n\
         topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n"
    )
}

/// `(op, id, payload)` of each record.
fn changes(records: &[kconnect_test_kit::ConsumedRecord]) -> Vec<(String, i64, String)> {
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

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_during_the_snapshot_loses_nothing() {
    drop_slots(&[SLOT], &[SLOT]).await;
    sql(&[
        "DROP TABLE IF EXISTS cdc_big",
        "CREATE TABLE cdc_big (id INT PRIMARY KEY, payload TEXT)",
        &format!("INSERT INTO cdc_big SELECT i, 'row ' || i FROM generate_series(1, {ROWS}) i"),
    ])
    .await;
    let mut worker = TestWorker::start_with(false, "", &[&connector()]).await;
    let early = consume_records(&worker.bootstrap, TOPIC, 5_000, Duration::from_secs(60)).await;
    assert!(early.len() >= 5_000, "the snapshot started\n{}", worker.process.log());
    worker.kill();
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
        seen = changes(&consume_records(&worker.bootstrap, TOPIC, wanted * 2 + 20, Duration::from_secs(5)).await);
        let ids: BTreeSet<i64> = seen.iter().map(|(_, id, _)| *id).collect();
        let updated = seen.iter().any(|(_, id, payload)| *id == 1 && payload == "changed");
        if ids.len() == wanted && updated {
            break;
        }
    }
    let ids: BTreeSet<i64> = seen.iter().map(|(_, id, _)| *id).collect();
    assert_eq!(
        ids,
        (1..=ROWS + 10).collect(),
        "every row at least once\n{}",
        worker.process.log()
    );
    assert!(
        seen.iter().any(|(_, id, payload)| *id == 1 && payload == "changed"),
        "the update made while the worker was down"
    );
    assert!(seen.len() <= 2 * wanted + 20, "duplicates are bounded by one snapshot");
    drop(worker);
    drop_slots(&[SLOT], &[SLOT]).await;
}
