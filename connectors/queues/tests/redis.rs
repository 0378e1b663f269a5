//! The Redis stream source and the sink against the machine's Redis (127.0.0.1:6379): the
//! compliance harness both ways (a consumer group whose acknowledgements wait for Kafka; stream
//! entries written with XADD), the sink's other commands with tombstones, a command Redis lacks,
//! and bad configurations named by key.

mod common;

use std::time::Duration;

use common::{WAIT, expect_failure_naming};
use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, SinkCase, SinkSystem, SourceCase, SourceSystem, Validation, check_sink, check_source,
};
use kconnect_test_kit::{ProducedRecord, TestWorker, consume_records, create_topic, produce_records};
use redis::AsyncCommands;
use redis::aio::MultiplexedConnection;
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

const SERVER: &str = "redis://127.0.0.1:6379";

fn config(pairs: &[(&str, &str)]) -> ConfigMap {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

async fn redis() -> MultiplexedConnection {
    redis::Client::open(SERVER)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("Redis on 127.0.0.1:6379")
}

/// Entries XADDed to a stream with ids `<n + 1>-0`: entry `n` has one field, `message` =
/// `message-n`.
struct SourceStream {
    redis: MultiplexedConnection,
    stream: &'static str,
}

impl SourceSystem for SourceStream {
    async fn write(&mut self, numbers: std::ops::Range<usize>) {
        let mut pipeline = redis::pipe();
        for n in numbers {
            pipeline
                .cmd("XADD")
                .arg(self.stream)
                .arg(format!("{}-0", n + 1))
                .arg("message")
                .arg(format!("message-{n}"))
                .ignore();
        }
        let () = pipeline.query_async(&mut self.redis).await.unwrap();
    }

    fn expected(&self, number: usize) -> Expected {
        let id = format!("{}-0", number + 1);
        Expected {
            key: Some(format!("\"{id}\"")),
            value: json!({"id": id, "body": {"message": format!("message-{number}")}, "stream": self.stream})
                .to_string(),
            headers: Vec::new(),
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_redis_source_passes_through_a_consumer_group() {
    let mut redis = redis().await;
    let stream = "kconnect-compliance-stream";
    let _: () = redis.del(stream).await.unwrap();
    let case = SourceCase {
        name: "redis-source".into(),
        config: config(&[
            ("connector.class", "com.redis.kafka.connect.RedisStreamSourceConnector"),
            ("redis.uri", SERVER),
            ("redis.stream.name", stream),
            ("topic", "redis-${stream}"),
        ]),
        topic: format!("redis-{stream}"),
        partitions: 1,
        validation: Validation {
            required: "redis.stream.name",
            typed: "batch.size",
            one_of: Some("redis.stream.delivery"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_source(case, &mut SourceStream { redis, stream })
        .await
        .assert_passed();
}

/// The stream the sink XADDs to (named as the Kafka topic): record `n` is `{"value": "record-n"}`,
/// an entry whose `value` field is `record-n`; a record that is text, not fields, is refused.
struct SinkStream {
    redis: MultiplexedConnection,
    stream: &'static str,
}

impl SinkSystem for SinkStream {
    fn record(&self, number: usize) -> String {
        json!({"value": format!("record-{number}")}).to_string()
    }

    fn entry(&self, number: usize) -> String {
        format!("record-{number}")
    }

    fn rejected(&self) -> Option<String> {
        Some(r#""text, not fields""#.into())
    }

    async fn read(&mut self) -> Vec<String> {
        let entries: redis::streams::StreamRangeReply = self.redis.xrange_all(self.stream).await.unwrap();
        entries
            .ids
            .iter()
            .filter_map(|entry| entry.get::<String>("value"))
            .collect()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_redis_sink_passes_writing_stream_entries() {
    let mut redis = redis().await;
    let stream = "redis-sink-compliance";
    let _: () = redis.del(stream).await.unwrap();
    let case = SinkCase {
        name: "redis-sink".into(),
        config: config(&[
            ("connector.class", "com.redis.kafka.connect.RedisSinkConnector"),
            ("redis.uri", SERVER),
        ]),
        topic: stream.into(),
        validation: Validation {
            required: "topics",
            typed: "redis.multiexec",
            one_of: Some("redis.command"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_sink(case, &mut SinkStream { redis, stream })
        .await
        .assert_passed();
}

/// What a sink test produces: `(key, value)` with the value JSON text (`null` a tombstone).
fn records(pairs: &[(&str, &str)]) -> Vec<ProducedRecord> {
    pairs
        .iter()
        .map(|(key, value)| ProducedRecord {
            key: Some(key.to_string()),
            value: value.to_string(),
            headers: Vec::new(),
        })
        .collect()
}

/// Waits until `check` holds of what Redis has, or the wait is over.
async fn eventually<F, Fut>(what: &str, log: impl Fn() -> String, mut check: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let deadline = std::time::Instant::now() + WAIT;
    while !check().await {
        assert!(std::time::Instant::now() < deadline, "{what}\n{}", log());
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn strings_hashes_and_sets_follow_their_records_and_tombstones_delete() {
    let mut redis = redis().await;
    let _: () = redis
        .del(&["kv:a", "kv:b", "users:1", "users:2", "members", "scores"])
        .await
        .unwrap();
    let worker = TestWorker::start(false).await;
    for (topic, pairs) in [
        ("kv", vec![("a", r#""1""#), ("b", r#""2""#), ("a", "null")]),
        (
            "users",
            vec![
                ("1", r#"{"name":"ann","age":3}"#),
                ("2", r#"{"name":"bob"}"#),
                ("2", "null"),
            ],
        ),
        ("members", vec![("x", "1"), ("y", "1"), ("x", "null")]),
        ("scores", vec![("x", "1.5"), ("y", "2"), ("y", "null")]),
    ] {
        create_topic(&worker.bootstrap, topic).await;
        produce_records(&worker.bootstrap, topic, None, records(&pairs)).await;
    }
    let shared = json!({
        "connector.class": "RedisSinkConnector",
        "redis.uri": SERVER,
        "key.converter": "org.apache.kafka.connect.storage.StringConverter",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
    });
    for (topic, command, key) in [
        ("kv", "SET", "${topic}"),
        ("users", "HSET", "${topic}"),
        ("members", "SADD", "${topic}"),
        ("scores", "ZADD", "${topic}"),
    ] {
        let mut config = shared.clone();
        config["topics"] = topic.into();
        config["redis.command"] = command.into();
        config["redis.key"] = key.into();
        worker.create(&format!("to-{topic}"), config).await;
    }
    let log = || worker.process.log();
    eventually("SET, then DEL for the tombstone", log, || {
        let mut redis = redis.clone();
        async move {
            let (a, b): (Option<String>, Option<String>) = redis.mget(&["kv:a", "kv:b"]).await.unwrap();
            a.is_none() && b.as_deref() == Some("2")
        }
    })
    .await;
    eventually("HSET of the fields, then DEL for the tombstone", log, || {
        let mut redis = redis.clone();
        async move {
            let one: std::collections::BTreeMap<String, String> = redis.hgetall("users:1").await.unwrap();
            let two: bool = redis.exists("users:2").await.unwrap();
            let expected = [("age", "3"), ("name", "ann")].map(|(f, v)| (f.to_string(), v.to_string()));
            one == expected.into() && !two
        }
    })
    .await;
    eventually("SADD of the keys, then SREM for the tombstone", log, || {
        let mut redis = redis.clone();
        async move {
            let members: Vec<String> = redis.smembers("members").await.unwrap();
            members == ["y"]
        }
    })
    .await;
    eventually("ZADD with the values as scores, then ZREM", log, || {
        let mut redis = redis.clone();
        async move {
            let scores: Vec<(String, f64)> = redis.zrange_withscores("scores", 0, -1).await.unwrap();
            scores == [("x".to_string(), 1.5)]
        }
    })
    .await;
    let _: () = redis.del(&["kv:b", "users:1", "members", "scores"]).await.unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn entries_in_flight_before_a_kill_come_again_and_the_rest_once() {
    let mut redis = redis().await;
    let stream = "kconnect-pending";
    let _: () = redis.del(stream).await.unwrap();
    // A consumer that took two entries and died before acknowledging them.
    for n in 0..3 {
        let _: String = redis.xadd(stream, "*", &[("n", n)]).await.unwrap();
    }
    let _: () = redis::cmd("XGROUP")
        .arg(&["CREATE", stream, "kafka-consumer-group", "0"])
        .query_async(&mut redis)
        .await
        .unwrap();
    let _: redis::Value = redis::cmd("XREADGROUP")
        .arg(&[
            "GROUP",
            "kafka-consumer-group",
            "consumer-0",
            "COUNT",
            "2",
            "STREAMS",
            stream,
            ">",
        ])
        .query_async(&mut redis)
        .await
        .unwrap();
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "pending-out").await;
    worker
        .create(
            "pending",
            json!({
                "connector.class": "RedisStreamSourceConnector",
                "redis.uri": SERVER,
                "redis.stream.name": stream,
                "topic": "pending-out",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable": "false",
            }),
        )
        .await;
    let records = consume_records(&worker.bootstrap, "pending-out", 3, WAIT).await;
    let numbers: Vec<String> = records
        .iter()
        .map(|r| serde_json::from_str::<serde_json::Value>(&r.value).unwrap()["body"]["n"].to_string())
        .collect();
    assert_eq!(numbers, [r#""0""#, r#""1""#, r#""2""#], "{}", worker.process.log());
    // Kafka has them all: nothing stays pending.
    eventually(
        "every entry acknowledged",
        || worker.process.log(),
        || {
            let mut redis = redis.clone();
            async move {
                let pending: (i64, redis::Value, redis::Value, redis::Value) = redis::cmd("XPENDING")
                    .arg(stream)
                    .arg("kafka-consumer-group")
                    .query_async(&mut redis)
                    .await
                    .unwrap();
                pending.0 == 0
            }
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_command_redis_lacks_or_an_unreachable_server_fails_the_task_naming_the_key() {
    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "to-json").await;
    produce_records(&worker.bootstrap, "to-json", None, records(&[("k", r#"{"a":1}"#)])).await;
    worker
        .create(
            "to-json",
            json!({
                "connector.class": "RedisSinkConnector",
                "redis.uri": SERVER,
                "topics": "to-json",
                "redis.command": "JSONSET",
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
                "value.converter": "org.apache.kafka.connect.json.JsonConverter",
                "value.converter.schemas.enable": "false",
            }),
        )
        .await;
    expect_failure_naming(&worker, "to-json", &["redis.command", "JSON.SET"]).await;

    let port = kconnect_test_kit::free_port().to_string();
    worker
        .create(
            "no-server",
            json!({
                "connector.class": "RedisStreamSourceConnector",
                "redis.host": "127.0.0.1",
                "redis.port": port,
                "redis.stream.name": "nowhere",
            }),
        )
        .await;
    expect_failure_naming(&worker, "no-server", &["redis.host", &port]).await;
}
