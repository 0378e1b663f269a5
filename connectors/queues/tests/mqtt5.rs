//! The MQTT connectors speaking MQTT 5 (`mqtt.protocol.version=5`) with the machine's Mosquitto,
//! against paho-mqtt's MQTT 5 client: user properties and the content type of published messages
//! arrive as Kafka headers, a kept session holds what was published while the connector was
//! paused, and the sink sends a record's Kafka headers as user properties.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use common::{PythonJob, WAIT, python};
use kconnect_test_kit::{ProducedRecord, TestWorker, consume_records, create_topic, produce_records};
use reqwest::Method;
use serde_json::{Value, json};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

/// Publishes `payload` to `topic` at QoS 1 with paho-mqtt over MQTT 5, with user properties
/// `sensor=s-1`, `unit=C` and content type `text/plain`.
fn publish_v5(topic: &str, payload: &str) {
    python(&format!(
        r#"
import paho.mqtt.client as mqtt
from paho.mqtt.properties import Properties
from paho.mqtt.packettypes import PacketTypes
client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="kconnect-v5-publisher", protocol=mqtt.MQTTv5)
client.connect("127.0.0.1", 1883)
client.loop_start()
properties = Properties(PacketTypes.PUBLISH)
properties.UserProperty = [("sensor", "s-1"), ("unit", "C")]
properties.ContentType = "text/plain"
client.publish("{topic}", "{payload}", qos=1, properties=properties).wait_for_publish()
client.disconnect()
client.loop_stop()
"#
    ));
}

#[tokio::test(flavor = "multi_thread")]
async fn mqtt_5_properties_become_headers_and_a_kept_session_outlives_a_pause() {
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "from-v5").await;
    worker
        .create(
            "v5-source",
            json!({
                "connector.class": "MqttSourceConnector",
                "mqtt.server.uri": "tcp://127.0.0.1:1883",
                "mqtt.protocol.version": "5",
                "mqtt.topics": "kconnect/v5/#",
                "mqtt.qos": "1",
                "mqtt.clean.session.enabled": "false",
                "kafka.topic": "from-v5",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
            }),
        )
        .await;
    worker.expect_running_tasks("v5-source", 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    publish_v5("kconnect/v5/temperature", "21.5");
    let records = consume_records(&worker.bootstrap, "from-v5", 1, WAIT).await;
    assert_eq!(records.len(), 1, "{}", worker.process.log());
    let headers = &records[0].headers;
    let wanted = [
        ("sensor", "s-1"),
        ("unit", "C"),
        ("mqtt.content.type", "text/plain"),
        ("mqtt.qos", "1"),
    ];
    for (name, value) in wanted {
        assert_eq!(headers.get(name).map(String::as_str), Some(value), "{headers:?}");
    }
    assert_eq!(records[0].value, "21.5");
    assert_eq!(records[0].key.as_deref(), Some("kconnect/v5/temperature"));

    // Paused, the task is gone and its client disconnected; the broker keeps its session.
    let (status, _, _) = worker.rest.call(Method::PUT, "/connectors/v5-source/pause", None).await;
    assert_eq!(status, 202);
    worker.rest.wait_for_task_state("v5-source", "PAUSED", WAIT).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    publish_v5("kconnect/v5/temperature", "while-paused");
    let (status, _, _) = worker
        .rest
        .call(Method::PUT, "/connectors/v5-source/resume", None)
        .await;
    assert_eq!(status, 202);
    let records = consume_records(&worker.bootstrap, "from-v5", 2, WAIT).await;
    let values: Vec<&str> = records.iter().map(|r| r.value.as_str()).collect();
    assert_eq!(values, ["21.5", "while-paused"], "{}", worker.process.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn the_mqtt_5_sink_sends_kafka_headers_as_user_properties() {
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "to-v5").await;
    let records = (0..2).map(|n| ProducedRecord {
        key: None,
        value: format!("reading-{n}"),
        headers: vec![("trace".into(), format!("t-{n}"))],
    });
    produce_records(&worker.bootstrap, "to-v5", None, records).await;
    let subscriber = PythonJob::start(
        r#"
import json, threading, paho.mqtt.client as mqtt
got, done = [], threading.Event()
def on_connect(client, userdata, flags, reason, properties):
    client.subscribe("to-v5", qos=1)
def on_message(client, userdata, message):
    got.append({"payload": message.payload.decode(), "properties": getattr(message.properties, "UserProperty", [])})
    if len(got) == 2:
        done.set()
client = mqtt.Client(mqtt.CallbackAPIVersion.VERSION2, client_id="kconnect-v5-subscriber", protocol=mqtt.MQTTv5)
client.on_connect, client.on_message = on_connect, on_message
client.connect("127.0.0.1", 1883)
client.loop_start()
done.wait(60)
client.loop_stop()
print(json.dumps(got))
"#,
    );
    tokio::time::sleep(Duration::from_secs(1)).await;
    worker
        .create(
            "to-v5",
            json!({
                "connector.class": "MqttSinkConnector",
                "topics": "to-v5",
                "mqtt.server.uri": "tcp://127.0.0.1:1883",
                "mqtt.protocol.version": "5",
                "mqtt.qos": "1",
                "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
                "header.converter": "org.apache.kafka.connect.storage.StringConverter",
            }),
        )
        .await;
    let got = subscriber.json().await;
    let expected: Vec<BTreeMap<&str, Value>> = (0..2)
        .map(|n| {
            BTreeMap::from([
                ("payload", json!(format!("reading-{n}"))),
                ("properties", json!([["trace", format!("t-{n}")]])),
            ])
        })
        .collect();
    assert_eq!(got, json!(expected), "{}", worker.process.log());
}
