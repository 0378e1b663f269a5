//! Resuming by GTID: a committed offset whose binary log file the server does not have (as after
//! a failover to another server, whose files are named otherwise) is resumed from its MariaDB GTID
//! state, so the changes made while the connector was stopped arrive, each once, and nothing
//! streamed before arrives again.

mod common;

use std::time::Duration;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::cdc::{all_records, change_summary};
use reqwest::Method;
use serde_json::{Value, json};

use common::{mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const NAME: &str = "mygtid";
const TOPIC: &str = "mygtid.test.mysql_cdc_gtid";

/// One transaction per row.
fn insert(ids: std::ops::RangeInclusive<i64>) {
    let statements: Vec<String> = ids
        .map(|id| format!("INSERT INTO mysql_cdc_gtid VALUES ({id}, 'row {id}')"))
        .collect();
    mariadb(&statements.join("; "));
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offset_whose_file_is_gone_resumes_after_its_gtids() {
    mariadb(
        "DROP TABLE IF EXISTS mysql_cdc_gtid; \
         CREATE TABLE mysql_cdc_gtid (id INT PRIMARY KEY, payload VARCHAR(40));",
    );
    let connector = schemaless_connector(NAME, 5508, "test.mysql_cdc_gtid", "snapshot.mode=no_data\n");
    let worker = TestWorker::start_with(false, "", &[&connector]).await;
    worker.expect_running_tasks(NAME, 1).await;
    // The connector streams once it has read where the binary log stands.
    tokio::time::sleep(Duration::from_secs(3)).await;
    insert(1..=5);
    let first = all_records(&worker, TOPIC, 5).await;
    assert_eq!(first.len(), 5, "streamed before the stop\n{}", worker.process.log());

    let (status, answer, _) = worker
        .rest
        .call(Method::PUT, &format!("/connectors/{NAME}/stop"), None)
        .await;
    assert_eq!(status, 204, "{answer}");
    worker.wait_for_connector_state(NAME, "STOPPED").await;
    let (status, body) = worker.rest.get(&format!("/connectors/{NAME}/offsets")).await;
    assert_eq!(status, 200, "{body}");
    let mut offset = body["offsets"][0]["offset"].clone();
    assert!(offset["gtids"].is_string(), "the offset carries the GTID state: {body}");
    insert(6..=10);

    // The offset as another server would know it: the same transactions, another file.
    offset["file"] = Value::from("elsewhere-bin.000042");
    offset["pos"] = Value::from(4);
    let moved = json!({"offsets": [{"partition": {"server": NAME}, "offset": offset}]});
    let path = format!("/connectors/{NAME}/offsets");
    let (status, answer, _) = worker.rest.json(Method::PATCH, &path, moved).await;
    assert_eq!(status, 200, "{answer}");
    worker.change_target(NAME, "resume").await;

    let records = all_records(&worker, TOPIC, 10).await;
    let ids: Vec<i64> = change_summary(&records, "payload")
        .iter()
        .map(|(_, id, _)| *id)
        .collect();
    assert_eq!(
        ids,
        (1..=10).collect::<Vec<_>>(),
        "every row once, in order\n{}",
        worker.process.log()
    );
    let log = worker.process.log();
    assert!(
        log.contains("streaming the binary log after the GTID state"),
        "resumed by GTID\n{log}"
    );
}
