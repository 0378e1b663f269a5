//! What the object storage tests share: the S3 server `.ci/services` runs (moto on
//! 127.0.0.1:9000, `KCONNECT_S3_URL` moves it), buckets of their own, and reading objects back.

#![allow(dead_code)]

pub mod cut_proxy;

use std::sync::Arc;

use object_store::aws::AmazonS3Builder;
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::{Value, json};

/// The S3 server's endpoint.
pub fn s3_url() -> String {
    std::env::var("KCONNECT_S3_URL").unwrap_or_else(|_| "http://127.0.0.1:9000".into())
}

/// Creates `bucket` afresh (emptied if a run before left it).
pub async fn fresh_bucket(bucket: &str) -> Arc<dyn ObjectStore> {
    let url = format!("{}/{bucket}", s3_url());
    let http = reqwest::Client::new();
    let answer = http.put(&url).send().await.expect("the S3 server (run .ci/services)");
    assert!(
        answer.status().is_success() || answer.status() == 409,
        "{:?}",
        answer.text().await
    );
    let store = client(bucket);
    for name in names(store.as_ref(), "").await {
        store.delete(&Path::from(name)).await.unwrap();
    }
    store
}

/// A client of `bucket`.
pub fn client(bucket: &str) -> Arc<dyn ObjectStore> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    Arc::new(
        AmazonS3Builder::new()
            .with_endpoint(s3_url())
            .with_allow_http(true)
            .with_bucket_name(bucket)
            .with_region("us-east-1")
            .with_access_key_id("test")
            .with_secret_access_key("test")
            .build()
            .unwrap(),
    )
}

/// The object names under `prefix`, sorted.
pub async fn names(store: &dyn ObjectStore, prefix: &str) -> Vec<String> {
    use futures::TryStreamExt;
    let prefix = (!prefix.is_empty()).then(|| Path::from(prefix));
    let mut names: Vec<String> = store
        .list(prefix.as_ref())
        .map_ok(|meta| meta.location.to_string())
        .try_collect()
        .await
        .unwrap();
    names.sort();
    names
}

/// An object's bytes.
pub async fn read(store: &dyn ObjectStore, name: &str) -> Vec<u8> {
    store
        .get(&Path::from(name))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// The S3 sink's configuration for `bucket`, with `extra` keys.
pub fn s3_sink(bucket: &str, topics: &str, extra: Value) -> Value {
    let mut config = json!({
        "connector.class": "io.confluent.connect.s3.S3SinkConnector",
        "topics": topics,
        "s3.bucket.name": bucket,
        "s3.region": "us-east-1",
        "store.url": s3_url(),
        "aws.access.key.id": "test",
        "aws.secret.access.key": "test",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
    });
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    config
}

/// The S3 source restoring what the sink wrote to `bucket` (RESTORE_BACKUP) into topics named
/// `<topic>-restored`, values as schemaless JSON, with `extra` keys.
pub fn s3_restore(bucket: &str, extra: Value) -> Value {
    let mut config = json!({
        "connector.class": "io.confluent.connect.s3.source.S3SourceConnector",
        "s3.bucket.name": bucket,
        "s3.region": "us-east-1",
        "store.url": s3_url(),
        "aws.access.key.id": "test",
        "aws.secret.access.key": "test",
        "format.class": "io.confluent.connect.s3.format.json.JsonFormat",
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
        "poll.interval.ms": "1000",
        "transforms": "rename",
        "transforms.rename.type": "org.apache.kafka.connect.transforms.RegexRouter",
        "transforms.rename.regex": "(.*)",
        "transforms.rename.replacement": "$1-restored",
    });
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    config
}

/// Waits (up to `timeout`) until `count` objects are under `prefix`, then a moment more for any
/// extra, and returns their names.
pub async fn wait_for_objects(
    store: &dyn ObjectStore,
    prefix: &str,
    count: usize,
    timeout: std::time::Duration,
) -> Vec<String> {
    let deadline = std::time::Instant::now() + timeout;
    while names(store, prefix).await.len() < count && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(1)).await;
    names(store, prefix).await
}

/// Runs the Python `script` of the tests' venv on local copies of `objects` (their paths as
/// arguments); each line it prints is a JSON value.
pub async fn python_read(store: &dyn ObjectStore, objects: &[String], script: &str) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut paths = Vec::new();
    for (n, object) in objects.iter().enumerate() {
        let path = dir.path().join(n.to_string());
        std::fs::write(&path, read(store, object).await).unwrap();
        paths.push(path);
    }
    let output = std::process::Command::new(kconnect_test_kit::venv_python())
        .arg("-c")
        .arg(script)
        .args(&paths)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect()
}

/// Topic `orders`, filled with `records` (JsonConverter envelopes), written by the S3 sink with
/// `format_class` and `extra` keys into a fresh `bucket`: the worker, the store, and the object
/// names once `count` objects are there.
pub async fn sink_orders(
    bucket: &str,
    records: &[String],
    format_class: &str,
    extra: Value,
    count: usize,
) -> (kconnect_test_kit::TestWorker, Arc<dyn ObjectStore>, Vec<String>) {
    let store = fresh_bucket(bucket).await;
    let worker = kconnect_test_kit::TestWorker::start(true).await;
    kconnect_test_kit::create_topic(&worker.bootstrap, "orders").await;
    kconnect_test_kit::produce_values(&worker.bootstrap, "orders", records.iter().cloned()).await;
    let mut keys = json!({"format.class": format_class, "value.converter.schemas.enable": "true"});
    for (key, value) in extra.as_object().unwrap() {
        keys[key] = value.clone();
    }
    worker.create("sink", s3_sink(bucket, "orders", keys)).await;
    let objects = wait_for_objects(store.as_ref(), "topics", count, std::time::Duration::from_secs(60)).await;
    (worker, store, objects)
}

/// Restores `bucket` (written in `format_class`) into `orders-restored` and checks that every
/// record comes back as the payload of the envelope written, types and all.
pub async fn assert_restored_as_written(
    worker: &kconnect_test_kit::TestWorker,
    bucket: &str,
    format_class: &str,
    records: &[String],
) {
    kconnect_test_kit::create_topic(&worker.bootstrap, "orders-restored").await;
    worker
        .create("restore", s3_restore(bucket, json!({"format.class": format_class})))
        .await;
    let timeout = std::time::Duration::from_secs(60);
    let restored: Vec<Value> =
        kconnect_test_kit::consume_values(&worker.bootstrap, "orders-restored", records.len(), timeout)
            .await
            .iter()
            .map(|value| serde_json::from_str(value).unwrap())
            .collect();
    let written: Vec<Value> = records
        .iter()
        .map(|record| serde_json::from_str::<Value>(record).unwrap()["payload"].clone())
        .collect();
    assert_eq!(restored, written);
}

/// The names of the JsonFormat objects the DefaultPartitioner makes of `records` records in each
/// of the `partitions` partitions of `topic`, `flush_size` records to an object, sorted.
pub fn json_objects(topic: &str, partitions: i32, records: usize, flush_size: usize) -> Vec<String> {
    let mut names: Vec<String> = (0..partitions)
        .flat_map(|p| {
            (0..records / flush_size)
                .map(move |k| format!("topics/{topic}/partition={p}/{topic}+{p}+{:010}.json", k * flush_size))
        })
        .collect();
    names.sort();
    names
}

/// Waits (up to three minutes) for the `expected` objects, then checks that the bucket holds
/// exactly them, each holding its `flush_size` records `{"p": <partition>, "n": <offset>, …}` in
/// offset order: every record in exactly one object. `context` explains a failure.
pub async fn assert_each_record_once(
    store: &dyn ObjectStore,
    expected: &[String],
    flush_size: usize,
    context: impl Fn() -> String,
) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
    while names(store, "topics").await.len() < expected.len() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    tokio::time::sleep(std::time::Duration::from_secs(2)).await;
    assert_eq!(names(store, "topics").await, expected, "{}", context());
    for name in expected {
        let text = String::from_utf8(read(store, name).await).unwrap();
        let file = name.rsplit('/').next().unwrap().trim_end_matches(".json");
        let mut parts = file.split('+').skip(1);
        let partition: i32 = parts.next().unwrap().parse().unwrap();
        let start: usize = parts.next().unwrap().parse().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), flush_size, "{name}");
        for (j, line) in lines.iter().enumerate() {
            let record: Value = serde_json::from_str(line).unwrap();
            assert_eq!(record["p"], partition, "{name} line {j}");
            assert_eq!(record["n"], start + j, "{name} line {j}");
        }
    }
}

/// The value of record `n` of `partition`, as [`assert_each_record_once`] checks it.
pub fn numbered(partition: i32, n: usize) -> String {
    json!({"p": partition, "n": n}).to_string()
}

/// Produces the [`numbered`] records `range` to each of the `partitions` partitions of `topic`.
pub async fn produce_numbered(bootstrap: &str, topic: &str, partitions: i32, range: std::ops::Range<usize>) {
    for partition in 0..partitions {
        let values = range.clone().map(|n| numbered(partition, n));
        kconnect_test_kit::produce_to_partition(bootstrap, topic, partition, values).await;
    }
}
