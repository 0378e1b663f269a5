//! The WAL a slot holds stays bounded: on a database whose captured table is quiet while another is
//! busy, the slot's confirmed position moves past the busy table's changes and heartbeats are
//! written; and `slot.max.lag.bytes` fails a connector whose slot makes the server keep too much
//! WAL (here held back by a transaction left open), naming the key. The slot's lag is a metric.

mod common;

use std::time::Duration;

use kconnect_test_kit::test_worker::WAIT;
use kconnect_test_kit::{TestWorker, consume_records, metric_value, wait_until};
use serde_json::json;
use sqlx::Connection;

use common::{URL, drop_slots, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

async fn lsn_of(query: &str) -> u64 {
    let mut connection = sqlx::PgConnection::connect(URL).await.unwrap();
    let lsn: Option<i64> = sqlx::query_scalar(query).fetch_one(&mut connection).await.unwrap();
    lsn.unwrap_or_default() as u64
}

fn config(prefix: &str, extra: &[(&str, &str)]) -> serde_json::Value {
    let mut config = json!({
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": "127.0.0.1", "database.user": "postgres", "database.dbname": "test",
        "topic.prefix": prefix, "slot.name": format!("kconnect_{prefix}"), "publication.name": format!("kconnect_{prefix}"),
        "publication.autocreate.mode": "filtered", "table.include.list": "public.hb_quiet",
        "key.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "topic.creation.default.partitions": "1", "topic.creation.default.replication.factor": "1",
    });
    for (key, value) in extra {
        config[*key] = json!(value);
    }
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn heartbeats_release_wal_and_a_slot_too_far_behind_fails_the_task() {
    let slots = ["kconnect_hb", "kconnect_lagging"];
    drop_slots(&slots, &slots).await;
    sql(&[
        "DROP TABLE IF EXISTS hb_quiet",
        "DROP TABLE IF EXISTS hb_busy",
        "CREATE TABLE hb_quiet (id INT PRIMARY KEY)",
        "CREATE TABLE hb_busy (id INT PRIMARY KEY, filler TEXT)",
        "INSERT INTO hb_quiet VALUES (1)",
    ])
    .await;
    let worker = TestWorker::start(false).await;
    worker
        .create("hb", config("hb", &[("heartbeat.interval.ms", "500")]))
        .await;
    worker
        .create("lagging", config("lagging", &[("slot.max.lag.bytes", "1")]))
        .await;
    assert_eq!(
        consume_records(&worker.bootstrap, "hb.public.hb_quiet", 1, WAIT)
            .await
            .len(),
        1
    );

    // A transaction left open holds the slots' restart position back while the busy table writes.
    let mut open = sqlx::PgConnection::connect(URL).await.unwrap();
    sqlx::raw_sql("BEGIN; INSERT INTO hb_busy VALUES (0, 'open')")
        .execute(&mut open)
        .await
        .unwrap();
    sql(&["INSERT INTO hb_busy SELECT i, repeat('x', 100) FROM generate_series(1, 20000) i"]).await;
    let busy_until = lsn_of("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8").await;
    let confirmed = "SELECT (confirmed_flush_lsn - '0/0'::pg_lsn)::int8 FROM pg_replication_slots \
                     WHERE slot_name = 'kconnect_hb'";
    let mut flushed = 0;
    let released = wait_until(WAIT, || {
        flushed = futures::executor::block_on(lsn_of(confirmed));
        flushed >= busy_until
    });
    assert!(
        released,
        "the slot's confirmed position {flushed} never passed {busy_until}\n{}",
        worker.process.log()
    );
    // The slot's lag is a metric of the task (Apache's plugin metrics, KIP-877), measured every 10 s.
    let series = r#"kafka_connect_plugins_slot_lag_bytes{connector="hb",task="0"}"#;
    let mut lag = None;
    for _ in 0..300 {
        lag = metric_value(&worker.rest.metrics().await, series);
        if lag.is_some_and(|bytes| bytes > 0.0) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(lag.is_some_and(|bytes| bytes > 0.0), "{series}: {lag:?}");
    let beats = consume_records(&worker.bootstrap, "__debezium-heartbeat.hb", 1, WAIT).await;
    assert!(!beats.is_empty(), "heartbeats are written to __debezium-heartbeat.hb");
    assert!(
        beats[0]
            .key
            .as_deref()
            .unwrap_or_default()
            .contains("\"serverName\":\"hb\""),
        "{:?}",
        beats[0].key
    );

    let task = worker.rest.wait_for_task_state("lagging", "FAILED", WAIT).await;
    let trace = task["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("slot.max.lag.bytes"), "{task}\n{}", worker.process.log());
    drop(open);
    drop(worker);
    drop_slots(&slots, &slots).await;
}
