//! What a user gets wrong is named: a table filter that matches nothing, a user without the
//! REPLICATION attribute, and (validated before anything starts) a missing `topic.prefix` or the
//! `decoderbufs` plugin.

mod common;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::cdc::{failure_trace, validation_errors};
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
    assert!(
        !validation_errors(&worker, "PostgresConnector", &without_prefix, "topic.prefix")
            .await
            .is_empty()
    );
    let decoderbufs = config(&[("plugin.name", "decoderbufs")]);
    let decoderbufs = validation_errors(&worker, "PostgresConnector", &decoderbufs, "plugin.name").await;
    assert!(decoderbufs.iter().any(|e| e.contains("decoderbufs")), "{decoderbufs:?}");

    let trace = failure_trace(
        &worker,
        "nothing",
        config(&[("table.include.list", "public.no_such_table_anywhere")]),
    )
    .await;
    assert!(
        trace.contains("table.include.list"),
        "{trace}\n{}",
        worker.process.log()
    );

    let trace = failure_trace(
        &worker,
        "unprivileged",
        config(&[("database.user", "kconnect_no_replication")]),
    )
    .await;
    assert!(trace.contains("REPLICATION"), "{trace}\n{}", worker.process.log());
}
