//! The RabbitMQ source and sink against the machine's RabbitMQ (127.0.0.1:5672, guest/guest): the
//! compliance harness, messages from and to pika (RabbitMQ's Python client) with their properties
//! and headers, and a RabbitMQ restart in the middle of a stream.

use std::collections::BTreeSet;

use futures::StreamExt;
use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, SinkCase, SourceCase, SourceSystem, Validation, check_sink, check_source,
};
use kconnect_test_kit::{ProducedRecord, TestWorker, consume_records, create_topic, produce_records, produce_values};
use lapin::Channel;
use lapin::options::{BasicAckOptions, BasicConsumeOptions};
use lapin::types::FieldTable;
use serde_json::{Value, json};

mod common;

use common::rabbitmq::{channel, drain, fresh_queue, publish};
use common::{Published, TextMessages, WAIT, expect_failure_naming, python};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// A queue the source consumes; message `n` is `message-n`.
struct SourceQueue {
    channel: Channel,
    queue: String,
}

impl SourceSystem for SourceQueue {
    async fn write(&mut self, numbers: std::ops::Range<usize>) {
        publish(&self.channel, &self.queue, numbers.map(|n| format!("message-{n}"))).await;
    }

    fn expected(&self, number: usize) -> Expected {
        Expected {
            key: Some(format!("\"{}\"", self.queue)),
            value: format!("message-{number}"),
            headers: vec![("rabbitmq.routing.key".into(), self.queue.clone())],
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rabbitmq_source_passes() {
    let queue = "kconnect-compliance-source";
    let channel = channel().await;
    fresh_queue(&channel, queue).await;
    let case = SourceCase {
        name: "rabbitmq-source".into(),
        config: config(&[
            (
                "connector.class",
                "io.confluent.connect.rabbitmq.RabbitMQSourceConnector",
            ),
            ("rabbitmq.queue", queue),
            ("kafka.topic", "rabbitmq-compliance"),
            (
                "value.converter",
                "org.apache.kafka.connect.converters.ByteArrayConverter",
            ),
        ]),
        topic: "rabbitmq-compliance".into(),
        partitions: 1,
        validation: Validation {
            required: "kafka.topic",
            typed: "rabbitmq.prefetch.count",
            one_of: None,
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    let mut system = SourceQueue {
        channel,
        queue: queue.into(),
    };
    check_source(case, &mut system).await.assert_passed();
}

/// The queue the sink publishes to, read as it fills (reading takes the messages, so they are
/// kept here).
struct SinkQueue {
    channel: Channel,
    queue: String,
    seen: Vec<String>,
}

impl Published for SinkQueue {
    async fn published(&mut self) -> Vec<String> {
        let more = drain(&self.channel, &self.queue).await;
        self.seen.extend(more);
        self.seen.clone()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_rabbitmq_sink_passes() {
    let queue = "kconnect-compliance-sink";
    let channel = channel().await;
    fresh_queue(&channel, queue).await;
    let case = SinkCase {
        name: "rabbitmq-sink".into(),
        config: config(&[
            (
                "connector.class",
                "io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector",
            ),
            ("rabbitmq.exchange", ""),
            ("rabbitmq.routing.key", queue),
        ]),
        topic: "rabbitmq-sink-compliance".into(),
        validation: Validation {
            required: "rabbitmq.routing.key",
            typed: "rabbitmq.port",
            one_of: Some("rabbitmq.delivery.mode"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    let mut system = TextMessages(SinkQueue {
        channel,
        queue: queue.into(),
        seen: Vec::new(),
    });
    check_sink(case, &mut system).await.assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_published_by_pika_arrive_with_their_properties() {
    let queue = "kconnect-pika-source";
    fresh_queue(&channel().await, queue).await;
    python(&format!(
        r#"
import pika
connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
channel = connection.channel()
channel.confirm_delivery()
for n in range(3):
    properties = pika.BasicProperties(content_type="text/plain", delivery_mode=2, message_id=f"id-{{n}}",
        correlation_id="corr", timestamp=1700000000 + n, headers={{"tenant": "acme", "attempt": n}})
    channel.basic_publish(exchange="", routing_key="{queue}", body=f"body-{{n}}".encode(), properties=properties)
connection.close()
"#
    ));
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "from-pika").await;
    worker
        .create(
            "from-pika",
            json!({
                "connector.class": "RabbitMQSourceConnector",
                "rabbitmq.queue": queue,
                "kafka.topic": "from-pika",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    let records = consume_records(&worker.bootstrap, "from-pika", 3, WAIT).await;
    assert_eq!(records.len(), 3, "{}", worker.process.log());
    for (n, record) in records.iter().enumerate() {
        assert_eq!(record.value, format!("body-{n}"));
        assert_eq!(record.key.as_deref(), Some(queue));
        let header = |name: &str| record.headers.get(&format!("rabbitmq.{name}")).cloned();
        assert_eq!(header("message.id"), Some(format!("id-{n}")));
        assert_eq!(header("correlation.id").as_deref(), Some("corr"));
        assert_eq!(header("content.type").as_deref(), Some("text/plain"));
        assert_eq!(header("delivery.mode").as_deref(), Some("2"));
        assert_eq!(header("timestamp"), Some((1_700_000_000 + n).to_string()));
        assert_eq!(header("tenant").as_deref(), Some("acme"));
        assert_eq!(header("attempt"), Some(n.to_string()));
        assert_eq!(header("redelivered").as_deref(), Some("false"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn records_reach_a_pika_consumer_with_key_metadata_and_headers() {
    let queue = "kconnect-pika-sink";
    fresh_queue(&channel().await, queue).await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "to-pika").await;
    let records = (0..3).map(|n| ProducedRecord {
        key: Some(format!("key-{n}")),
        value: format!("value-{n}"),
        headers: vec![("trace".into(), format!("t-{n}"))],
    });
    produce_records(&worker.bootstrap, "to-pika", None, records).await;
    worker
        .create(
            "to-pika",
            json!({
                "connector.class": "io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector",
                "topics": "to-pika",
                "rabbitmq.exchange": "",
                "rabbitmq.routing.key": queue,
                "rabbitmq.forward.kafka.key": "true",
                "rabbitmq.forward.kafka.metadata": "true",
                "rabbitmq.forward.kafka.headers": "true",
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    let printed = python(&format!(
        r#"
import json, time, pika
connection = pika.BlockingConnection(pika.ConnectionParameters("127.0.0.1"))
channel = connection.channel()
got, deadline = [], time.time() + 60
while len(got) < 3 and time.time() < deadline:
    method, properties, body = channel.basic_get("{queue}", auto_ack=True)
    if method is None:
        time.sleep(0.2)
        continue
    headers = {{k: (v.decode() if isinstance(v, bytes) else v) for k, v in (properties.headers or {{}}).items()}}
    got.append({{"body": body.decode(), "correlation_id": properties.correlation_id,
        "delivery_mode": properties.delivery_mode, "headers": headers}})
print(json.dumps(got))
"#
    ));
    let got: Value = serde_json::from_str(printed.trim()).unwrap();
    let got = got.as_array().unwrap();
    assert_eq!(got.len(), 3, "{printed}\n{}", worker.process.log());
    for (n, message) in got.iter().enumerate() {
        assert_eq!(message["body"], format!("value-{n}"));
        assert_eq!(message["correlation_id"], format!("key-{n}"));
        assert_eq!(message["delivery_mode"], 2);
        let headers = &message["headers"];
        assert_eq!(headers["KAFKA_TOPIC"], "to-pika");
        assert_eq!(headers["KAFKA_PARTITION"], 0);
        assert_eq!(headers["KAFKA_OFFSET"], n);
        assert_eq!(headers["trace"], format!("t-{n}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unreachable_server_or_a_missing_queue_fails_the_task_naming_the_key() {
    let worker = TestWorker::start(false).await;
    worker
        .create(
            "nowhere",
            json!({
                "connector.class": "RabbitMQSource",
                "rabbitmq.queue": "q",
                "rabbitmq.port": kconnect_test_kit::free_port().to_string(),
                "kafka.topic": "nowhere",
            }),
        )
        .await;
    expect_failure_naming(&worker, "nowhere", &["rabbitmq.host", "localhost:"]).await;
    worker
        .create(
            "no-queue",
            json!({
                "connector.class": "RabbitMQSource",
                "rabbitmq.queue": "kconnect-no-such-queue",
                "kafka.topic": "no-queue",
            }),
        )
        .await;
    expect_failure_naming(&worker, "no-queue", &["rabbitmq.queue", "kconnect-no-such-queue"]).await;
}

/// Consumes with lapin's own consumer as a user would, to see the sink's messages are persistent.
#[tokio::test(flavor = "multi_thread")]
async fn published_messages_are_persistent_by_default_and_transient_when_asked() {
    let queue = "kconnect-delivery-mode";
    let channel = channel().await;
    fresh_queue(&channel, queue).await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "modes").await;
    produce_values(&worker.bootstrap, "modes", ["a".to_string()]).await;
    for (name, mode) in [("persistent", None), ("transient", Some("TRANSIENT"))] {
        let mut config = json!({
            "connector.class": "RabbitMQSink",
            "topics": "modes",
            "rabbitmq.exchange": "",
            "rabbitmq.routing.key": queue,
        });
        if let Some(mode) = mode {
            config["rabbitmq.delivery.mode"] = mode.into();
        }
        worker.create(name, config).await;
    }
    let mut consumer = channel
        .basic_consume(
            queue.into(),
            "".into(),
            BasicConsumeOptions::default(),
            FieldTable::default(),
        )
        .await
        .unwrap();
    let mut modes = BTreeSet::new();
    while modes.len() < 2 {
        let delivery = tokio::time::timeout(WAIT, consumer.next())
            .await
            .expect("two messages")
            .unwrap()
            .unwrap();
        assert_eq!(delivery.data, b"a");
        modes.insert(delivery.properties.delivery_mode().unwrap());
        delivery.ack(BasicAckOptions::default()).await.unwrap();
    }
    assert_eq!(modes, BTreeSet::from([1, 2]));
}
