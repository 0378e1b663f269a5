//! `errors.*` end to end on a sink: with `errors.tolerance=all` bad records go to the dead letter
//! queue with Apache's context headers and the task keeps running; with `none` the task fails with
//! a trace naming the stage and nothing after the bad record is committed.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, consume_records, create_topic, produce_values, read_lines, wait_until};
use reqwest::Client;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

async fn create(port: u16, name: &str, config: Value) {
    let response = Client::new()
        .post(format!("http://127.0.0.1:{port}/connectors"))
        .json(&json!({"name": name, "config": config}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201, "{}", response.text().await.unwrap());
}

async fn get(port: u16, path: &str) -> Value {
    reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

fn sink_config(file: &Path, tolerance: &str) -> Value {
    json!({
        "connector.class": "FileStreamSink",
        "file": file.display().to_string(),
        "topics": "input",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "transforms": "extract",
        "transforms.extract.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
        "transforms.extract.field": "line",
        "errors.tolerance": tolerance,
        "errors.log.enable": "true",
        "errors.deadletterqueue.topic.name": "dlq",
        "errors.deadletterqueue.context.headers.enable": "true",
    })
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_records_go_to_the_dead_letter_queue_or_fail_the_task() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 500);
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let port = quickstart.rest_port;
    let bootstrap = format!("127.0.0.1:{}", quickstart.broker_port);
    create_topic(&bootstrap, "input").await;
    let input = [r#"{"line":"a"}"#, "not json", r#"{"line":"b"}"#, "7", r#"{"line":"c"}"#];
    produce_values(&bootstrap, "input", input.iter().map(|v| v.to_string())).await;

    let tolerant = quickstart.path("tolerant.txt");
    create(port, "tolerant", sink_config(&tolerant, "all")).await;
    assert!(
        wait_until(Duration::from_secs(60), || read_lines(&tolerant).len() == 3),
        "good records arrive; log:\n{}",
        worker.log()
    );
    assert_eq!(read_lines(&tolerant), ["a", "b", "c"]);
    let dlq = consume_records(&bootstrap, "dlq", 2, Duration::from_secs(60)).await;
    assert_eq!(
        dlq.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(),
        ["not json", "7"]
    );
    let header = |i: usize, key: &str| {
        dlq[i]
            .headers
            .get(&format!("__connect.errors.{key}"))
            .cloned()
            .unwrap_or_default()
    };
    assert_eq!(header(0, "stage"), "VALUE_CONVERTER");
    assert_eq!(header(0, "class.name"), "org.apache.kafka.connect.json.JsonConverter");
    assert_eq!(header(0, "offset"), "1");
    assert!(
        header(0, "exception.message").ends_with("(partition 0, offset 1)"),
        "a converter's error names the message: {}",
        header(0, "exception.message")
    );
    assert_eq!(header(1, "stage"), "TRANSFORMATION");
    assert_eq!(header(1, "offset"), "3");
    for i in 0..2 {
        assert_eq!(header(i, "topic"), "input");
        assert_eq!(header(i, "partition"), "0");
        assert_eq!(header(i, "connector.name"), "tolerant");
        assert_eq!(header(i, "task.id"), "0");
        assert_eq!(
            header(i, "exception.class.name"),
            "org.apache.kafka.connect.errors.DataException"
        );
        assert!(!header(i, "exception.message").is_empty());
    }
    assert_eq!(
        get(port, "/connectors/tolerant/status").await["tasks"][0]["state"],
        "RUNNING"
    );
    assert!(
        worker.log().contains("Executing stage 'VALUE_CONVERTER'"),
        "errors.log.enable logs the failure"
    );

    let strict = quickstart.path("strict.txt");
    create(port, "strict", sink_config(&strict, "none")).await;
    let mut status = Value::Null;
    for _ in 0..300 {
        status = get(port, "/connectors/strict/status").await;
        if status["tasks"][0]["state"] == "FAILED" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(status["tasks"][0]["state"], "FAILED", "{status}");
    let trace = status["tasks"][0]["trace"].as_str().unwrap();
    assert!(
        trace.contains("VALUE_CONVERTER") && trace.contains("JsonConverter"),
        "{trace}"
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    let offsets = get(port, "/connectors/strict/offsets").await;
    let committed = offsets["offsets"].as_array().unwrap();
    assert!(
        committed
            .iter()
            .all(|o| o["offset"]["kafka_offset"].as_i64().unwrap() <= 1),
        "nothing after the bad record is committed: {offsets}"
    );
    assert!(read_lines(&strict).len() <= 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_may_name_a_dead_letter_queue_too() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 500);
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let port = quickstart.rest_port;
    kconnect_test_kit::append_lines(&quickstart.input(), ["one".to_string(), "two".to_string()]);
    let config = json!({
        "connector.class": "FileStreamSource",
        "file": quickstart.input().display().to_string(),
        "topic": "connect-test",
        "transforms": "extract",
        "transforms.extract.type": "ExtractField$Value",
        "transforms.extract.field": "line",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": "source-dlq",
        "errors.deadletterqueue.context.headers.enable": "true",
    });
    create(port, "source", config).await;
    let bootstrap = format!("127.0.0.1:{}", quickstart.broker_port);
    let dlq = consume_records(&bootstrap, "source-dlq", 2, Duration::from_secs(60)).await;
    assert_eq!(
        dlq.iter().map(|r| r.value.as_str()).collect::<Vec<_>>(),
        ["one", "two"],
        "log:\n{}",
        worker.log()
    );
    assert_eq!(
        dlq[0].headers.get("__connect.errors.stage").map(String::as_str),
        Some("TRANSFORMATION")
    );
    assert_eq!(
        dlq[0].headers.get("__connect.errors.topic").map(String::as_str),
        Some("connect-test")
    );
    assert_eq!(
        get(port, "/connectors/source/status").await["tasks"][0]["state"],
        "RUNNING"
    );
    let mut committed = Value::Null;
    for _ in 0..100 {
        committed = get(port, "/connectors/source/offsets").await;
        if committed["offsets"][0]["offset"]["position"] == 8 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        committed["offsets"][0]["offset"]["position"], 8,
        "skipped records still commit their offsets: {committed}"
    );
}
