//! `kconnect mirror` (MirrorMaker 2's dedicated mode) between two `kconnect broker` processes:
//! Apache's connect-mirror-maker.properties format, a flow A->B that copies a topic with its keys
//! and headers, and the heartbeats of the reverse pair.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconnect_test_kit::{
    BrokerProcess, ProducedRecord, WorkerProcess, consume_records, create_topic_with_partitions, free_port,
    produce_records,
};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

fn records() -> Vec<ProducedRecord> {
    (0..50)
        .map(|n| ProducedRecord {
            key: Some(format!("key-{n}")),
            value: format!("value-{n}"),
            headers: vec![("origin".into(), format!("A-{n}"))],
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_flow_copies_a_topic_and_the_reverse_pair_beats() {
    let dir = tempfile::tempdir().unwrap();
    let a = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("a"), "memory");
    let b = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("b"), "memory");
    create_topic_with_partitions(&a.bootstrap, "orders", 2).await;
    produce_records(&a.bootstrap, "orders", None, records()).await;

    let file = dir.path().join("mm2.properties");
    std::fs::write(
        &file,
        format!(
            "clusters = A, B\nA.bootstrap.servers = {}\nB.bootstrap.servers = {}\n\
             A->B.enabled = true\nA->B.topics = orders\n\
             replication.factor = 1\ncheckpoints.topic.replication.factor = 1\n\
             heartbeats.topic.replication.factor = 1\noffset-syncs.topic.replication.factor = 1\n\
             offset.storage.replication.factor = 1\nstatus.storage.replication.factor = 1\n\
             config.storage.replication.factor = 1\nsource.consumer.fetch.max.wait.ms = 50\n",
            a.bootstrap, b.bootstrap
        ),
    )
    .unwrap();
    let log = dir.path().join("mirror.log");
    let mirror = WorkerProcess::spawn(Path::new(BIN), &[PathBuf::from("mirror"), file], &log);

    let mut copied = consume_records(&b.bootstrap, "A.orders", 50, Duration::from_secs(90)).await;
    assert_eq!(copied.len(), 50, "{}", mirror.log());
    copied.sort_by_key(|r| r.value.clone());
    let mut want = records();
    want.sort_by_key(|r| r.value.clone());
    for (got, want) in copied.iter().zip(&want) {
        assert_eq!((&got.key, &got.value), (&want.key, &want.value));
        assert_eq!(got.headers["origin"], want.headers[0].1);
    }
    let beats = consume_records(&a.bootstrap, "heartbeats", 1, Duration::from_secs(60)).await;
    assert_eq!(
        beats.len(),
        1,
        "the B->A pair emits heartbeats into A: {}",
        mirror.log()
    );
}
