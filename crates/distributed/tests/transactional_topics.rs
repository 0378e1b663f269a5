//! Internal topics written in transactions, as Apache's exactly-once workers write them: a worker
//! reads what was committed, skips what was aborted, and reads to the end although the end is a
//! transaction marker that delivers no record; a leader whose config topic writer a newer leader
//! fenced writes nothing more.

use std::time::Duration;

use kconnect_distributed::kafka_log::{KafkaLog, LogClient, LogError, TopicSpec};
use kconnect_distributed::leader_writer::LeaderWriter;
use kconnect_distributed::offset_store::KafkaOffsetStore;
use kconnect_storage::OffsetStore;
use kconnect_test_kit::{create_topic, start_broker};
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

const TOPIC: &str = "connect-offsets";
const CONFIG_TOPIC: &str = "connect-configs";
const TIMEOUT: Duration = Duration::from_secs(30);

/// One transaction writing `records` (key, value), committed or aborted.
fn transaction(producer: &ThreadedProducer<DefaultProducerContext>, records: &[(&str, &str)], commit: bool) {
    producer.begin_transaction().expect("begin");
    for (key, value) in records {
        producer
            .send(BaseRecord::to(TOPIC).key(*key).payload(*value))
            .expect("send");
    }
    producer.flush(TIMEOUT).expect("flush");
    match commit {
        true => producer.commit_transaction(TIMEOUT).expect("commit"),
        false => producer.abort_transaction(TIMEOUT).expect("abort"),
    }
}

/// How a worker's internal topics are reached on the broker at `bootstrap`.
fn log_client(bootstrap: &str) -> LogClient {
    let mut common = ClientConfig::new();
    common.set("bootstrap.servers", bootstrap);
    LogClient {
        common,
        consumer: Vec::new(),
    }
}

/// Internal topic `name` with one partition.
fn one_partition(name: &str) -> TopicSpec {
    TopicSpec {
        name: name.to_string(),
        partitions: 1,
        replication: -1,
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn an_offsets_topic_written_in_transactions_is_read_committed_to_its_end() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let bootstrap = broker.bootstrap_servers();
    create_topic(&bootstrap, TOPIC).await;
    let writer = bootstrap.clone();
    tokio::task::spawn_blocking(move || {
        let producer: ThreadedProducer<DefaultProducerContext> = ClientConfig::new()
            .set("bootstrap.servers", &writer)
            .set("transactional.id", "apache-worker-source-0")
            .create()
            .expect("producer");
        producer.init_transactions(TIMEOUT).expect("init");
        transaction(&producer, &[("k1", "v1")], true);
        transaction(&producer, &[("k1", "aborted"), ("k2", "aborted")], false);
        transaction(&producer, &[("k3", "v3")], true);
    })
    .await
    .unwrap();
    let client = log_client(&bootstrap);
    let spec = one_partition(TOPIC);
    let started = std::time::Instant::now();
    let store = KafkaOffsetStore::start(&client, spec).await.expect("read to the end");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(store.get(b"k1"), Some(b"v1".to_vec()));
    assert_eq!(store.get(b"k2"), None);
    assert_eq!(store.get(b"k3"), Some(b"v3".to_vec()));
}

/// `writer`'s write of one config record keyed `key`, if it holds the write privileges.
async fn write(writer: &LeaderWriter, key: &str) -> Option<Result<(), LogError>> {
    writer
        .write_if_claimed(&[(key.as_bytes().to_vec(), Some(b"{}".to_vec()))])
        .await
}

/// What a worker reading `topic` from the start finds: each record's key and value as text.
async fn read_log(client: &LogClient, topic: &str) -> Vec<(String, String)> {
    let read = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let spec = one_partition(topic);
    let sink = read.clone();
    let log = KafkaLog::start(client, spec, move |record| {
        let text = |bytes: Option<Vec<u8>>| String::from_utf8_lossy(&bytes.unwrap_or_default()).into_owned();
        sink.lock().unwrap().push((text(record.key), text(record.value)));
    })
    .await
    .expect("log");
    log.read_to_end(TIMEOUT).await.expect("read to the end");
    read.lock().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_leader_fenced_by_a_newer_one_writes_nothing_more_to_the_config_topic() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let bootstrap = broker.bootstrap_servers();
    create_topic(&bootstrap, CONFIG_TOPIC).await;
    let client = log_client(&bootstrap);
    let old = LeaderWriter::new(&client, CONFIG_TOPIC, "connect-cluster", "worker-1");
    let new = LeaderWriter::new(&client, CONFIG_TOPIC, "connect-cluster", "worker-2");
    old.claim().await.expect("the first leader claims");
    let first = write(&old, "first-leader").await;
    assert!(matches!(first, Some(Ok(()))), "the first leader writes: {first:?}");
    new.claim().await.expect("the second leader claims");
    let refused = write(&old, "zombie").await;
    assert!(
        matches!(refused, Some(Err(_))),
        "a fenced leader's write is refused: {refused:?}"
    );
    assert!(
        write(&old, "zombie").await.is_none(),
        "a refused leader holds no privileges"
    );
    let second = write(&new, "second-leader").await;
    assert!(matches!(second, Some(Ok(()))), "the second leader writes: {second:?}");
    let keys: Vec<String> = read_log(&client, CONFIG_TOPIC)
        .await
        .into_iter()
        .map(|(key, _)| key)
        .collect();
    assert_eq!(keys, ["first-leader", "second-leader"]);
}
