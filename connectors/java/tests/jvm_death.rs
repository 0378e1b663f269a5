//! A JVM killed under a running Java connector fails only what ran in it: the Java connector's
//! task is FAILED with the JVM's death in its trace, a built-in connector of the same worker goes
//! on moving records, the REST API answers, and restarting the task starts a new JVM that resumes
//! from the committed offsets.

use std::time::Duration;

use kconnect_test_kit::{
    TestWorker, append_lines, consume_records, java_plugin_worker, numbered_lines, plugin_directory,
};
use reqwest::Method;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_api::PluginTable::new());

const WAIT: Duration = Duration::from_secs(60);
/// The embedded broker creates no topic by itself.
const TOPIC_CREATION: &str = "topic.creation.default.partitions=1\ntopic.creation.default.replication.factor=1\n";

/// The host JVMs whose parent is process `parent`.
fn host_jvms(parent: u32) -> Vec<u32> {
    host_jvms_running(parent, "kconnect.host.Host")
}

/// The host JVMs whose parent is process `parent` and whose command line matches `pattern`.
fn host_jvms_running(parent: u32, pattern: &str) -> Vec<u32> {
    let output = std::process::Command::new("pgrep")
        .args(["-P", &parent.to_string(), "-f", pattern])
        .output()
        .expect("pgrep");
    String::from_utf8_lossy(&output.stdout)
        .split_whitespace()
        .filter_map(|pid| pid.parse().ok())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_jvm_fails_its_tasks_alone_and_a_restart_brings_them_back() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    append_lines(&input, numbered_lines(0, 100));
    let plugin_path = plugin_directory(dir.path(), "connect-file", &["connect-file-"]);
    let java = format!(
        "name=java-file\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\n\
         file={}\ntopic=java-lines\n{TOPIC_CREATION}",
        input.display()
    );
    let native = format!(
        "name=native\nconnector.class={}\ntopic=native-records\nrecords=1000000\nbatch.size=1\npoll.delay.ms=20\n\
         {TOPIC_CREATION}",
        kconnect_test_plugins::SCRIPTED_SOURCE
    );
    let worker_lines = format!("{}offset.flush.interval.ms=500\n", java_plugin_worker(&plugin_path));
    let worker = TestWorker::start_with(false, &worker_lines, &[&java, &native]).await;
    let first = consume_records(&worker.bootstrap, "java-lines", 100, WAIT).await;
    assert_eq!(first.len(), 100, "{}", worker.process.log());
    // Let an offset flush record the lines read.
    tokio::time::sleep(Duration::from_secs(2)).await;

    let jvms = host_jvms(worker.process.pid());
    assert_eq!(jvms.len(), 1, "one JVM hosts the worker's Java plugins: {jvms:?}");
    let native_before = consume_records(&worker.bootstrap, "native-records", 1, WAIT).await;
    assert!(!native_before.is_empty(), "{}", worker.process.log());
    std::process::Command::new("kill")
        .args(["-9", &jvms[0].to_string()])
        .status()
        .unwrap();

    let failed = worker.rest.wait_for_task_state("java-file", "FAILED", WAIT).await;
    assert_eq!(failed["state"], "FAILED", "{failed}\n{}", worker.process.log());
    let trace = failed["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("JVM"), "the trace says the JVM is gone: {trace}");
    let native = worker.rest.state("native").await;
    assert_eq!(native["tasks"][0]["state"], "RUNNING", "{native}");
    let count = |records: Vec<_>| records.len();
    let moved = count(consume_records(&worker.bootstrap, "native-records", 100_000, Duration::from_secs(2)).await);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let moved_later =
        count(consume_records(&worker.bootstrap, "native-records", 100_000, Duration::from_secs(2)).await);
    assert!(
        moved_later > moved,
        "the built-in connector goes on: {moved} then {moved_later}"
    );

    let (status, body, _) = worker
        .rest
        .call(
            Method::POST,
            "/connectors/java-file/restart?includeTasks=true&onlyFailed=true",
            None,
        )
        .await;
    assert!(status < 300, "{status} {body}");
    let running = worker.rest.wait_for_task_state("java-file", "RUNNING", WAIT).await;
    assert_eq!(running["state"], "RUNNING", "{running}\n{}", worker.process.log());
    assert_eq!(host_jvms(worker.process.pid()).len(), 1, "a new JVM runs it");
    append_lines(&input, numbered_lines(100, 50));
    let all = consume_records(&worker.bootstrap, "java-lines", 150, WAIT).await;
    let values: Vec<&str> = all.iter().map(|r| r.value.as_str()).collect();
    assert!(all.len() >= 150, "{} records\n{}", all.len(), worker.process.log());
    for line in numbered_lines(100, 50) {
        assert!(
            values.iter().any(|v| v.contains(&line)),
            "{line} arrives after the restart"
        );
    }
    assert_eq!(all.len(), 150, "resumed from the committed offset, not from the start");
}

/// A FileStream source named `name` reading `input` into topic `name`, with `extra` lines.
fn file_source(name: &str, input: &std::path::Path, extra: &str) -> String {
    format!(
        "name={name}\nconnector.class=org.apache.kafka.connect.file.FileStreamSourceConnector\n\
         file={}\ntopic={name}\n{TOPIC_CREATION}{extra}",
        input.display()
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_jvm_per_connector_a_killed_jvm_fails_its_connector_alone() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("first.txt"), dir.path().join("second.txt"));
    append_lines(&first, numbered_lines(0, 10));
    append_lines(&second, numbered_lines(0, 10));
    let plugin_path = plugin_directory(dir.path(), "connect-file", &["connect-file-"]);
    let worker_lines = format!(
        "{}kconnect.java.isolation=connector\nkconnect.java.opts=-Xmx128m\n",
        java_plugin_worker(&plugin_path)
    );
    let connectors = [
        file_source("first", &first, "kconnect.java.opts=-Xmx96m -Dkconnect.test=first\n"),
        file_source("second", &second, ""),
    ];
    let connectors: Vec<&str> = connectors.iter().map(String::as_str).collect();
    let worker = TestWorker::start_with(false, &worker_lines, &connectors).await;
    for topic in ["first", "second"] {
        let records = consume_records(&worker.bootstrap, topic, 10, WAIT).await;
        assert_eq!(records.len(), 10, "{topic}\n{}", worker.process.log());
    }
    let pid = worker.process.pid();
    assert_eq!(
        host_jvms(pid).len(),
        3,
        "the worker's JVM (validation, transformations) and one per connector"
    );
    let first_jvm = host_jvms_running(pid, "Xmx96m -Dkconnect.test=first");
    assert_eq!(first_jvm.len(), 1, "the first connector's JVM has its own options");
    std::process::Command::new("kill")
        .args(["-9", &first_jvm[0].to_string()])
        .status()
        .unwrap();

    let failed = worker.rest.wait_for_task_state("first", "FAILED", WAIT).await;
    assert_eq!(failed["state"], "FAILED", "{failed}\n{}", worker.process.log());
    append_lines(&second, numbered_lines(10, 5));
    let records = consume_records(&worker.bootstrap, "second", 15, WAIT).await;
    assert_eq!(
        records.len(),
        15,
        "the other Java connector goes on\n{}",
        worker.process.log()
    );
    assert_eq!(worker.rest.state("second").await["tasks"][0]["state"], "RUNNING");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jvm_that_stops_answering_is_killed_and_its_tasks_fail_with_why() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    append_lines(&input, numbered_lines(0, 10));
    let plugin_path = plugin_directory(dir.path(), "connect-file", &["connect-file-"]);
    let worker_lines = format!(
        "{}kconnect.java.answer.timeout.ms=2000\n",
        java_plugin_worker(&plugin_path)
    );
    let worker = TestWorker::start_with(false, &worker_lines, &[&file_source("stopped", &input, "")]).await;
    let records = consume_records(&worker.bootstrap, "stopped", 10, WAIT).await;
    assert_eq!(records.len(), 10, "{}", worker.process.log());
    let jvms = host_jvms(worker.process.pid());
    assert_eq!(jvms.len(), 1);
    // A stopped process answers nothing, as a JVM lost in garbage collection.
    std::process::Command::new("kill")
        .args(["-STOP", &jvms[0].to_string()])
        .status()
        .unwrap();

    let failed = worker.rest.wait_for_task_state("stopped", "FAILED", WAIT).await;
    assert_eq!(failed["state"], "FAILED", "{failed}\n{}", worker.process.log());
    let trace = failed["trace"].as_str().unwrap_or_default();
    assert!(trace.contains("did not answer for 2000 ms"), "{trace}");
    let (status, body, _) = worker
        .rest
        .call(
            Method::POST,
            "/connectors/stopped/restart?includeTasks=true&onlyFailed=true",
            None,
        )
        .await;
    assert!(status < 300, "{status} {body}");
    let running = worker.rest.wait_for_task_state("stopped", "RUNNING", WAIT).await;
    assert_eq!(running["state"], "RUNNING", "{running}");
    let jvms_now = host_jvms(worker.process.pid());
    assert!(!jvms_now.contains(&jvms[0]), "the stopped JVM is gone: {jvms_now:?}");
}
