//! Exactly-once source delivery (KIP-618) end to end: a `kconnect broker` process and a
//! `kconnect distributed` worker with `exactly.once.source.support=enabled` running a
//! FileStreamSource while lines are appended to its file. The worker is SIGKILLed three times
//! mid-stream and started again; a `read_committed` consumer reads every line exactly once, in
//! order: no line lost, none twice. A MirrorSourceConnector flow killed the same way copies each
//! record once, and when its tasks are reconfigured the leader fences the earlier ones out first.

use std::path::Path;
use std::time::{Duration, Instant};

use kconnect_test_kit::{
    BrokerProcess, ProducedRecord, RestApi, WorkerProcess, append_lines, consume_records, create_topic,
    create_topic_with_partitions, free_port, numbered_lines, produce_records, read_partition, worker_file,
};
use reqwest::Method;
use serde_json::json;

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const TOPIC: &str = "lines";
const LINES: usize = 4_000;
const CHUNK: usize = 40;
const WRITE_PAUSE: Duration = Duration::from_millis(250);
/// How long each run of the worker lasts before it is killed (each start waits out the killed
/// member's session first).
const RUNS: [Duration; 3] = [Duration::from_secs(10), Duration::from_secs(9), Duration::from_secs(11)];
const WORKER: &str = "exactly.once.source.support=enabled\nscheduled.rebalance.max.delay.ms=0\n\
                      session.timeout.ms=6000\nheartbeat.interval.ms=1000\n";

/// Every value of the topic's one partition a `read_committed` consumer reads: until `expected`
/// arrived and then two quiet seconds, or `timeout`.
fn read_committed(bootstrap: &str, expected: usize, timeout: Duration) -> Vec<String> {
    let records = read_partition(bootstrap, TOPIC, 0, "read_committed", expected, timeout);
    records.into_iter().map(|record| record.value).collect()
}

/// Starts an exactly-once distributed worker on `bootstrap` with its REST API on a free port; each
/// run `n` logs to `worker-<n>.log` in `dir`.
async fn start_worker(dir: &Path, bootstrap: &str) -> (WorkerProcess, RestApi, std::path::PathBuf) {
    let port = free_port();
    let config = worker_file(dir, "worker", bootstrap, port, true, WORKER);
    let worker = WorkerProcess::distributed(Path::new(BIN), &config, &dir.join("worker-0.log"));
    let api = RestApi::new(port);
    let started = Instant::now();
    while !api.is_up().await {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "REST did not start\n{}",
            worker.log()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    (worker, api, config)
}

/// Every run's log, in order.
fn all_logs(dir: &Path, runs: usize) -> String {
    (0..=runs)
        .map(|run| std::fs::read_to_string(dir.join(format!("worker-{run}.log"))).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n---\n")
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_task_killed_mid_stream_delivers_each_line_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("broker"), "memory");
    create_topic(&broker.bootstrap, TOPIC).await;
    let log = |run: usize| dir.path().join(format!("worker-{run}.log"));
    let (mut worker, api, config) = start_worker(dir.path(), &broker.bootstrap).await;
    let input = dir.path().join("input.txt");
    std::fs::write(&input, "").unwrap();
    let connector = json!({
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "file": input.display().to_string(),
        "topic": TOPIC,
        "tasks.max": "1",
        "exactly.once.support": "required",
    });
    let (status, body) = api
        .json_through_conflicts(
            Method::PUT,
            "/connectors/lines/config",
            connector,
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(status, 201, "{body}\n{}", worker.log());
    let writer = std::thread::spawn({
        let input = input.clone();
        move || {
            for chunk in 0..LINES / CHUNK {
                append_lines(&input, numbered_lines(chunk * CHUNK, CHUNK));
                std::thread::sleep(WRITE_PAUSE);
            }
        }
    });
    for (run, lasts) in RUNS.iter().enumerate() {
        tokio::time::sleep(*lasts).await;
        if run == 0 {
            // Apache's transaction metrics, from the worker committing transactions as lines stream.
            let metric = "kafka_connect_source_task_metrics_transaction_size_max{connector=\"lines\",task=\"0\"}";
            let metrics = api.metrics().await;
            assert!(metrics.contains(metric), "no {metric}\n{}", worker.log());
        }
        worker.signal("KILL");
        worker.wait(Duration::from_secs(10));
        worker = WorkerProcess::distributed(Path::new(BIN), &config, &log(run + 1));
    }
    writer.join().unwrap();
    let bootstrap = broker.bootstrap.clone();
    let lines = tokio::task::spawn_blocking(move || read_committed(&bootstrap, LINES, Duration::from_secs(120)))
        .await
        .unwrap();
    let expected: Vec<String> = numbered_lines(0, LINES).collect();
    let logs = all_logs(dir.path(), RUNS.len());
    assert_eq!(
        lines.len(),
        LINES,
        "lines read committed (first: {:?})\n{logs}",
        lines.first()
    );
    assert!(lines == expected, "lines out of order or repeated\n{logs}");
    drop(worker);
}

/// Record `n` of the mirrored topic.
fn order(n: usize) -> ProducedRecord {
    ProducedRecord {
        key: Some(format!("key-{n}")),
        value: format!("{n}"),
        headers: vec![("origin".into(), format!("A-{n}"))],
    }
}

const ORDERS: usize = 6_000;
const ORDER_BATCH: usize = 150;
/// How long each run of the mirroring worker lasts before it is killed.
const MIRROR_RUNS: [Duration; 2] = [Duration::from_secs(7), Duration::from_secs(9)];

#[tokio::test(flavor = "multi_thread")]
async fn a_mirror_flow_killed_mid_stream_copies_each_record_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let source = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("source"), "memory");
    let target = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("target"), "memory");
    create_topic_with_partitions(&source.bootstrap, "orders", 4).await;
    let log = |run: usize| dir.path().join(format!("worker-{run}.log"));
    let (mut worker, api, config) = start_worker(dir.path(), &target.bootstrap).await;
    let mut flow = json!({
        "connector.class": "org.apache.kafka.connect.mirror.MirrorSourceConnector",
        "tasks.max": "2",
        "source.cluster.alias": "A",
        "target.cluster.alias": "B",
        "source.cluster.bootstrap.servers": source.bootstrap,
        "topics": "orders",
        "replication.factor": "1",
        "offset-syncs.topic.replication.factor": "1",
        "source.consumer.isolation.level": "read_committed",
        "source.consumer.fetch.max.wait.ms": "50",
        "key.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "header.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
        "exactly.once.support": "required",
    });
    let (status, body) = api
        .json_through_conflicts(
            Method::PUT,
            "/connectors/mirror/config",
            flow.clone(),
            Duration::from_secs(60),
        )
        .await;
    assert_eq!(status, 201, "{body}\n{}", worker.log());
    let producing = tokio::spawn({
        let bootstrap = source.bootstrap.clone();
        async move {
            for first in (0..ORDERS).step_by(ORDER_BATCH) {
                produce_records(&bootstrap, "orders", None, (first..first + ORDER_BATCH).map(order)).await;
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    });
    for (run, lasts) in MIRROR_RUNS.iter().enumerate() {
        tokio::time::sleep(*lasts).await;
        worker.signal("KILL");
        worker.wait(Duration::from_secs(10));
        worker = WorkerProcess::distributed(Path::new(BIN), &config, &log(run + 1));
    }
    producing.await.unwrap();

    let copied = consume_records(&target.bootstrap, "A.orders", ORDERS, Duration::from_secs(120)).await;
    let logs = all_logs(dir.path(), MIRROR_RUNS.len());
    assert_eq!(copied.len(), ORDERS, "records read committed\n{logs}");
    let more = consume_records(&target.bootstrap, "A.orders", ORDERS + 1, Duration::from_secs(5)).await;
    assert_eq!(more.len(), ORDERS, "nothing more than each record once\n{logs}");
    let mut seen = std::collections::BTreeSet::new();
    let mut last_in_partition = std::collections::BTreeMap::new();
    for record in &copied {
        let n: usize = record.value.parse().unwrap();
        assert_eq!(record.key, order(n).key, "the key travels with its record");
        assert_eq!(record.headers["origin"], format!("A-{n}"));
        assert!(seen.insert(n), "record {n} copied twice\n{logs}");
        let last = last_in_partition.insert(record.partition, n);
        assert!(last < Some(n), "partition {} out of order at {n}", record.partition);
    }

    // One task follows two: before it starts, the leader fences both earlier tasks' producers.
    flow["tasks.max"] = json!("1");
    let (status, body) = api
        .json_through_conflicts(Method::PUT, "/connectors/mirror/config", flow, Duration::from_secs(60))
        .await;
    assert_eq!(status, 200, "{body}");
    let fenced = kconnect_test_kit::wait_until(Duration::from_secs(60), || {
        std::fs::read_to_string(log(MIRROR_RUNS.len()))
            .unwrap_or_default()
            .contains("fenced out the connector's earlier tasks connector=mirror fenced=2")
    });
    assert!(fenced, "{}", all_logs(dir.path(), MIRROR_RUNS.len()));
    let configs = consume_records(&target.bootstrap, "connect-configs", usize::MAX, Duration::from_secs(3)).await;
    let last_fencing = configs
        .iter()
        .rev()
        .find(|r| r.key.as_deref() == Some("tasks-fencing-mirror"));
    assert_eq!(last_fencing.map(|r| r.value.as_str()), Some(r#"{"task-count":1}"#));
    drop(worker);
}
