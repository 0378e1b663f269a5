//! The runtime's source and sink task loops and error handling, driven by the scripted connectors
//! in a real worker process on a real broker.

use std::collections::BTreeMap;
use std::time::Duration;

use kconnect_test_kit::{
    consume_values, create_topic, create_topic_with_partitions, produce_to_partition, produce_values, wait_until,
};
use kconnect_test_plugins::{SCRIPTED_SINK, SCRIPTED_SOURCE, record_value};
use serde_json::{Value, json};
use support::{ScriptedOutput, WAIT, Worker, strings};

mod support;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_test_plugins::plugins());

#[tokio::test(flavor = "multi_thread")]
async fn a_source_task_failing_at_a_record_is_failed_with_its_trace_after_sending_the_records_before() {
    let worker = Worker::start(false).await;
    create_topic(&worker.bootstrap, "failing").await;
    worker
        .create(
            "fails-at-5",
            json!({"connector.class": SCRIPTED_SOURCE, "topic": "failing", "batch.size": "1", "fail.at.record": "5"}),
        )
        .await;
    let task = worker.rest.wait_for_task_state("fails-at-5", "FAILED", WAIT).await;
    assert_eq!(task["state"], "FAILED", "{task}\n{}", worker.process.log());
    assert!(
        task["trace"].as_str().unwrap().contains("scripted failure at record 5"),
        "{task}"
    );
    let values = consume_values(&worker.bootstrap, "failing", 6, Duration::from_secs(5)).await;
    let expected: Vec<String> = (0..5).map(|n| record_value(0, n)).collect();
    assert_eq!(
        values, expected,
        "every record polled before the failure is sent, none after"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sink_task_that_panics_is_failed_and_the_worker_keeps_serving() {
    let worker = Worker::start(false).await;
    create_topic(&worker.bootstrap, "to-panic").await;
    produce_values(&worker.bootstrap, "to-panic", (0..5).map(|n| format!("v{n}"))).await;
    let output = worker.output().display().to_string();
    worker
        .create(
            "panics",
            json!({"connector.class": SCRIPTED_SINK, "topics": "to-panic", "output.file": output, "panic.at.record": "2"}),
        )
        .await;
    let task = worker.rest.wait_for_task_state("panics", "FAILED", WAIT).await;
    assert_eq!(task["state"], "FAILED", "{task}\n{}", worker.process.log());
    assert!(
        task["trace"].as_str().unwrap().contains("scripted panic at record 2"),
        "{task}"
    );
    let (status, _) = worker.rest.get("/connectors").await;
    assert_eq!(status, 200, "the REST API still answers");
    assert!(
        worker.output_records().iter().all(|r| r["offset"].as_i64() < Some(2)),
        "nothing at or after the panicking record is written"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_no_error_tolerance_a_reported_errant_record_fails_the_sink_task() {
    let worker = Worker::start(false).await;
    create_topic(&worker.bootstrap, "strict").await;
    produce_values(&worker.bootstrap, "strict", ["a", "bad", "c"].map(String::from)).await;
    let output = worker.output().display().to_string();
    worker
        .create(
            "strict",
            json!({"connector.class": SCRIPTED_SINK, "topics": "strict", "output.file": output, "reject.value": "bad"}),
        )
        .await;
    let task = worker.rest.wait_for_task_state("strict", "FAILED", WAIT).await;
    assert_eq!(task["state"], "FAILED", "{task}\n{}", worker.process.log());
    let written: Vec<Value> = worker.output_records().iter().map(|r| r["value"].clone()).collect();
    assert!(!written.contains(&json!("bad")), "{written:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn records_of_many_partitions_reach_a_slow_sink_once_each_in_order_per_partition() {
    let worker = Worker::start(false).await;
    worker
        .create(
            "many-partitions",
            json!({
                "connector.class": SCRIPTED_SOURCE, "topic": "spread", "records": "400", "batch.size": "13",
                "topic.partitions": "4", "topic.creation.default.partitions": "4",
                "topic.creation.default.replication.factor": "1",
            }),
        )
        .await;
    assert_eq!(consume_values(&worker.bootstrap, "spread", 400, WAIT).await.len(), 400);
    let output = worker.output().display().to_string();
    worker
        .create(
            "slow-sink",
            json!({"connector.class": SCRIPTED_SINK, "topics": "spread", "output.file": output, "put.delay.ms": "50"}),
        )
        .await;
    assert!(
        wait_until(WAIT, || worker.output_records().len() >= 400),
        "{}",
        worker.process.log()
    );
    std::thread::sleep(Duration::from_secs(1));
    let records = worker.output_records();
    assert_eq!(records.len(), 400, "each record once");
    let mut by_partition: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
    for record in &records {
        let number: i64 = record["key"].as_str().unwrap().parse().unwrap();
        assert_eq!(
            record["partition"].as_i64(),
            Some(number % 4),
            "record {number} in its partition"
        );
        by_partition.entry(number % 4).or_default().push(number);
    }
    for (partition, numbers) in by_partition {
        assert!(numbers.is_sorted(), "partition {partition} out of order: {numbers:?}");
        assert_eq!(numbers.len(), 100);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_partition_the_sink_task_pauses_stays_paused_through_a_connector_pause_until_the_task_resumes_it() {
    let worker = Worker::start(false).await;
    create_topic_with_partitions(&worker.bootstrap, "pausing", 2).await;
    let output = worker.output().display().to_string();
    worker
        .create(
            "pauser",
            json!({
                "connector.class": SCRIPTED_SINK, "topics": "pausing", "output.file": output,
                "pause.on.value": "pause", "resume.on.value": "resume",
            }),
        )
        .await;
    produce_to_partition(&worker.bootstrap, "pausing", 0, strings(&["a", "pause"])).await;
    assert!(
        wait_until(WAIT, || worker.written(0).len() == 2),
        "{}",
        worker.process.log()
    );

    produce_to_partition(&worker.bootstrap, "pausing", 0, strings(&["b", "c"])).await;
    produce_to_partition(&worker.bootstrap, "pausing", 1, strings(&["x"])).await;
    assert!(
        wait_until(WAIT, || worker.written(1) == ["x"]),
        "{}",
        worker.process.log()
    );
    worker.change_target("pauser", "pause").await;
    worker.change_target("pauser", "resume").await;
    produce_to_partition(&worker.bootstrap, "pausing", 1, strings(&["y"])).await;
    assert!(
        wait_until(WAIT, || worker.written(1) == ["x", "y"]),
        "{}",
        worker.process.log()
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(
        worker.written(0),
        ["a", "pause"],
        "nothing of the paused partition arrives, even after the connector's own pause and resume"
    );

    produce_to_partition(&worker.bootstrap, "pausing", 1, strings(&["resume"])).await;
    assert!(
        wait_until(WAIT, || worker.written(0).len() >= 4),
        "{}",
        worker.process.log()
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(
        worker.written(0),
        ["a", "pause", "b", "c"],
        "each record once, in order"
    );
    assert_eq!(worker.written(1), ["x", "y", "resume"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sink_waiting_to_redeliver_past_max_poll_interval_keeps_its_partitions_and_writes_each_record_once() {
    let worker = Worker::start(false).await;
    create_topic(&worker.bootstrap, "slow-system").await;
    let values: Vec<String> = (0..20).map(|n| format!("v{n}")).collect();
    produce_values(&worker.bootstrap, "slow-system", values.clone()).await;
    let output = worker.output().display().to_string();
    // Five retriable failures 2 s apart keep the batch waiting 10 s, past the consumer's 6 s
    // max.poll.interval.ms: a task that stopped polling while it waited would leave the group.
    worker
        .create(
            "slow-system",
            json!({
                "connector.class": SCRIPTED_SINK, "topics": "slow-system", "output.file": output,
                "retry.at.record": "10", "retry.times": "5", "retry.timeout.ms": "2000",
                "consumer.override.session.timeout.ms": "6000",
                "consumer.override.max.poll.interval.ms": "6000",
            }),
        )
        .await;
    assert!(
        wait_until(WAIT, || worker.written(0).len() >= 20),
        "{}",
        worker.process.log()
    );
    std::thread::sleep(Duration::from_secs(2));
    assert_eq!(worker.written(0), values, "each record once, in order");
    let log = worker.process.log();
    assert_eq!(log.matches("put failed, redelivering").count(), 5, "{log}");
    assert!(
        !log.contains("partitions revoked"),
        "the task kept its partition while it waited:\n{log}"
    );
    let task = worker.rest.wait_for_task_state("slow-system", "RUNNING", WAIT).await;
    assert_eq!(task["state"], "RUNNING", "{task}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_sink_created_paused_reads_nothing_until_resumed() {
    let worker = Worker::start(false).await;
    create_topic(&worker.bootstrap, "held").await;
    let values: Vec<String> = (0..10).map(|n| format!("h{n}")).collect();
    produce_values(&worker.bootstrap, "held", values.clone()).await;
    let output = worker.output().display().to_string();
    let body = json!({
        "name": "held",
        "config": {"connector.class": SCRIPTED_SINK, "topics": "held", "output.file": output},
        "initial_state": "PAUSED",
    });
    let (status, answer) = worker
        .rest
        .json_through_conflicts(reqwest::Method::POST, "/connectors", body, WAIT)
        .await;
    assert_eq!(status, 201, "{answer}");
    let task = worker.rest.wait_for_task_state("held", "PAUSED", WAIT).await;
    assert_eq!(task["state"], "PAUSED", "{task}");
    // The partition is assigned while the connector is paused: nothing of it may be fetched.
    std::thread::sleep(Duration::from_secs(5));
    assert_eq!(worker.written(0), Vec::<String>::new(), "{}", worker.process.log());
    worker.change_target("held", "resume").await;
    assert!(
        wait_until(WAIT, || worker.written(0).len() >= 10),
        "{}",
        worker.process.log()
    );
    std::thread::sleep(Duration::from_secs(1));
    assert_eq!(worker.written(0), values, "each record once, in order");
}
