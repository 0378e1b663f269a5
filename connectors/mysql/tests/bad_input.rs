//! What a user gets wrong is named: the server's own server id as `database.server.id`, a user
//! who may not read the binary log, and (validated before anything starts) a missing
//! `database.server.id` or a TLS mode kconnect does not offer.

mod common;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::cdc::{failure_trace, validation_errors};
use serde_json::{Value, json};

use common::mariadb;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

fn config(extra: &[(&str, &str)]) -> Value {
    let mut config = json!({
        "connector.class": "io.debezium.connector.mysql.MySqlConnector",
        "database.hostname": "127.0.0.1", "database.user": "root", "database.password": "",
        "database.server.id": "5502", "topic.prefix": "bad", "snapshot.mode": "no_data",
    });
    for (key, value) in extra {
        config[*key] = json!(value);
    }
    config
}

#[tokio::test(flavor = "multi_thread")]
async fn mistakes_are_named() {
    mariadb(
        "CREATE USER IF NOT EXISTS 'kconnect_no_binlog'@'%' IDENTIFIED BY 'secret'; \
         CREATE USER IF NOT EXISTS 'kconnect_no_binlog'@'localhost' IDENTIFIED BY 'secret'; \
         GRANT SELECT ON test.* TO 'kconnect_no_binlog'@'%'; GRANT SELECT ON test.* TO 'kconnect_no_binlog'@'localhost';",
    );
    let worker = TestWorker::start(false).await;
    let mut without_id = config(&[]);
    without_id.as_object_mut().unwrap().remove("database.server.id");
    assert!(
        !validation_errors(&worker, "MySqlConnector", &without_id, "database.server.id")
            .await
            .is_empty()
    );
    let tls = config(&[("database.ssl.mode", "required")]);
    let tls = validation_errors(&worker, "MySqlConnector", &tls, "database.ssl.mode").await;
    assert!(!tls.is_empty(), "{tls:?}");

    let trace = failure_trace(&worker, "own-id", config(&[("database.server.id", "1")])).await;
    assert!(
        trace.contains("database.server.id"),
        "{trace}\n{}",
        worker.process.log()
    );

    let trace = failure_trace(
        &worker,
        "unprivileged",
        config(&[("database.user", "kconnect_no_binlog"), ("database.password", "secret")]),
    )
    .await;
    assert!(
        trace.contains("database.user") && trace.contains("REPLICATION"),
        "{trace}\n{}",
        worker.process.log()
    );
}
