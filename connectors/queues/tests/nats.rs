//! The NATS source and sink against the machine's NATS server with JetStream (127.0.0.1:4222): the
//! compliance harness through JetStream both ways (a durable consumer whose acknowledgements wait
//! for Kafka; publishes acknowledged by the stream), core NATS subscriptions, headers both ways, a
//! batch larger than JetStream's acknowledgement window, and bad configurations named by key.

mod common;

use std::time::Duration;

use async_nats::jetstream::{self, Context};
use common::{Published, TextMessages, WAIT, expect_failure_naming};
use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, SinkCase, SourceCase, SourceSystem, Validation, check_sink, check_source,
};
use kconnect_test_kit::{ProducedRecord, TestWorker, consume_records, create_topic, produce_records};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

const SERVER: &str = "nats://127.0.0.1:4222";

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// JetStream on the machine's server.
async fn jetstream() -> Context {
    jetstream::new(async_nats::connect(SERVER).await.expect("NATS on 127.0.0.1:4222"))
}

/// Deletes and creates stream `name` capturing `subjects`.
async fn fresh_stream(js: &Context, name: &str, subjects: &[&str]) -> jetstream::stream::Stream {
    let _ = js.delete_stream(name).await;
    js.create_stream(jetstream::stream::Config {
        name: name.into(),
        subjects: subjects.iter().map(|s| s.to_string()).collect(),
        ..Default::default()
    })
    .await
    .unwrap()
}

/// Every message of `stream`, as text, in order.
async fn stored(stream: &mut jetstream::stream::Stream) -> Vec<String> {
    let last = stream.info().await.unwrap().state.last_sequence;
    let mut messages = Vec::new();
    for sequence in 1..=last {
        if let Ok(message) = stream.get_raw_message(sequence).await {
            messages.push(String::from_utf8_lossy(&message.payload).into_owned());
        }
    }
    messages
}

const SOURCE_SUBJECT: &str = "kconnect.compliance.source";

/// Messages published to a JetStream stream; message `n` is `message-n`.
struct SourceStream(Context);

impl SourceSystem for SourceStream {
    async fn write(&mut self, numbers: std::ops::Range<usize>) {
        let mut acks = Vec::new();
        for n in numbers {
            acks.push(
                self.0
                    .publish(SOURCE_SUBJECT, format!("message-{n}").into())
                    .await
                    .unwrap(),
            );
        }
        for ack in acks {
            ack.await.unwrap();
        }
    }

    fn expected(&self, number: usize) -> Expected {
        Expected {
            key: Some(format!("\"{SOURCE_SUBJECT}\"")),
            value: format!("message-{number}"),
            headers: Vec::new(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nats_source_passes_through_jetstream() {
    let js = jetstream().await;
    fresh_stream(&js, "KCONNECT_COMPLIANCE", &["kconnect.compliance.>"]).await;
    let case = SourceCase {
        name: "nats-source".into(),
        config: config(&[
            ("connector.class", "io.kconnect.connect.nats.NatsSourceConnector"),
            ("nats.servers", SERVER),
            ("nats.stream", "KCONNECT_COMPLIANCE"),
            ("nats.subjects", "kconnect.compliance.>"),
            ("kafka.topic", "nats-compliance"),
            (
                "value.converter",
                "org.apache.kafka.connect.converters.ByteArrayConverter",
            ),
        ]),
        topic: "nats-compliance".into(),
        partitions: 1,
        validation: Validation {
            required: "kafka.topic",
            typed: "nats.max.ack.pending",
            one_of: None,
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_source(case, &mut SourceStream(js)).await.assert_passed();
}

/// The JetStream stream capturing the subject the sink publishes to (named as the Kafka topic).
struct SinkStream(jetstream::stream::Stream);

impl Published for SinkStream {
    async fn published(&mut self) -> Vec<String> {
        stored(&mut self.0).await
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_nats_sink_passes_through_jetstream() {
    let js = jetstream().await;
    let stream = fresh_stream(&js, "KCONNECT_SINK", &["nats-sink-compliance"]).await;
    let case = SinkCase {
        name: "nats-sink".into(),
        config: config(&[
            ("connector.class", "io.kconnect.connect.nats.NatsSinkConnector"),
            ("nats.servers", SERVER),
        ]),
        topic: "nats-sink-compliance".into(),
        validation: Validation {
            required: "topics",
            typed: "nats.connect.timeout.ms",
            one_of: None,
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_sink(case, &mut TextMessages(SinkStream(stream)))
        .await
        .assert_passed();
}

/// More records than a JetStream context lets await acknowledgement (5,000), in one batch: the sink
/// must not wait on an acknowledgement it has not started awaiting.
#[tokio::test(flavor = "multi_thread")]
async fn a_batch_larger_than_the_acknowledgement_window_is_published_whole_and_in_order() {
    const RECORDS: usize = 12_000;
    let js = jetstream().await;
    let mut stream = fresh_stream(&js, "KCONNECT_LARGE_BATCH", &["nats-large-batch"]).await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "nats-large-batch").await;
    let records = (0..RECORDS).map(|n| ProducedRecord {
        key: None,
        value: format!("record-{n}"),
        headers: Vec::new(),
    });
    // All in the topic first, so that the task's first batch is as large as a batch gets.
    produce_records(&worker.bootstrap, "nats-large-batch", None, records).await;
    worker
        .create(
            "nats-large-batch",
            json!({
                "connector.class": "NatsSink",
                "topics": "nats-large-batch",
                "nats.servers": SERVER,
                "value.converter": "org.apache.kafka.connect.storage.StringConverter",
            }),
        )
        .await;
    let deadline = std::time::Instant::now() + WAIT;
    while stream.info().await.unwrap().state.messages < RECORDS as u64 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let expected: Vec<String> = (0..RECORDS).map(|n| format!("record-{n}")).collect();
    assert_eq!(stored(&mut stream).await, expected, "{}", worker.process.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn core_nats_and_headers_both_ways() {
    let client = async_nats::connect(SERVER).await.unwrap();
    let js = jetstream::new(client.clone());
    let mut stream = fresh_stream(&js, "KCONNECT_HEADERS", &["kconnect.headers"]).await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "from-core-nats").await;
    create_topic(&worker.bootstrap, "to-nats").await;
    worker
        .create(
            "from-core-nats",
            json!({
                "connector.class": "NatsSource",
                "nats.subjects": "kconnect.core.*",
                "kafka.topic": "from-core-nats",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    worker.expect_running_tasks("from-core-nats", 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("tenant", "acme");
    client
        .publish_with_headers("kconnect.core.a", headers, "hello".into())
        .await
        .unwrap();
    client.flush().await.unwrap();
    let records = consume_records(&worker.bootstrap, "from-core-nats", 1, WAIT).await;
    assert_eq!(records.len(), 1, "{}", worker.process.log());
    assert_eq!(records[0].key.as_deref(), Some("kconnect.core.a"));
    assert_eq!(records[0].value, "hello");
    assert_eq!(records[0].headers.get("tenant").map(String::as_str), Some("acme"));

    let produced = ProducedRecord {
        key: None,
        value: "reading".into(),
        headers: vec![("trace".into(), "t-1".into())],
    };
    produce_records(&worker.bootstrap, "to-nats", None, [produced]).await;
    worker
        .create(
            "to-nats",
            json!({
                "connector.class": "NatsSink",
                "topics": "to-nats",
                "nats.subject": "kconnect.headers",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    let deadline = std::time::Instant::now() + WAIT;
    while stored(&mut stream).await.is_empty() && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let message = stream.get_raw_message(1).await.expect("the record in the stream");
    assert_eq!(&message.payload[..], b"reading");
    assert_eq!(message.headers.get("trace").map(|v| v.as_str()), Some("t-1"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_stream_or_an_unreachable_server_fails_the_task_naming_the_key() {
    let worker = TestWorker::start(false).await;
    for (name, key, extra) in [
        (
            "no-stream",
            "nats.stream",
            ("nats.stream", "KCONNECT_NO_SUCH_STREAM".to_string()),
        ),
        (
            "no-server",
            "nats.servers",
            (
                "nats.servers",
                format!("nats://127.0.0.1:{}", kconnect_test_kit::free_port()),
            ),
        ),
    ] {
        let mut config = json!({
            "connector.class": "NatsSource",
            "nats.subjects": "kconnect.nowhere",
            "kafka.topic": name,
        });
        config[extra.0] = extra.1.into();
        worker.create(name, config).await;
        expect_failure_naming(&worker, name, &[key]).await;
    }
}
