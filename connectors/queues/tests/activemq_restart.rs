//! The ActiveMQ source and sink through a broker restart in the middle of a stream: both
//! reconnect, nothing is lost either way, and only messages in flight at the restart come again.
//! The test runs a broker of its own (Debian's ActiveMQ, KahaDB in a directory of its own) and
//! kills it (SIGKILL), so that the machine's broker serves the other tests undisturbed.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::activemq::{drain, own_broker, send_texts};
use common::{WAIT, assert_each_arrived, consume_each, numbered, start_restart_pair};
use kconnect_test_kit::{TestWorker, create_topic, produce_values};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

async fn send(port: u16, queue: &'static str, bodies: Vec<String>) {
    tokio::task::spawn_blocking(move || send_texts(port, queue, &bodies))
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_activemq_restart_loses_no_message_either_way() {
    let (source_queue, sink_queue) = ("kconnect.restart.source", "kconnect.restart.sink");
    let mut broker = own_broker().await;
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "restart-in").await;
    create_topic(&worker.bootstrap, "restart-out").await;
    let source = json!({
        "connector.class": "ActiveMQSourceConnector",
        "jms.destination.name": source_queue,
        "kafka.topic": "restart-out",
        "value.converter": "org.apache.kafka.connect.storage.StringConverter",
        "transforms": "text",
        "transforms.text.type": "org.apache.kafka.connect.transforms.ExtractField$Value",
        "transforms.text.field": "text",
    });
    let sink = json!({
        "connector.class": "ActiveMqSinkConnector",
        "topics": "restart-in",
        "jms.destination.name": sink_queue,
    });
    let url = format!("stomp://127.0.0.1:{}", broker.port);
    let shared = [
        ("activemq.url", url.as_str()),
        ("value.converter", "org.apache.kafka.connect.storage.StringConverter"),
    ];
    start_restart_pair(&worker, source, sink, &shared).await;

    send(broker.port, source_queue, numbered(0..300)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(0..300)).await;
    broker.restart().await;
    send(broker.port, source_queue, numbered(300..600)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(300..600)).await;

    let expected: BTreeSet<String> = numbered(0..600).into_iter().collect();
    let arrived = consume_each(&worker.bootstrap, "restart-out", &expected).await;
    let texts: Vec<String> = arrived.into_iter().map(|record| record.value).collect();
    assert_each_arrived("source", &texts, &expected, 300, &worker.process.log());

    let port = broker.port;
    let mut taken = Vec::new();
    let deadline = std::time::Instant::now() + WAIT;
    while taken.iter().collect::<BTreeSet<_>>().len() < 600 && std::time::Instant::now() < deadline {
        taken.extend(
            tokio::task::spawn_blocking(move || drain(port, sink_queue))
                .await
                .unwrap(),
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_each_arrived("sink", &taken, &expected, 300, &worker.process.log());
}
