//! The ActiveMQ source and sink against the machine's ActiveMQ Classic over STOMP
//! (127.0.0.1:61613, started by `.ci/services`): the compliance harness both ways, messages from
//! stomp.py arriving as Confluent's JMS records (text, bytes, headers, properties), and bad
//! configurations named by key.

mod common;

use common::activemq::{PORT, URL, drain, send_texts};
use common::{Published, TextMessages, WAIT, expect_failure_naming, python};
use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, SinkCase, SourceCase, SourceSystem, Validation, check_sink, check_source,
};
use kconnect_test_kit::{TestWorker, consume_records, create_topic};
use serde_json::{Value, json};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

/// TextMessages sent to a queue; message `n` is `message-n`. The connector's transformations keep
/// the text as the value and put it in the key, so that records compare without the broker's
/// message ids and times.
struct SourceQueue(&'static str);

impl SourceSystem for SourceQueue {
    async fn write(&mut self, numbers: std::ops::Range<usize>) {
        let bodies: Vec<String> = numbers.map(|n| format!("message-{n}")).collect();
        let queue = self.0;
        tokio::task::spawn_blocking(move || send_texts(PORT, queue, &bodies))
            .await
            .unwrap();
    }

    fn expected(&self, number: usize) -> Expected {
        Expected {
            key: Some(json!({"text": format!("message-{number}")}).to_string()),
            value: format!("\"message-{number}\""),
            headers: Vec::new(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_activemq_source_passes_with_stomp_py_messages() {
    let queue = "kconnect.compliance.source";
    tokio::task::spawn_blocking(move || drain(PORT, queue)).await.unwrap();
    let case = SourceCase {
        name: "activemq-source".into(),
        config: config(&[
            (
                "connector.class",
                "io.confluent.connect.activemq.ActiveMQSourceConnector",
            ),
            ("activemq.url", URL),
            ("jms.destination.name", queue),
            ("kafka.topic", "activemq-compliance"),
            ("transforms", "key,text"),
            ("transforms.key.type", "org.apache.kafka.connect.transforms.ValueToKey"),
            ("transforms.key.fields", "text"),
            (
                "transforms.text.type",
                "org.apache.kafka.connect.transforms.ExtractField$Value",
            ),
            ("transforms.text.field", "text"),
        ]),
        topic: "activemq-compliance".into(),
        partitions: 1,
        validation: Validation {
            required: "jms.destination.name",
            typed: "batch.size",
            one_of: Some("jms.destination.type"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_source(case, &mut SourceQueue(queue)).await.assert_passed();
}

/// The queue the sink sends to, drained by stomp.py; everything taken so far, in order.
struct SinkQueue {
    queue: &'static str,
    taken: Vec<String>,
}

impl Published for SinkQueue {
    async fn published(&mut self) -> Vec<String> {
        let queue = self.queue;
        let more = tokio::task::spawn_blocking(move || drain(PORT, queue)).await.unwrap();
        self.taken.extend(more);
        self.taken.clone()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_activemq_sink_passes_with_receipts() {
    let queue = "kconnect.compliance.sink";
    tokio::task::spawn_blocking(move || drain(PORT, queue)).await.unwrap();
    let case = SinkCase {
        name: "activemq-sink".into(),
        config: config(&[
            ("connector.class", "io.confluent.connect.jms.ActiveMqSinkConnector"),
            ("activemq.url", URL),
            ("jms.destination.name", queue),
        ]),
        topic: "activemq-sink-compliance".into(),
        validation: Validation {
            required: "jms.destination.name",
            typed: "jms.forward.kafka.key",
            one_of: Some("jms.message.format"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    let mut system = TextMessages(SinkQueue {
        queue,
        taken: Vec::new(),
    });
    check_sink(case, &mut system).await.assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn text_and_bytes_messages_become_confluents_jms_records() {
    let queue = "kconnect.jms.shape";
    tokio::task::spawn_blocking(move || drain(PORT, queue)).await.unwrap();
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "jms-shape").await;
    worker
        .create(
            "jms-shape",
            json!({
                "connector.class": "ActiveMQSourceConnector",
                "activemq.url": URL,
                "jms.destination.name": queue,
                "kafka.topic": "jms-shape",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable": "false",
            }),
        )
        .await;
    worker.expect_running_tasks("jms-shape", 1).await;
    python(&format!(
        r#"
import stomp
c = stomp.Connection([("127.0.0.1", 61613)], auto_content_length=False)
c.connect(wait=True)
c.send("/queue/{queue}", "hello", headers={{"persistent": "true", "color": "red", "correlation-id": "c-1",
       "reply-to": "/topic/answers", "priority": "7", "type": "greeting"}})
c.send("/queue/{queue}", b"\x00\x01\x02", headers={{"content-length": "3"}})
c.disconnect()
"#
    ));
    let records = consume_records(&worker.bootstrap, "jms-shape", 2, WAIT).await;
    assert_eq!(records.len(), 2, "{}", worker.process.log());
    let text: Value = serde_json::from_str(&records[0].value).unwrap();
    assert_eq!(text["messageType"], "text");
    assert_eq!(text["text"], "hello");
    assert_eq!(text["bytes"], Value::Null);
    assert_eq!(text["deliveryMode"], 2);
    assert_eq!(text["priority"], 7);
    assert_eq!(text["type"], "greeting");
    assert_eq!(text["correlationID"], "c-1");
    assert_eq!(text["replyTo"], json!({"destinationType": "topic", "name": "answers"}));
    assert_eq!(text["destination"], json!({"destinationType": "queue", "name": queue}));
    assert_eq!(text["redelivered"], false);
    assert_eq!(text["properties"]["color"]["propertyType"], "string");
    assert_eq!(text["properties"]["color"]["string"], "red");
    assert!(text["messageID"].as_str().unwrap().starts_with("ID:"), "{text}");
    let key: Value = serde_json::from_str(records[0].key.as_deref().unwrap()).unwrap();
    assert_eq!(key["messageID"], text["messageID"]);
    let bytes: Value = serde_json::from_str(&records[1].value).unwrap();
    assert_eq!(bytes["messageType"], "bytes");
    assert_eq!(bytes["bytes"], "AAEC", "base64 of the body");
    assert_eq!(bytes["text"], Value::Null);
    assert_eq!(bytes["deliveryMode"], 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_openwire_port_or_a_bad_selector_fails_the_task_naming_the_key() {
    let worker = TestWorker::start(false).await;
    let closed = format!("tcp://127.0.0.1:{}", kconnect_test_kit::free_port());
    for (name, key, extra) in [
        ("no-broker", "activemq.url", ("activemq.url", closed.as_str())),
        (
            "bad-selector",
            "jms.message.selector",
            ("jms.message.selector", "color = = 'red'"),
        ),
    ] {
        let mut config = json!({
            "connector.class": "ActiveMQSourceConnector",
            "activemq.url": URL,
            "jms.destination.name": "kconnect.nowhere",
            "kafka.topic": name,
        });
        config[extra.0] = extra.1.into();
        worker.create(name, config).await;
        expect_failure_naming(&worker, name, &[key]).await;
    }
}
