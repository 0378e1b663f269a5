//! Transactions on the embedded broker, through librdkafka's transactional producer and
//! `read_committed` consumers: committed records appear once committed, aborted ones never, and a
//! transaction left open by a producer that died is aborted by its successor — also across a
//! restart of the broker.

use std::time::Duration;

use kconnect_broker::{BrokerOptions, EmbeddedBroker, StorageKind};
use kconnect_test_kit::{
    broker_options, create_topic_with_partitions, produce_to_partition, read_partition, start_with,
};
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseRecord, DefaultProducerContext, Producer, ThreadedProducer};

const TOPIC: &str = "payments";
const TIMEOUT: Duration = Duration::from_secs(30);

type TxnProducer = ThreadedProducer<DefaultProducerContext>;

/// A transactional producer with `transactional.id` `id`, initialised (which aborts what an
/// earlier producer of that id left open).
fn transactional(bootstrap: &str, id: &str) -> TxnProducer {
    let producer: TxnProducer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("transactional.id", id)
        .create()
        .expect("producer");
    producer.init_transactions(TIMEOUT).expect("init transactions");
    producer
}

/// Sends `values` to partition `partition` of the topic in the producer's current transaction.
fn send(producer: &TxnProducer, partition: i32, values: &[&str]) {
    for value in values {
        producer
            .send(BaseRecord::<(), str>::to(TOPIC).partition(partition).payload(*value))
            .expect("send");
    }
    producer.flush(TIMEOUT).expect("flush");
}

/// One transaction of `values` to partition 0, committed or aborted.
fn transaction(producer: &TxnProducer, values: &[&str], commit: bool) {
    producer.begin_transaction().expect("begin");
    send(producer, 0, values);
    match commit {
        true => producer.commit_transaction(TIMEOUT).expect("commit"),
        false => producer.abort_transaction(TIMEOUT).expect("abort"),
    }
}

/// Every value of `partition` a consumer of `isolation` reads: until `expected` arrived, then
/// two more seconds to see that nothing more does.
fn read(bootstrap: &str, partition: i32, isolation: &str, expected: usize) -> Vec<String> {
    let records = read_partition(bootstrap, TOPIC, partition, isolation, expected, TIMEOUT);
    records.into_iter().map(|record| record.value).collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|v| v.to_string()).collect()
}

async fn broker_with_topic(dir: &std::path::Path, storage: StorageKind) -> EmbeddedBroker {
    let broker = start_with(BrokerOptions {
        storage,
        ..broker_options(dir)
    })
    .await;
    create_topic_with_partitions(&broker.bootstrap_servers(), TOPIC, 2).await;
    broker
}

async fn committed_and_aborted(storage: StorageKind) {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker_with_topic(dir.path(), storage).await;
    let bootstrap = broker.bootstrap_servers();
    let (everything, committed) = tokio::task::spawn_blocking(move || {
        let producer = transactional(&bootstrap, "payments-1");
        transaction(&producer, &["a1", "a2"], true);
        transaction(&producer, &["b1", "b2", "b3"], false);
        transaction(&producer, &["c1"], true);
        (
            read(&bootstrap, 0, "read_uncommitted", 6),
            read(&bootstrap, 0, "read_committed", 3),
        )
    })
    .await
    .unwrap();
    assert_eq!(everything, strings(&["a1", "a2", "b1", "b2", "b3", "c1"]));
    assert_eq!(committed, strings(&["a1", "a2", "c1"]));
}

#[tokio::test(flavor = "multi_thread")]
async fn read_committed_sees_committed_transactions_and_never_aborted_ones() {
    committed_and_aborted(StorageKind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn read_committed_sees_committed_transactions_and_never_aborted_ones_in_memory() {
    committed_and_aborted(StorageKind::Memory).await;
}

async fn open_transaction_held_back(storage: StorageKind) {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker_with_topic(dir.path(), storage).await;
    let bootstrap = broker.bootstrap_servers();
    produce_to_partition(&bootstrap, TOPIC, 0, ["plain-1".to_string()]).await;
    tokio::task::spawn_blocking(move || {
        let producer = transactional(&bootstrap, "payments-2");
        producer.begin_transaction().expect("begin");
        send(&producer, 0, &["d1", "d2"]);
        assert_eq!(
            read(&bootstrap, 0, "read_uncommitted", 3),
            strings(&["plain-1", "d1", "d2"])
        );
        assert_eq!(read(&bootstrap, 0, "read_committed", 1), strings(&["plain-1"]));
        producer.commit_transaction(TIMEOUT).expect("commit");
        assert_eq!(
            read(&bootstrap, 0, "read_committed", 3),
            strings(&["plain-1", "d1", "d2"])
        );
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_transaction_is_read_committed_only_once_committed() {
    open_transaction_held_back(StorageKind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn an_open_transaction_is_read_committed_only_once_committed_in_memory() {
    open_transaction_held_back(StorageKind::Memory).await;
}

/// A producer that dies inside its third transaction (records written to both partitions, never
/// committed), after one committed and one aborted.
fn die_in_a_transaction(bootstrap: &str) {
    let producer = transactional(bootstrap, "payments-3");
    transaction(&producer, &["e1"], true);
    transaction(&producer, &["f1"], false);
    producer.begin_transaction().expect("begin");
    send(&producer, 0, &["g1", "g2"]);
    send(&producer, 1, &["g3"]);
    // Dropped without a commit or an abort, as a killed process would leave it.
}

/// What a successor of the dead producer sees after committing `h1`: partition 0 and 1 read
/// committed, and partition 0 read uncommitted.
fn successor_commits(bootstrap: &str) -> (Vec<String>, Vec<String>, Vec<String>) {
    let successor = transactional(bootstrap, "payments-3");
    transaction(&successor, &["h1"], true);
    (
        read(bootstrap, 0, "read_committed", 2),
        read(bootstrap, 1, "read_committed", 0),
        read(bootstrap, 0, "read_uncommitted", 5),
    )
}

fn assert_dead_transaction_aborted((committed, committed_1, everything): (Vec<String>, Vec<String>, Vec<String>)) {
    assert_eq!(everything, strings(&["e1", "f1", "g1", "g2", "h1"]));
    assert_eq!(committed, strings(&["e1", "h1"]));
    assert_eq!(committed_1, Vec::<String>::new());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_dead_producers_open_transaction_is_aborted_by_its_successor() {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker_with_topic(dir.path(), StorageKind::Memory).await;
    let bootstrap = broker.bootstrap_servers();
    let seen = tokio::task::spawn_blocking(move || {
        die_in_a_transaction(&bootstrap);
        successor_commits(&bootstrap)
    })
    .await
    .unwrap();
    assert_dead_transaction_aborted(seen);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_transaction_open_when_the_broker_died_is_aborted_by_the_producers_successor() {
    let dir = tempfile::tempdir().unwrap();
    let options = broker_options(dir.path());
    let broker = broker_with_topic(dir.path(), StorageKind::Sqlite).await;
    let bootstrap = broker.bootstrap_servers();
    tokio::task::spawn_blocking(move || die_in_a_transaction(&bootstrap))
        .await
        .unwrap();
    // The broker goes down with the transaction open and comes back on its data.
    // (As the compliance harness does, give its SQLite connections a moment to close.)
    broker.stop();
    tokio::time::sleep(Duration::from_secs(1)).await;
    let broker = start_with(options).await;
    let bootstrap = broker.bootstrap_servers();
    let seen = tokio::task::spawn_blocking(move || successor_commits(&bootstrap))
        .await
        .unwrap();
    assert_dead_transaction_aborted(seen);
}

async fn zombie_fenced(storage: StorageKind) {
    let dir = tempfile::tempdir().unwrap();
    let broker = broker_with_topic(dir.path(), storage).await;
    let bootstrap = broker.bootstrap_servers();
    tokio::task::spawn_blocking(move || {
        let zombie = transactional(&bootstrap, "payments-4");
        zombie.begin_transaction().expect("begin");
        send(&zombie, 0, &["z1"]);
        let successor = transactional(&bootstrap, "payments-4");
        // The zombie goes on as if nothing happened: its writes and its commit are refused.
        let _ = zombie.send(BaseRecord::<(), str>::to(TOPIC).partition(0).payload("z2"));
        let _ = zombie.flush(TIMEOUT);
        assert!(
            zombie.commit_transaction(TIMEOUT).is_err(),
            "a fenced producer committed"
        );
        transaction(&successor, &["s1"], true);
        assert_eq!(read(&bootstrap, 0, "read_committed", 1), strings(&["s1"]));
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fenced_producer_can_neither_write_nor_commit() {
    zombie_fenced(StorageKind::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_fenced_producer_can_neither_write_nor_commit_in_memory() {
    zombie_fenced(StorageKind::Memory).await;
}
