//! The RabbitMQ source and sink through a RabbitMQ restart (`rabbitmqctl stop_app`, `start_app`)
//! in the middle of a stream: both reconnect, nothing is lost either way, and only messages in
//! flight at the restart come again. Alone in its test binary, since the restart drops every
//! other test's connections.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::rabbitmq::{AMQP, channel, drain, fresh_queue, publish};
use common::{WAIT, consume_each};
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
    let recovery = [
        ("rabbitmq.network.recovery.interval.ms", "500"),
        (
            "value.converter",
            "org.apache.kafka.connect.converters.ByteArrayConverter",
        ),
    ];
    let mut source = json!({
        "connector.class": "RabbitMQSource",
        "rabbitmq.queue": source_queue,
        "kafka.topic": "restart-out",
    });
    let mut sink = json!({
        "connector.class": "RabbitMQSink",
        "topics": "restart-in",
        "rabbitmq.exchange": "",
        "rabbitmq.routing.key": sink_queue,
    });
    for (key, value) in recovery {
        source[key] = value.into();
        sink[key] = value.into();
    }
    worker.create("restart-source", source).await;
    worker.create("restart-sink", sink).await;
    worker.expect_running_tasks("restart-source", 1).await;
    worker.expect_running_tasks("restart-sink", 1).await;

    let numbered = |range: std::ops::Range<usize>| range.map(|n| format!("m-{n}")).collect::<Vec<_>>();
    publish(&channel, source_queue, numbered(0..300)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(0..300)).await;
    restart_rabbitmq().await;
    let channel = self::channel().await;
    publish(&channel, source_queue, numbered(300..600)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(300..600)).await;

    let expected: BTreeSet<String> = numbered(0..600).into_iter().collect();
    let arrived = consume_each(&worker.bootstrap, "restart-out", &expected).await;
    let distinct: BTreeSet<String> = arrived.iter().map(|r| r.value.clone()).collect();
    assert_eq!(distinct, expected, "source lost messages\n{}", worker.process.log());
    let duplicates = arrived.len() - distinct.len();
    eprintln!("source: {duplicates} duplicates after the restart");
    assert!(duplicates <= 300, "only messages in flight at the restart come again");

    let mut published = Vec::new();
    let deadline = std::time::Instant::now() + WAIT;
    while published.iter().collect::<BTreeSet<_>>().len() < 600 && std::time::Instant::now() < deadline {
        published.extend(drain(&channel, sink_queue).await);
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let distinct: BTreeSet<String> = published.iter().cloned().collect();
    assert_eq!(distinct, expected, "sink lost records\n{}", worker.process.log());
    eprintln!(
        "sink: {} duplicates after the restart",
        published.len() - distinct.len()
    );
}
