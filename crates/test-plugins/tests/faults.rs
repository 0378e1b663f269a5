//! Faults that must stay local, injected with the scripted connectors into a real worker process:
//! a connector that hangs in its start holds up no other connector and no REST request, and
//! `GET /health` tells starting, healthy and unhealthy apart as KIP-1017 says.

use std::time::{Duration, Instant};

use kconnect_test_kit::consume_values;
use kconnect_test_plugins::{SCRIPTED_SOURCE, record_value};
use reqwest::Method;
use serde_json::{Value, json};
use support::{WAIT, Worker, scripted_source};

#[macro_use]
mod support;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_test_plugins::plugins());

/// How long a REST answer may take while a connector hangs.
const PROMPT: Duration = Duration::from_secs(1);

/// Creates connector `name` in the background (a standalone worker answers the create only once
/// the connector's start has ended; a distributed one answers 409 until it joined its group), and
/// waits until its status shows it starting.
async fn create_in_background(worker: &Worker, name: &str, config: Value) -> tokio::task::JoinHandle<()> {
    let rest = worker.rest.clone();
    let body = json!({"name": name, "config": config});
    let creating = tokio::spawn(async move {
        let _ = rest
            .json_through_conflicts(Method::POST, "/connectors", body, WAIT)
            .await;
    });
    let status = worker
        .rest
        .wait_for_status(name, WAIT, |status| status["connector"]["state"] == "UNASSIGNED")
        .await;
    assert_eq!(
        status["connector"]["state"],
        "UNASSIGNED",
        "{status}\n{}",
        worker.process.log()
    );
    creating
}

/// Asserts that `call` answers within [`PROMPT`], and returns its answer.
async fn promptly<T>(what: &str, call: impl std::future::Future<Output = T>) -> T {
    let asked = Instant::now();
    let answer = tokio::time::timeout(PROMPT * 5, call).await;
    let took = asked.elapsed();
    let answer = answer.unwrap_or_else(|_| panic!("{what} did not answer"));
    assert!(took <= PROMPT, "{what} took {took:?}");
    answer
}

async fn a_connector_hanging_in_its_start_holds_up_no_other(distributed: bool) {
    let worker = Worker::start_with(distributed, "connector.start.timeout.ms=600000\n", &[]).await;
    let hanging = create_in_background(
        &worker,
        "stuck",
        scripted_source("stuck", 1, json!({"connector.start": "hang"})),
    )
    .await;

    let (status, names) = promptly("GET /connectors", worker.rest.get("/connectors")).await;
    assert_eq!((status, names), (200, json!(["stuck"])));
    let (status, info) = promptly("GET /connectors/stuck", worker.rest.get("/connectors/stuck")).await;
    assert_eq!((status, info["tasks"].clone()), (200, json!([])), "{info}");
    let body = json!({"name": "other", "config": scripted_source("lines", 5, json!({}))});
    let (status, answer, _) = promptly(
        "creating another connector",
        worker.rest.json(Method::POST, "/connectors", body),
    )
    .await;
    assert_eq!(status, 201, "{answer}");
    worker.expect_running_tasks("other", 1).await;
    let lines = consume_values(&worker.bootstrap, "lines", 5, WAIT).await;
    assert_eq!(lines, (0..5).map(|n| record_value(0, n)).collect::<Vec<_>>());
    let (status, _) = promptly(
        "GET /connectors/other/status",
        worker.rest.get("/connectors/other/status"),
    )
    .await;
    assert_eq!(status, 200);
    let (_, stuck) = worker.rest.get("/connectors/stuck/status").await;
    assert_eq!(stuck["connector"]["state"], "UNASSIGNED", "{stuck}");
    hanging.abort();
}

in_both_herders!(a_connector_hanging_in_its_start_holds_up_no_other);

/// `GET /health`'s status code and `status` field.
async fn health(worker: &Worker) -> (u16, String) {
    let (code, body) = worker.rest.get("/health").await;
    (code, body["status"].as_str().unwrap_or_default().to_string())
}

#[tokio::test(flavor = "multi_thread")]
async fn health_is_starting_then_healthy_then_unhealthy_while_a_connector_holds_the_standalone_herder() {
    let at_start_up =
        format!("name=slow-start\nconnector.class={SCRIPTED_SOURCE}\ntopic=slow\nrecords=1\nconnector.start=hang\n");
    let worker = Worker::start_with(false, "connector.start.timeout.ms=15000\n", &[&at_start_up]).await;
    let (code, body) = worker.rest.get("/health").await;
    assert_eq!(code, 503, "{body}");
    assert_eq!(
        body,
        json!({"status": "starting", "message": "Worker is still starting up."})
    );

    let deadline = Instant::now() + WAIT;
    while health(&worker).await.0 != 200 {
        assert!(Instant::now() < deadline, "never healthy\n{}", worker.process.log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (_, body) = worker.rest.get("/health").await;
    assert_eq!(
        body,
        json!({"status": "healthy", "message": "Worker has completed startup and is ready to handle requests."})
    );
    let failed = worker.wait_for_connector_state("slow-start", "FAILED").await;
    assert!(
        failed["connector"]["trace"]
            .as_str()
            .unwrap()
            .contains("connector.start.timeout.ms"),
        "{failed}"
    );

    let hanging = create_in_background(
        &worker,
        "stuck",
        scripted_source("stuck", 1, json!({"connector.start": "hang"})),
    )
    .await;
    let (code, body) = worker.rest.get("/health").await;
    assert_eq!(code, 500, "{body}");
    assert_eq!(body["status"], "unhealthy");
    assert_eq!(
        body["message"],
        "Worker was unable to handle this request and may be unable to handle other requests."
    );
    hanging.abort();
}
