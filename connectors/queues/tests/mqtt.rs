//! The MQTT source and sink against the machine's Mosquitto (127.0.0.1:1883): the compliance
//! harness (QoS 1 with a persistent session, so nothing published while the worker is down or
//! killed is lost), messages from and to paho-mqtt (Eclipse's Python client), tasks sharing topic
//! filters, and bad configurations named by key.

mod common;

use std::time::Duration;

use common::mqtt::Client;
use common::{Published, PythonJob, TextMessages, WAIT, expect_failure_naming, python};
use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, SinkCase, SourceCase, SourceSystem, Validation, check_sink, check_source,
};
use kconnect_test_kit::{ProducedRecord, TestWorker, consume_records, create_topic, produce_records};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

const SOURCE_TOPIC: &str = "kconnect/compliance/source";

/// Messages published to one MQTT topic; message `n` is `message-n`.
struct SourceTopic(Client);

impl SourceSystem for SourceTopic {
    async fn write(&mut self, numbers: std::ops::Range<usize>) {
        self.0
            .publish(SOURCE_TOPIC, numbers.map(|n| format!("message-{n}")))
            .await;
    }

    fn expected(&self, number: usize) -> Expected {
        Expected {
            key: Some(format!("\"{SOURCE_TOPIC}\"")),
            value: format!("message-{number}"),
            headers: vec![("mqtt.qos".into(), "1".into())],
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mqtt_source_passes() {
    Client::prepare_session("mqtt-source-0", "kconnect/compliance/+").await;
    let case = SourceCase {
        name: "mqtt-source".into(),
        config: config(&[
            ("connector.class", "io.confluent.connect.mqtt.MqttSourceConnector"),
            ("mqtt.server.uri", "tcp://127.0.0.1:1883"),
            ("mqtt.topics", "kconnect/compliance/+"),
            ("mqtt.qos", "1"),
            ("mqtt.clean.session.enabled", "false"),
            ("kafka.topic", "mqtt-compliance"),
            (
                "value.converter",
                "org.apache.kafka.connect.converters.ByteArrayConverter",
            ),
        ]),
        topic: "mqtt-compliance".into(),
        partitions: 1,
        validation: Validation {
            required: "mqtt.server.uri",
            typed: "mqtt.qos",
            one_of: None,
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    let mut system = SourceTopic(Client::connect("kconnect-test-publisher", true).await);
    check_source(case, &mut system).await.assert_passed();
}

/// A subscriber to the MQTT topic the sink publishes to (named as the Kafka topic).
struct SinkTopic(Client);

impl Published for SinkTopic {
    async fn published(&mut self) -> Vec<String> {
        self.0.received()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mqtt_sink_passes() {
    let subscriber = Client::connect("kconnect-test-subscriber", true).await;
    subscriber.subscribe("mqtt-sink-compliance").await;
    let case = SinkCase {
        name: "mqtt-sink".into(),
        config: config(&[
            ("connector.class", "io.confluent.connect.mqtt.MqttSinkConnector"),
            ("mqtt.server.uri", "tcp://127.0.0.1:1883"),
            ("mqtt.qos", "1"),
        ]),
        topic: "mqtt-sink-compliance".into(),
        validation: Validation {
            required: "mqtt.server.uri",
            typed: "mqtt.qos",
            one_of: None,
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_sink(case, &mut TextMessages(SinkTopic(subscriber)))
        .await
        .assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn messages_from_paho_arrive_and_records_reach_a_paho_subscriber() {
    Client::prepare_session("from-paho-0", "kconnect/paho/#").await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "from-paho").await;
    create_topic(&worker.bootstrap, "to-paho").await;
    worker
        .create(
            "from-paho",
            json!({
                "connector.class": "MqttSourceConnector",
                "mqtt.server.uri": "tcp://127.0.0.1:1883",
                "mqtt.topics": "kconnect/paho/#",
                "mqtt.qos": "1",
                "mqtt.clean.session.enabled": "false",
                "kafka.topic": "from-paho",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    worker.expect_running_tasks("from-paho", 1).await;
    python(
        r#"
import paho.mqtt.publish as publish
publish.multiple([
    {"topic": "kconnect/paho/a", "payload": "first", "qos": 1},
    {"topic": "kconnect/paho/b/c", "payload": "second", "qos": 1},
    {"topic": "kconnect/paho/a", "payload": "third", "qos": 0},
], hostname="127.0.0.1", client_id="kconnect-paho-publisher")
"#,
    );
    let records = consume_records(&worker.bootstrap, "from-paho", 3, WAIT).await;
    let seen: Vec<(Option<&str>, &str, Option<&str>)> = records
        .iter()
        .map(|r| {
            (
                r.key.as_deref(),
                r.value.as_str(),
                r.headers.get("mqtt.qos").map(String::as_str),
            )
        })
        .collect();
    assert_eq!(
        seen,
        [
            (Some("kconnect/paho/a"), "first", Some("1")),
            (Some("kconnect/paho/b/c"), "second", Some("1")),
            (Some("kconnect/paho/a"), "third", Some("0")),
        ],
        "{}",
        worker.process.log()
    );

    let records = (0..3).map(|n| ProducedRecord {
        key: None,
        value: format!("reading-{n}"),
        headers: Vec::new(),
    });
    produce_records(&worker.bootstrap, "to-paho", None, records).await;
    let subscriber = PythonJob::start(
        r#"
import json, paho.mqtt.subscribe as subscribe
messages = subscribe.simple("to-paho", qos=1, msg_count=3, hostname="127.0.0.1", client_id="kconnect-paho-subscriber")
print(json.dumps([{"payload": m.payload.decode(), "qos": m.qos, "retain": m.retain} for m in messages]))
"#,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    worker
        .create(
            "to-paho",
            json!({
                "connector.class": "io.confluent.connect.mqtt.MqttSinkConnector",
                "topics": "to-paho",
                "mqtt.server.uri": "tcp://127.0.0.1:1883",
                "mqtt.qos": "1",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    let got = subscriber.json().await;
    assert_eq!(
        got,
        json!([
            {"payload": "reading-0", "qos": 1, "retain": false},
            {"payload": "reading-1", "qos": 1, "retain": false},
            {"payload": "reading-2", "qos": 1, "retain": false},
        ])
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn topic_filters_are_shared_out_to_tasks_and_bad_configurations_name_their_key() {
    // The filters are dealt out in turn: the first task's client subscribes to the first.
    Client::prepare_session("spread-0", "kconnect/spread/one").await;
    Client::prepare_session("spread-1", "kconnect/spread/two").await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "spread").await;
    worker
        .create(
            "spread",
            json!({
                "connector.class": "MqttSource",
                "tasks.max": "2",
                "mqtt.server.uri": "tcp://127.0.0.1:1883",
                "mqtt.topics": "kconnect/spread/one,kconnect/spread/two",
                "mqtt.qos": "1",
                "mqtt.clean.session.enabled": "false",
                "kafka.topic": "spread",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    worker.expect_running_tasks("spread", 2).await;
    let publisher = Client::connect("kconnect-spread-publisher", true).await;
    publisher.publish("kconnect/spread/one", ["1".to_string()]).await;
    publisher.publish("kconnect/spread/two", ["2".to_string()]).await;
    let mut values: Vec<String> = consume_records(&worker.bootstrap, "spread", 2, WAIT)
        .await
        .into_iter()
        .map(|r| r.value)
        .collect();
    values.sort();
    assert_eq!(values, ["1", "2"], "each task its own filter, no message twice");

    let (status, answer, _) = worker
        .rest
        .call(
            reqwest::Method::PUT,
            "/connector-plugins/MqttSourceConnector/config/validate",
            Some(
                &json!({
                    "connector.class": "MqttSourceConnector",
                    "mqtt.server.uri": "ws://127.0.0.1:8000",
                    "mqtt.protocol.version": "3",
                    "mqtt.topics": "a",
                    "kafka.topic": "k",
                })
                .to_string(),
            ),
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(answer["error_count"], 2, "{answer}");
    worker
        .create(
            "nowhere",
            json!({
                "connector.class": "MqttSource",
                "mqtt.server.uri": format!("tcp://127.0.0.1:{}", kconnect_test_kit::free_port()),
                "mqtt.topics": "a",
                "kafka.topic": "nowhere",
            }),
        )
        .await;
    expect_failure_naming(&worker, "nowhere", &["mqtt.server.uri", "127.0.0.1:"]).await;
}
