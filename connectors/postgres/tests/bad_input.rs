//! What a user gets wrong is named: a table filter that matches nothing, a user without the
//! REPLICATION attribute, and (validated before anything starts) a missing `topic.prefix` or the
//! `decoderbufs` plugin.

mod common;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::test_worker::WAIT;
use reqwest::Method;
use serde_json::{Value, json};

use common::sql;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

fn config(extra: &[(&str, &str)]) -> Value {
    let mut config = json!({
        "connector.class": "io.debezium.connector.postgresql.PostgresConnector",
        "database.hostname": "127.0.0.1", "database.user": "postgres", "database.dbname": "test",
        "topic.prefix": "bad", "slot.name": "kconnect_bad_input", "publication.name": "kconnect_bad_input",
    });
    for (key, value) in extra {
        config[*key] = json!(value);
    }
    config
}

/// The errors the validate endpoint reports for `key`.
async fn errors_of(worker: &TestWorker, config: Value, key: &str) -> Vec<String> {
    let path = "/connector-plugins/PostgresConnector/config/validate";
    let (_, answer, _) = worker.rest.call(Method::PUT, path, Some(&config.to_string())).await;
    answer["configs"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["value"]["name"] == key)
        .map(|c| serde_json::from_value(c["value"]["errors"].clone()).unwrap())
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn mistakes_are_named() {
    sql(&[
        "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'kconnect_no_replication') \
         THEN CREATE ROLE kconnect_no_replication LOGIN; END IF; END $$",
    ])
    .await;
    let worker = TestWorker::start(false).await;
    let mut without_prefix = config(&[]);
    without_prefix.as_object_mut().unwrap().remove("topic.prefix");
    assert!(!errors_of(&worker, without_prefix, "topic.prefix").await.is_empty());
    let decoderbufs = errors_of(&worker, config(&[("plugin.name", "decoderbufs")]), "plugin.name").await;
    assert!(decoderbufs.iter().any(|e| e.contains("decoderbufs")), "{decoderbufs:?}");

    worker
        .create(
            "nothing",
            config(&[("table.include.list", "public.no_such_table_anywhere")]),
        )
        .await;
    let task = worker.rest.wait_for_task_state("nothing", "FAILED", WAIT).await;
    let trace = task["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("table.include.list"), "{task}\n{}", worker.process.log());

    worker
        .create("unprivileged", config(&[("database.user", "kconnect_no_replication")]))
        .await;
    let task = worker.rest.wait_for_task_state("unprivileged", "FAILED", WAIT).await;
    let trace = task["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("REPLICATION"), "{task}\n{}", worker.process.log());
}
