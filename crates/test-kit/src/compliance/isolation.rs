//! The isolation check: scripted connectors that panic or hang beside the connector under test
//! fail alone, and the REST API keeps answering.

use std::time::Duration;

use kconnect_test_plugins::{SCRIPTED_SINK, SCRIPTED_SOURCE};
use reqwest::Method;
use serde_json::{Value, json};

use super::Report;
use super::harness::Harness;
use crate::create_topic;

/// The topic the fed sink reads: made by the harness, since the sink subscribes before any
/// source writes to it.
const FEED_TOPIC: &str = "harness-isolation-feed";
/// How long a REST call may take while a connector hangs.
const REST_LIMIT: Duration = Duration::from_secs(10);
/// How long a panicking task may take to be reported FAILED.
const FAILED_WITHIN: Duration = Duration::from_secs(30);

fn source(extra: Value, topic: &str) -> Value {
    let mut config = json!({
        "connector.class": SCRIPTED_SOURCE,
        "topic": topic,
        "records": "10",
        "topic.creation.default.partitions": "1",
        "topic.creation.default.replication.factor": "1",
    });
    merge(&mut config, extra);
    config
}

fn merge(config: &mut Value, extra: Value) {
    if let (Some(config), Value::Object(extra)) = (config.as_object_mut(), extra) {
        config.extend(extra);
    }
}

/// Starts the misbehaving connectors in the running worker and checks that each panicking one is
/// FAILED, that a connector hung in its own start is FAILED once `connector.start.timeout.ms`
/// (3 s in the harness's worker) is up, and that the REST API answers throughout.
pub(super) async fn misbehave_beside(harness: &Harness, report: &mut Report) {
    create_topic(&harness.bootstrap, FEED_TOPIC).await;
    let sink = |extra: Value| {
        let mut config = json!({
            "connector.class": SCRIPTED_SINK,
            "topics": FEED_TOPIC,
            "output.file": harness.path("isolation-sink.jsonl").display().to_string(),
        });
        merge(&mut config, extra);
        config
    };
    let connectors = [
        (
            "harness-panics-in-start",
            source(json!({"start": "panic"}), "harness-isolation"),
            true,
        ),
        (
            "harness-panics-in-poll",
            source(json!({"panic.at.record": "0"}), "harness-isolation"),
            true,
        ),
        (
            "harness-hangs-in-start",
            source(json!({"start": "hang"}), "harness-isolation"),
            false,
        ),
        (
            "harness-hangs-in-connector-start",
            source(json!({"connector.start": "hang"}), "harness-isolation"),
            false,
        ),
        ("harness-feeds-the-sink", source(json!({}), FEED_TOPIC), false),
        ("harness-panics-in-put", sink(json!({"panic.at.record": "0"})), true),
        ("harness-hangs-in-sink-start", sink(json!({"start": "hang"})), false),
    ];
    for (name, config, _) in &connectors {
        let body = json!({"name": name, "config": config});
        match tokio::time::timeout(REST_LIMIT, harness.rest.json(Method::POST, "/connectors", body)).await {
            Ok((201, _, _)) => {}
            Ok((status, answer, _)) => report.fail(format!("isolation: creating {name} answered {status}: {answer}")),
            Err(_) => report.fail(format!("isolation: creating {name} got no answer in {REST_LIMIT:?}")),
        }
    }
    for (name, _, panics) in &connectors {
        if *panics {
            let task = harness.rest.wait_for_task_state(name, "FAILED", FAILED_WITHIN).await;
            if task["state"] != "FAILED" {
                report.fail(format!("isolation: {name} is not FAILED: {task}"));
            }
        }
    }
    let (_, hung) = harness
        .rest
        .get("/connectors/harness-hangs-in-connector-start/status")
        .await;
    if hung["connector"]["state"] != "FAILED" {
        report.fail(format!("isolation: a connector hung in start is not FAILED: {hung}"));
    }
    match tokio::time::timeout(REST_LIMIT, harness.rest.get("/connectors?expand=status")).await {
        Ok((200, answer)) if answer.get(&harness.name).is_some() => {}
        Ok((status, answer)) => report.fail(format!("isolation: GET /connectors answered {status}: {answer}")),
        Err(_) => report.fail(format!("isolation: GET /connectors got no answer in {REST_LIMIT:?}")),
    }
}
