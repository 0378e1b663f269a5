//! A connector that asks for new task configurations gets them, in standalone and in distributed
//! mode: a JDBC source with `tasks.max=2` watches a SQLite file that has one table, so it runs one
//! task; a second table appears, the connector notices, and a second task starts and copies the
//! new table's rows while the first table's rows are not read again.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use kconnect_test_kit::databases::sqlite;
use kconnect_test_kit::{
    BrokerProcess, RestApi, WorkerProcess, consume_values, create_topic, free_port, wait_until, worker_file,
};
use reqwest::Method;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const TIMEOUT: Duration = Duration::from_secs(90);

/// The `id`s of the first `expected` JSON values of `topic` (fewer if they do not arrive in `wait`).
async fn ids(bootstrap: &str, topic: &str, expected: usize, wait: Duration) -> Vec<i64> {
    consume_values(bootstrap, topic, expected, wait)
        .await
        .iter()
        .map(|value| serde_json::from_str::<Value>(value).unwrap()["id"].as_i64().unwrap())
        .collect()
}

/// The tables each task of `name` reads, once it runs `tasks` tasks.
async fn tables_per_task(api: &RestApi, name: &str, tasks: usize, log: &Path) -> Vec<String> {
    let deadline = Instant::now() + TIMEOUT;
    loop {
        let status = api.state(name).await;
        let states = status["tasks"].as_array().cloned().unwrap_or_default();
        if states.len() == tasks && states.iter().all(|t| t["state"] == "RUNNING") {
            let (_, configs) = api.get(&format!("/connectors/{name}/tasks")).await;
            let tables = configs.as_array().map_or_else(Vec::new, |all| {
                all.iter()
                    .map(|task| task["config"]["tables"].as_str().unwrap_or_default().to_string())
                    .collect()
            });
            if tables.len() == tasks {
                return tables;
            }
        }
        assert!(
            Instant::now() < deadline,
            "{name} did not run {tasks} tasks: {status}\n{}",
            std::fs::read_to_string(log).unwrap_or_default()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

async fn a_new_table_gets_a_new_task(distributed: bool) {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("broker"), "memory");
    for topic in ["rc-alpha", "rc-beta"] {
        create_topic(&broker.bootstrap, topic).await;
    }
    let db = sqlite();
    let driver = db.driver().await;
    db.source_table(driver.as_ref(), "alpha", 5).await;
    let port = free_port();
    let config = worker_file(dir.path(), "worker", &broker.bootstrap, port, distributed, "");
    let log = dir.path().join("worker.log");
    let _worker = if distributed {
        WorkerProcess::distributed(Path::new(BIN), &config, &log)
    } else {
        WorkerProcess::start(Path::new(BIN), &config, &[], &log)
    };
    let listening = wait_until(TIMEOUT, || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    assert!(
        listening,
        "REST did not start\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
    let api = RestApi::new(port);
    let connector = json!({
        "connector.class": "io.confluent.connect.jdbc.JdbcSourceConnector",
        "connection.url": db.url,
        "mode": "incrementing",
        "incrementing.column.name": "id",
        "topic.prefix": "rc-",
        "tasks.max": "2",
        "poll.interval.ms": "200",
        "table.poll.interval.ms": "500",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
    });
    let (status, answer) = api
        .json_through_conflicts(Method::PUT, "/connectors/tables/config", connector, TIMEOUT)
        .await;
    assert_eq!(status, 201, "{answer}");

    assert_eq!(tables_per_task(&api, "tables", 1, &log).await, ["alpha"]);
    assert_eq!(ids(&broker.bootstrap, "rc-alpha", 5, TIMEOUT).await, [1, 2, 3, 4, 5]);

    db.source_table(driver.as_ref(), "beta", 3).await;
    let tables: BTreeSet<String> = tables_per_task(&api, "tables", 2, &log).await.into_iter().collect();
    assert_eq!(tables, BTreeSet::from(["alpha".to_string(), "beta".to_string()]));
    assert_eq!(ids(&broker.bootstrap, "rc-beta", 3, TIMEOUT).await, [1, 2, 3]);
    assert_eq!(
        ids(&broker.bootstrap, "rc-alpha", 6, Duration::from_secs(3)).await,
        [1, 2, 3, 4, 5],
        "alpha's rows were read again when the tasks were reconfigured"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn standalone_worker_reconfigures_tasks_when_a_table_appears() {
    a_new_table_gets_a_new_task(false).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn distributed_worker_reconfigures_tasks_when_a_table_appears() {
    a_new_table_gets_a_new_task(true).await;
}
