//! The Redis source and sink through a Redis restart in the middle of a stream: both reconnect,
//! nothing is lost either way, and only entries in flight at the restart come again. The
//! machine's Redis keeps nothing on disk, so the test runs its own `redis-server` with an
//! append-only file synced at every write, on a port of its own, and kills it (SIGKILL).

mod common;

use std::collections::BTreeSet;
use std::process::Command;
use std::time::Duration;

use common::own_server::OwnServer;
use common::{WAIT, assert_each_arrived, consume_each, numbered, start_restart_pair};
use kconnect_test_kit::{TestWorker, create_topic, produce_values};
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use serde_json::{Value, json};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

/// A `redis-server` keeping every write in its append-only file.
async fn durable_redis() -> OwnServer {
    OwnServer::start(|dir, port| {
        let mut command = Command::new("redis-server");
        command
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", ""])
            .args(["--appendonly", "yes", "--appendfsync", "always", "--dir"])
            .arg(dir);
        command
    })
    .await
}

async fn connection(server: &OwnServer) -> MultiplexedConnection {
    let client = redis::Client::open(format!("redis://127.0.0.1:{}", server.port)).unwrap();
    client.get_multiplexed_async_connection().await.unwrap()
}

async fn add_entries(redis: &mut MultiplexedConnection, stream: &str, values: Vec<String>) {
    for value in values {
        let _: String = redis.xadd(stream, "*", &[("n", value)]).await.unwrap();
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_redis_restart_loses_no_entry_either_way() {
    let mut server = durable_redis().await;
    let uri = format!("redis://127.0.0.1:{}", server.port);
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "restart-in").await;
    create_topic(&worker.bootstrap, "restart-out").await;
    let source = json!({
        "connector.class": "RedisStreamSourceConnector",
        "redis.stream.name": "restart-source",
        "topic": "restart-out",
    });
    let sink = json!({
        "connector.class": "RedisSinkConnector",
        "topics": "restart-in",
        "redis.key": "restart-sink",
    });
    let shared = [
        ("redis.uri", uri),
        ("value.converter", "org.apache.kafka.connect.json.JsonConverter".into()),
        ("value.converter.schemas.enable", "false".into()),
    ];
    let shared: Vec<(&str, &str)> = shared.iter().map(|(k, v)| (*k, v.as_str())).collect();
    start_restart_pair(&worker, source, sink, &shared).await;

    let records = |range| numbered(range).into_iter().map(|n| json!({ "n": n }).to_string());
    let mut redis = connection(&server).await;
    add_entries(&mut redis, "restart-source", numbered(0..300)).await;
    produce_values(&worker.bootstrap, "restart-in", records(0..300)).await;
    server.restart().await;
    let mut redis = connection(&server).await;
    add_entries(&mut redis, "restart-source", numbered(300..600)).await;
    produce_values(&worker.bootstrap, "restart-in", records(300..600)).await;

    let expected: BTreeSet<String> = numbered(0..600).into_iter().collect();
    let arrived = consume_each(&worker.bootstrap, "restart-out", &expected).await;
    let values: Vec<String> = arrived
        .iter()
        .map(|record| {
            let value: Value = serde_json::from_str(&record.value).unwrap();
            value["body"]["n"].as_str().unwrap().to_string()
        })
        .collect();
    assert_each_arrived("source", &values, &expected, 300, &worker.process.log());

    let mut written = Vec::new();
    let deadline = std::time::Instant::now() + WAIT;
    while written.iter().collect::<BTreeSet<_>>().len() < 600 && std::time::Instant::now() < deadline {
        let entries: redis::streams::StreamRangeReply = redis.xrange_all("restart-sink").await.unwrap();
        written = entries
            .ids
            .iter()
            .filter_map(|entry| entry.get::<String>("n"))
            .collect();
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_each_arrived("sink", &written, &expected, 300, &worker.process.log());
}
