//! The MQTT source and sink through a Mosquitto restart in the middle of a stream (persistence on,
//! as Debian configures it): both reconnect, the source's persistent session is resumed, and
//! nothing is lost either way. Alone in its test binary, since the restart drops every other
//! test's connections.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::mqtt::Client;
use common::{WAIT, assert_each_arrived, consume_each, numbered, start_restart_pair};
use kconnect_test_kit::{TestWorker, create_topic, produce_values};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

/// Stops Mosquitto (it saves its sessions and queued messages) and starts it again as the
/// machine starts it.
async fn restart_mosquitto() {
    let stopped = std::process::Command::new("pkill")
        .args(["-x", "mosquitto"])
        .status()
        .unwrap();
    assert!(stopped.success(), "pkill mosquitto");
    for _ in 0..50 {
        let running = std::process::Command::new("pgrep")
            .args(["-x", "mosquitto"])
            .output()
            .unwrap();
        if !running.status.success() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    let started = std::process::Command::new("mosquitto")
        .args(["-d", "-c", "/etc/mosquitto/mosquitto.conf"])
        .status()
        .unwrap();
    assert!(started.success(), "mosquitto -d");
    for _ in 0..50 {
        if std::net::TcpStream::connect("127.0.0.1:1883").is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("Mosquitto did not come back");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_mosquitto_restart_loses_no_message_either_way() {
    Client::prepare_session("restart-source-0", "kconnect/restart/in").await;
    let subscriber = Client::connect("kconnect-restart-subscriber", false).await;
    subscriber.subscribe("restart-in").await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "restart-in").await;
    create_topic(&worker.bootstrap, "restart-out").await;
    let source = json!({
        "connector.class": "MqttSource",
        "mqtt.topics": "kconnect/restart/in",
        "kafka.topic": "restart-out",
    });
    let sink = json!({"connector.class": "MqttSink", "topics": "restart-in"});
    let shared = [
        ("mqtt.server.uri", "tcp://127.0.0.1:1883"),
        ("mqtt.qos", "1"),
        ("mqtt.clean.session.enabled", "false"),
        (
            "value.converter",
            "org.apache.kafka.connect.converters.ByteArrayConverter",
        ),
    ];
    start_restart_pair(&worker, source, sink, &shared).await;

    let publisher = Client::connect("kconnect-restart-publisher", true).await;
    publisher.publish("kconnect/restart/in", numbered(0..150)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(0..150)).await;
    restart_mosquitto().await;
    let publisher = Client::connect("kconnect-restart-publisher-2", true).await;
    publisher.publish("kconnect/restart/in", numbered(150..300)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(150..300)).await;

    let expected: BTreeSet<String> = numbered(0..300).into_iter().collect();
    let arrived = consume_each(&worker.bootstrap, "restart-out", &expected).await;
    let values: Vec<String> = arrived.into_iter().map(|r| r.value).collect();
    assert_each_arrived("source", &values, &expected, 150, &worker.process.log());

    let deadline = std::time::Instant::now() + WAIT;
    while subscriber.received().iter().collect::<BTreeSet<_>>().len() < 300 && std::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_each_arrived("sink", &subscriber.received(), &expected, 150, &worker.process.log());
}
