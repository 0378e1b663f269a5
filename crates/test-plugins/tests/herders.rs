//! The standalone and distributed herders, driven over REST with the scripted connectors in a real
//! worker process on a real broker: a config update that fixes a failed task or connector, a change
//! of `tasks.max`, and a restart, each resuming from committed offsets with nothing lost or
//! duplicated.

use std::collections::BTreeMap;

use kconnect_test_kit::consume_values;
use kconnect_test_plugins::record_value;
use serde_json::json;
use support::{WAIT, Worker, scripted_source};

#[macro_use]
mod support;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_test_plugins::plugins());

/// Records `0..records` of each task in `0..tasks`, in order per task.
fn expected(tasks: u32, records: i64) -> BTreeMap<u32, Vec<String>> {
    (0..tasks)
        .map(|task| (task, (0..records).map(|n| record_value(task, n)).collect()))
        .collect()
}

/// The values of `topic` per task, in the order they arrived, once `count` arrived (or the wait
/// ended) and a moment passed in which a duplicate would show.
async fn by_task(worker: &Worker, topic: &str, count: usize) -> BTreeMap<u32, Vec<String>> {
    consume_values(&worker.bootstrap, topic, count, WAIT).await;
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    let mut tasks: BTreeMap<u32, Vec<String>> = BTreeMap::new();
    for value in consume_values(&worker.bootstrap, topic, usize::MAX, std::time::Duration::from_secs(3)).await {
        let task = value["task-".len()..].split('-').next().unwrap().parse().unwrap();
        tasks.entry(task).or_default().push(value);
    }
    tasks
}

async fn a_failed_task_fixed_by_a_config_update_resumes_from_its_committed_offsets(distributed: bool) {
    let worker = Worker::start(distributed).await;
    worker
        .create("fails", scripted_source("fixed", 20, json!({"fail.at.record": "10"})))
        .await;
    let task = worker.rest.wait_for_task_state("fails", "FAILED", WAIT).await;
    assert_eq!(task["state"], "FAILED", "{task}\n{}", worker.process.log());
    assert_eq!(by_task(&worker, "fixed", 10).await, expected(1, 10));

    worker.update("fails", scripted_source("fixed", 20, json!({}))).await;
    worker.expect_running_tasks("fails", 1).await;
    assert_eq!(
        by_task(&worker, "fixed", 20).await,
        expected(1, 20),
        "the fixed task goes on from record 10: nothing lost, nothing written twice"
    );
}

async fn a_connector_failing_to_start_is_failed_until_a_config_update_starts_it(distributed: bool) {
    let worker = Worker::start(distributed).await;
    worker
        .create("broken", scripted_source("late", 5, json!({"connector.start": "fail"})))
        .await;
    let status = worker.wait_for_connector_state("broken", "FAILED").await;
    assert_eq!(
        status["connector"]["state"],
        "FAILED",
        "{status}\n{}",
        worker.process.log()
    );
    assert!(
        status["connector"]["trace"]
            .as_str()
            .unwrap_or_default()
            .contains("scripted failure in start"),
        "{status}"
    );
    let (_, answer) = worker.rest.get("/connectors/broken/status").await;
    assert_eq!(
        answer["tasks"],
        json!([]),
        "a connector that never started has no tasks"
    );

    worker.update("broken", scripted_source("late", 5, json!({}))).await;
    let status = worker.expect_running_tasks("broken", 1).await;
    assert_eq!(
        status["connector"]["state"],
        "RUNNING",
        "{status}\n{}",
        worker.process.log()
    );
    assert_eq!(by_task(&worker, "late", 5).await, expected(1, 5));
}

async fn more_tasks_after_a_config_update_each_write_their_records_once(distributed: bool) {
    let worker = Worker::start(distributed).await;
    worker
        .create("grows", scripted_source("grown", 30, json!({"tasks.max": "1"})))
        .await;
    assert_eq!(by_task(&worker, "grown", 30).await, expected(1, 30));

    worker
        .update("grows", scripted_source("grown", 30, json!({"tasks.max": "3"})))
        .await;
    worker.expect_running_tasks("grows", 3).await;
    assert_eq!(
        by_task(&worker, "grown", 90).await,
        expected(3, 30),
        "the new tasks write theirs; task 0 does not start again from the beginning"
    );
}

async fn a_restart_with_its_tasks_resumes_from_committed_offsets(distributed: bool) {
    let worker = Worker::start(distributed).await;
    let dir = tempfile::tempdir().unwrap();
    let available = dir.path().join("available");
    std::fs::write(&available, "10").unwrap();
    let config = scripted_source("restarted", 0, json!({"records.file": available.display().to_string()}));
    worker.create("restarts", config).await;
    assert_eq!(by_task(&worker, "restarted", 10).await, expected(1, 10));

    let (status, answer, _) = worker
        .rest
        .call(
            reqwest::Method::POST,
            "/connectors/restarts/restart?includeTasks=true",
            None,
        )
        .await;
    assert_eq!(status, 202, "{answer}");
    worker.expect_running_tasks("restarts", 1).await;
    std::fs::write(&available, "20").unwrap();
    assert_eq!(
        by_task(&worker, "restarted", 20).await,
        expected(1, 20),
        "nothing lost or written twice across the restart"
    );
}

in_both_herders!(
    a_failed_task_fixed_by_a_config_update_resumes_from_its_committed_offsets,
    a_connector_failing_to_start_is_failed_until_a_config_update_starts_it,
    more_tasks_after_a_config_update_each_write_their_records_once,
    a_restart_with_its_tasks_resumes_from_committed_offsets,
);
