//! The NATS source and sink through a NATS restart in the middle of a stream, both through
//! JetStream: both reconnect, the durable consumer resumes, nothing is lost either way, and only
//! messages in flight at the restart come again. The test runs a `nats-server` of its own
//! (JetStream on file storage in a directory of its own, a free port) and kills it (SIGKILL), so
//! that the machine's server serves the other tests undisturbed.

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use async_nats::jetstream::{self, Context};
use common::own_server::OwnServer;
use common::{WAIT, assert_each_arrived, consume_each, numbered, start_restart_pair};
use kconnect_test_kit::{TestWorker, create_topic, produce_values};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

/// A `nats-server` with JetStream keeping its streams on disk.
async fn durable_nats() -> OwnServer {
    OwnServer::start(|dir, port| {
        let mut command = Command::new("nats-server");
        command
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "-js", "-sd"])
            .arg(dir);
        command
    })
    .await
}

async fn jetstream(server: &OwnServer) -> Context {
    jetstream::new(async_nats::connect(url(server)).await.unwrap())
}

fn url(server: &OwnServer) -> String {
    format!("nats://127.0.0.1:{}", server.port)
}

async fn publish(js: &Context, subject: &'static str, values: Vec<String>) {
    let mut acks = Vec::new();
    for value in values {
        acks.push(js.publish(subject, value.into()).await.unwrap());
    }
    for ack in acks {
        ack.await.unwrap();
    }
}

/// Every message of `stream`, as text, in order.
async fn stored(js: &Context, name: &str) -> Vec<String> {
    let Ok(mut stream) = js.get_stream(name).await else {
        return Vec::new();
    };
    let last = stream.info().await.map_or(0, |info| info.state.last_sequence);
    let mut messages = Vec::new();
    for sequence in 1..=last {
        if let Ok(message) = stream.get_raw_message(sequence).await {
            messages.push(String::from_utf8_lossy(&message.payload).into_owned());
        }
    }
    messages
}

#[tokio::test(flavor = "multi_thread")]
async fn a_nats_restart_loses_no_message_either_way() {
    let mut server = durable_nats().await;
    let js = jetstream(&server).await;
    for (name, subject) in [("RESTART_SOURCE", "restart.source"), ("RESTART_SINK", "restart.sink")] {
        js.create_stream(jetstream::stream::Config {
            name: name.into(),
            subjects: vec![subject.into()],
            ..Default::default()
        })
        .await
        .unwrap();
    }
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "restart-in").await;
    create_topic(&worker.bootstrap, "restart-out").await;
    let source = json!({
        "connector.class": "NatsSource",
        "nats.stream": "RESTART_SOURCE",
        "nats.subjects": "restart.source",
        "kafka.topic": "restart-out",
    });
    let sink = json!({
        "connector.class": "NatsSink",
        "topics": "restart-in",
        "nats.subject": "restart.sink",
    });
    let url = url(&server);
    let shared = [
        ("nats.servers", url.as_str()),
        (
            "value.converter",
            "org.apache.kafka.connect.converters.ByteArrayConverter",
        ),
    ];
    start_restart_pair(&worker, source, sink, &shared).await;

    publish(&js, "restart.source", numbered(0..300)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(0..300)).await;
    server.restart().await;
    let js = jetstream(&server).await;
    publish(&js, "restart.source", numbered(300..600)).await;
    produce_values(&worker.bootstrap, "restart-in", numbered(300..600)).await;

    let expected: BTreeSet<String> = numbered(0..600).into_iter().collect();
    let arrived = consume_each(&worker.bootstrap, "restart-out", &expected).await;
    let values: Vec<String> = arrived.into_iter().map(|record| record.value).collect();
    assert_each_arrived("source", &values, &expected, 300, &worker.process.log());

    let mut published = Vec::new();
    let deadline = std::time::Instant::now() + WAIT;
    while published.iter().collect::<BTreeSet<_>>().len() < 600 && std::time::Instant::now() < deadline {
        published = stored(&js, "RESTART_SINK").await;
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_each_arrived("sink", &published, &expected, 300, &worker.process.log());
}
