//! Exactly-once source delivery (KIP-618) end to end: a `kconnect broker` process and a
//! `kconnect distributed` worker with `exactly.once.source.support=enabled` running a
//! FileStreamSource while lines are appended to its file. The worker is SIGKILLed three times
//! mid-stream and started again; a `read_committed` consumer reads every line exactly once, in
//! order: no line lost, none twice.

use std::path::Path;
use std::time::{Duration, Instant};

use kconnect_test_kit::{
    BrokerProcess, RestApi, WorkerProcess, append_lines, create_topic, free_port, numbered_lines, worker_file,
};
use rdkafka::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
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
/// arrived and then three quiet seconds, or `timeout`.
fn read_committed(bootstrap: &str, expected: usize, timeout: Duration) -> Vec<String> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("reader-{}", free_port()))
        .set("isolation.level", "read_committed")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    let mut assignment = rdkafka::TopicPartitionList::new();
    assignment
        .add_partition_offset(TOPIC, 0, rdkafka::Offset::Beginning)
        .expect("partition");
    consumer.assign(&assignment).expect("assign");
    let deadline = Instant::now() + timeout;
    let mut values = Vec::new();
    let mut last = Instant::now();
    while Instant::now() < deadline && !(values.len() >= expected && last.elapsed() > Duration::from_secs(3)) {
        if let Some(Ok(message)) = consumer.poll(Duration::from_millis(100)) {
            values.push(String::from_utf8_lossy(message.payload().unwrap_or_default()).into_owned());
            last = Instant::now();
        }
    }
    values
}

#[tokio::test(flavor = "multi_thread")]
async fn a_source_task_killed_mid_stream_delivers_each_line_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("broker"), "memory");
    create_topic(&broker.bootstrap, TOPIC).await;
    let port = free_port();
    let config = worker_file(dir.path(), "worker", &broker.bootstrap, port, true, WORKER);
    let log = |run: usize| dir.path().join(format!("worker-{run}.log"));
    let mut worker = WorkerProcess::distributed(Path::new(BIN), &config, &log(0));
    let input = dir.path().join("input.txt");
    std::fs::write(&input, "").unwrap();
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
    let logs: String = (0..=RUNS.len())
        .map(|run| std::fs::read_to_string(log(run)).unwrap_or_default())
        .collect::<Vec<_>>()
        .join("\n---\n");
    assert_eq!(
        lines.len(),
        LINES,
        "lines read committed (first: {:?})\n{logs}",
        lines.first()
    );
    assert!(lines == expected, "lines out of order or repeated\n{logs}");
    drop(worker);
}
