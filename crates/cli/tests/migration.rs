//! Taking over from Apache Kafka Connect: an Apache Kafka Connect 3.9 cluster (the Java runtime,
//! `../shared/tools/apache-connect`, or `$APACHE_CONNECT`) runs a FileStream pipeline on a
//! `kconnect broker`, is stopped, and a `kconnect distributed` worker started on the same
//! `group.id` and internal topics resumes its connectors, configs, target states, source offsets
//! and sink consumer offsets: every line arrives exactly once, in order.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconnect_test_kit::{
    BrokerProcess, RestApi, WorkerProcess, apache_connect, append_lines, create_topic, free_port, numbered_lines,
    read_lines, wait_until,
};
use reqwest::Method;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const TIMEOUT: Duration = Duration::from_secs(120);

/// One worker file both runtimes read: Apache's keys, including the two only Java needs.
fn worker_properties(bootstrap: &str, port: u16, plugins: &Path) -> String {
    format!(
        "bootstrap.servers={bootstrap}\ngroup.id=migrating-cluster\n\
         config.storage.topic=migrating-configs\noffset.storage.topic=migrating-offsets\n\
         status.storage.topic=migrating-status\nconfig.storage.replication.factor=1\n\
         offset.storage.replication.factor=1\nstatus.storage.replication.factor=1\n\
         offset.storage.partitions=5\nstatus.storage.partitions=2\n\
         key.converter=org.apache.kafka.connect.storage.StringConverter\n\
         value.converter=org.apache.kafka.connect.storage.StringConverter\n\
         listeners=http://127.0.0.1:{port}\noffset.flush.interval.ms=500\n\
         plugin.path={}\nplugin.discovery=service_load\n",
        plugins.display()
    )
}

/// Waits until `check` holds for what `GET path` answers.
async fn wait_for(api: &RestApi, path: &str, what: &str, log: impl Fn() -> String, check: impl Fn(&Value) -> bool) {
    let deadline = std::time::Instant::now() + TIMEOUT;
    let mut last = Value::Null;
    while std::time::Instant::now() < deadline {
        let (status, body) = api.get(path).await;
        if status == 200 && check(&body) {
            return;
        }
        last = body;
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    panic!("{what}: GET {path} answered {last}\n{}", log());
}

/// Waits until a worker's REST API listens on `port`.
fn wait_listening(port: u16, log: impl Fn() -> String) {
    let listening = wait_until(TIMEOUT, || std::net::TcpStream::connect(("127.0.0.1", port)).is_ok());
    assert!(listening, "the REST API did not start\n{}", log());
}

fn running(state: &Value) -> bool {
    state["connector"]["state"] == "RUNNING"
        && state["tasks"]
            .as_array()
            .is_some_and(|tasks| !tasks.is_empty() && tasks.iter().all(|t| t["state"] == "RUNNING"))
}

#[tokio::test(flavor = "multi_thread")]
async fn kconnect_resumes_an_apache_cluster_from_its_internal_topics() {
    let dir = tempfile::tempdir().unwrap();
    let path = |name: &str| dir.path().join(name);
    let broker = BrokerProcess::start(Path::new(BIN), free_port(), &path("broker"), "memory");
    create_topic(&broker.bootstrap, "lines").await;
    std::fs::create_dir_all(path("plugins")).unwrap();
    let port = free_port();
    let worker = path("worker.properties");
    std::fs::write(&worker, worker_properties(&broker.bootstrap, port, &path("plugins"))).unwrap();
    let api = RestApi::new(port);
    let (input, output, held, parked) = (
        path("input.txt"),
        path("output.txt"),
        path("held.txt"),
        path("parked.txt"),
    );
    append_lines(&input, numbered_lines(0, 500));

    // Apache Kafka Connect runs the pipeline, with a third connector paused.
    let mut apache = WorkerProcess::spawn(
        &apache_connect(),
        &[PathBuf::from("distributed"), worker.clone()],
        &path("apache.log"),
    );
    let apache_log = || std::fs::read_to_string(path("apache.log")).unwrap_or_default();
    wait_listening(port, apache_log);
    let connectors = [
        ("file-source", source_config(&input)),
        ("file-sink", sink_config(&output)),
        ("held-sink", sink_config(&held)),
        ("parked-sink", sink_config(&parked)),
    ];
    for (name, config) in &connectors {
        let body = json!({"name": name, "config": config});
        let deadline = std::time::Instant::now() + TIMEOUT;
        loop {
            let (status, answer, _) = api.json(Method::POST, "/connectors", body.clone()).await;
            if status == 201 {
                break;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "Apache did not create {name}: {status} {answer}\n{}",
                apache_log()
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
    for (name, _) in &connectors {
        wait_for(&api, &format!("/connectors/{name}/status"), name, apache_log, running).await;
    }
    let (status, _, _) = api.call(Method::PUT, "/connectors/held-sink/pause", None).await;
    assert_eq!(status, 202);
    let (status, _, _) = api.call(Method::PUT, "/connectors/parked-sink/stop", None).await;
    assert_eq!(status, 204);
    for (name, state) in [("held-sink", "PAUSED"), ("parked-sink", "STOPPED")] {
        wait_for(&api, &format!("/connectors/{name}/status"), state, apache_log, |s| {
            s["connector"]["state"] == state
        })
        .await;
    }
    assert!(
        wait_until(TIMEOUT, || read_lines(&output).len() == 500),
        "Apache delivered {} of 500 lines\n{}",
        read_lines(&output).len(),
        apache_log()
    );
    let size = std::fs::metadata(&input).unwrap().len();
    wait_for(
        &api,
        "/connectors/file-source/offsets",
        "source offset committed",
        apache_log,
        |o| o["offsets"][0]["offset"]["position"] == json!(size),
    )
    .await;
    wait_for(
        &api,
        "/connectors/file-sink/offsets",
        "sink offset committed",
        apache_log,
        |o| o["offsets"][0]["offset"]["kafka_offset"] == json!(500),
    )
    .await;
    let apache_configs: Vec<Value> = {
        let mut configs = Vec::new();
        for (name, _) in &connectors {
            configs.push(api.get(&format!("/connectors/{name}/config")).await.1);
        }
        configs
    };
    apache.signal("TERM");
    assert!(apache.wait(Duration::from_secs(60)).is_some(), "Apache did not stop");
    let (held_lines, parked_lines) = (read_lines(&held), read_lines(&parked));

    // kconnect takes over on the same worker file while the source file keeps growing.
    append_lines(&input, numbered_lines(500, 500));
    let kconnect = WorkerProcess::distributed(Path::new(BIN), &worker, &path("kconnect.log"));
    let kconnect_log = || kconnect.log();
    wait_listening(port, kconnect_log);
    wait_for(&api, "/connectors", "connectors listed", kconnect_log, |names| {
        names == &json!(["file-sink", "file-source", "held-sink", "parked-sink"])
    })
    .await;
    for ((name, _), config) in connectors.iter().zip(&apache_configs) {
        let (status, seen) = api.get(&format!("/connectors/{name}/config")).await;
        assert_eq!((status, &seen), (200, config), "{name}'s config");
    }
    for name in ["file-source", "file-sink"] {
        wait_for(&api, &format!("/connectors/{name}/status"), name, kconnect_log, running).await;
    }
    for (name, state) in [("held-sink", "PAUSED"), ("parked-sink", "STOPPED")] {
        wait_for(&api, &format!("/connectors/{name}/status"), state, kconnect_log, |s| {
            s["connector"]["state"] == state
        })
        .await;
    }
    let expected: Vec<String> = numbered_lines(0, 1_000).collect();
    let complete = wait_until(TIMEOUT, || read_lines(&output).len() >= expected.len());
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        complete,
        "kconnect delivered {} lines\n{}",
        read_lines(&output).len(),
        kconnect.log()
    );
    assert_eq!(read_lines(&output), expected, "every line once, in order");
    assert_eq!(read_lines(&held), held_lines, "the paused sink stayed paused");
    assert_eq!(read_lines(&parked), parked_lines, "the stopped sink stayed stopped");
}

fn source_config(input: &Path) -> Value {
    json!({
        "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
        "tasks.max": "1",
        "topic": "lines",
        "file": input.display().to_string(),
    })
}

fn sink_config(output: &Path) -> Value {
    json!({
        "connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector",
        "tasks.max": "1",
        "topics": "lines",
        "file": output.display().to_string(),
    })
}
