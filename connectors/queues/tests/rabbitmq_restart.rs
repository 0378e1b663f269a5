//! The RabbitMQ source and sink through a RabbitMQ restart (`rabbitmqctl stop_app`, `start_app`)
//! in the middle of a stream: both reconnect, nothing is lost either way, and only messages in
//! flight at the restart come again. Alone in its test binary, since the restart drops every
//! other test's connections.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::rabbitmq::{AMQP, channel, drain, fresh_queue, publish};
use common::{WAIT, assert_each_arrived, consume_each, numbered, start_restart_pair};
use kconnect_test_kit::{TestWorker, create_topic, produce_values};
use lapin::{Connection, ConnectionProperties};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

/// Restarts the RabbitMQ application (connections drop; durable queues and persistent messages
/// stay), waiting until it answers again.
async fn restart_rabbitmq() {
    let rabbitmqctl = |verb: &str| {
        let status = std::process::Command::new("rabbitmqctl").arg(verb).output().unwrap();
        assert!(status.status.success(), "rabbitmqctl {verb}: {status:?}");
    };
    rabbitmqctl("stop_app");
    tokio::time::sleep(Duration::from_secs(2)).await;
    rabbitmqctl("start_app");
    for _ in 0..100 {
        if Connection::connect(AMQP, ConnectionProperties::default()).await.is_ok() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    panic!("RabbitMQ did not come back");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_rabbitmq_restart_loses_no_message_either_way() {
    let (source_queue, sink_queue) = ("kconnect-restart-source", "kconnect-restart-sink");
    let channel = channel().await;
    fresh_queue(&channel, source_queue).await;
    fresh_queue(&channel, sink_queue).await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "restart-in").await;
    create_topic(&worker.bootstrap, "restart-out").await;
    let source = json!({
        "connector.class": "RabbitMQSource",
        "rabbitmq.queue": source_queue,
        "kafka.topic": "restart-out",
    });
    let sink = json!({
        "connector.class": "RabbitMQSink",
        "topics": "restart-in",
        "rabbitmq.exchange": "",
        "rabbitmq.routing.key": sink_queue,
    });
    let shared = [
        ("rabbitmq.network.recovery.interval.ms", "500"),
        (
            "value.converter",
            "org.apache.kafka.connect.converters.ByteArrayConverter",
        ),
    ];
    start_restart_pair(&worker, source, sink, &shared).await;

    publish(&channel, source_queue, numbered(0..300)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(0..300)).await;
    restart_rabbitmq().await;
    let channel = self::channel().await;
    publish(&channel, source_queue, numbered(300..600)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(300..600)).await;

    let expected: BTreeSet<String> = numbered(0..600).into_iter().collect();
    let arrived = consume_each(&worker.bootstrap, "restart-out", &expected).await;
    let values: Vec<String> = arrived.into_iter().map(|r| r.value).collect();
    assert_each_arrived("source", &values, &expected, 300, &worker.process.log());

    let mut published = Vec::new();
    let deadline = std::time::Instant::now() + WAIT;
    while published.iter().collect::<BTreeSet<_>>().len() < 600 && std::time::Instant::now() < deadline {
        published.extend(drain(&channel, sink_queue).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_each_arrived("sink", &published, &expected, 300, &worker.process.log());
}
