//! Internal topics written in transactions, as Apache's exactly-once workers write them: a worker
//! reads what was committed, skips what was aborted, and reads to the end although the end is a
//! transaction marker that delivers no record.

use std::time::Duration;

use kconnect_distributed::kafka_log::{LogClient, TopicSpec};
use kconnect_distributed::offset_store::KafkaOffsetStore;
use kconnect_storage::OffsetStore;
use kconnect_test_kit::{create_topic, start_broker};
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

const TOPIC: &str = "connect-offsets";
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
    let mut common = ClientConfig::new();
    common.set("bootstrap.servers", &bootstrap);
    let client = LogClient {
        common,
        consumer: Vec::new(),
    };
    let spec = TopicSpec {
        name: TOPIC.to_string(),
        partitions: 1,
        replication: -1,
    };
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
