//! A Java connector in a distributed worker: validated through the REST API by its own ConfigDef,
//! created through the REST API, kept in the config topic, and run from its jar, with its tasks'
//! configurations as the jar's connector made them.

use std::time::Duration;

use kconnect_test_kit::{
    TestWorker, append_lines, consume_records, java_plugin_worker, numbered_lines, plugin_directory,
};
use reqwest::Method;
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_api::PluginTable::new());

const WAIT: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread")]
async fn a_java_connector_is_validated_created_and_run_in_a_distributed_worker() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    append_lines(&input, numbered_lines(0, 25));
    let plugin_path = plugin_directory(dir.path(), "connect-file", &["connect-file-"]);
    let worker = TestWorker::start_with(true, &java_plugin_worker(&plugin_path), &[]).await;

    // The jar's ConfigDef answers: topic is required, batch.size an INT.
    let (status, infos, _) = worker
        .rest
        .json(
            Method::PUT,
            "/connector-plugins/FileStreamSourceConnector/config/validate",
            json!({"connector.class": "FileStreamSourceConnector", "file": input, "batch.size": "many"}),
        )
        .await;
    assert_eq!(status, 200, "{infos}");
    let errors = |key: &str| {
        infos["configs"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["value"]["name"] == key)
            .map(|c| c["value"]["errors"].clone())
            .unwrap_or_else(|| panic!("{key} in {infos}"))
    };
    assert_ne!(errors("topic"), json!([]), "{infos}");
    assert!(errors("batch.size").to_string().contains("INT"), "{infos}");
    assert_eq!(infos["name"], "org.apache.kafka.connect.file.FileStreamSourceConnector");

    worker
        .create(
            "java-source",
            json!({
                "connector.class": "org.apache.kafka.connect.file.FileStreamSourceConnector",
                "file": input,
                "topic": "distributed-lines",
                "topic.creation.default.partitions": "1",
                "topic.creation.default.replication.factor": "1",
            }),
        )
        .await;
    worker.expect_running_tasks("java-source", 1).await;
    let records = consume_records(&worker.bootstrap, "distributed-lines", 25, WAIT).await;
    assert_eq!(records.len(), 25, "{}", worker.process.log());
    let (status, tasks) = worker.rest.get("/connectors/java-source/tasks").await;
    assert_eq!(status, 200);
    assert_eq!(tasks[0]["config"]["topic"], "distributed-lines", "{tasks}");
    assert_eq!(
        tasks[0]["config"]["task.class"], "org.apache.kafka.connect.file.FileStreamSourceTask",
        "the jar's taskClass(): {tasks}"
    );
}
