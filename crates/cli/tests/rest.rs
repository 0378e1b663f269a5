//! The REST basics over real HTTP against a running quickstart worker: Apache's paths, status codes
//! and JSON shapes.

use std::path::Path;

use kconnect_test_kit::{Quickstart, append_lines, numbered_lines};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

async fn get(port: u16, path: &str) -> (u16, Value) {
    let response = reqwest::get(format!("http://127.0.0.1:{port}{path}"))
        .await
        .expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON body"))
}

#[tokio::test(flavor = "multi_thread")]
async fn rest_basics_answer_as_apache_does() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 10_000);
    append_lines(&quickstart.input(), numbered_lines(0, 10));
    let mut worker = quickstart.start();
    tokio::task::block_in_place(|| quickstart.wait_for_lines(&worker, 10));
    let port = quickstart.rest_port;
    let worker_id = format!("127.0.0.1:{port}");

    let (status, root) = get(port, "/").await;
    assert_eq!(status, 200);
    assert_eq!(root["kafka_cluster_id"], "kconnect-embedded");
    assert_eq!(root["version"], env!("CARGO_PKG_VERSION"));
    assert!(root["commit"].is_string());

    assert_eq!(
        get(port, "/connectors").await,
        (200, json!(["local-file-sink", "local-file-source"]))
    );

    let (status, expanded) = get(port, "/connectors?expand=status&expand=info").await;
    assert_eq!(status, 200);
    assert_eq!(expanded["local-file-source"]["status"]["connector"]["state"], "RUNNING");
    assert_eq!(expanded["local-file-sink"]["info"]["type"], "sink");

    let (status, info) = get(port, "/connectors/local-file-source").await;
    assert_eq!(status, 200);
    assert_eq!(info["name"], "local-file-source");
    assert_eq!(info["type"], "source");
    assert_eq!(info["tasks"], json!([{"connector": "local-file-source", "task": 0}]));
    assert_eq!(info["config"]["topic"], "connect-test");

    let (status, config) = get(port, "/connectors/local-file-source/config").await;
    assert_eq!(status, 200);
    assert_eq!(config["connector.class"], "FileStreamSource");

    let (status, mut connector_status) = get(port, "/connectors/local-file-sink/status").await;
    assert_eq!(status, 200);
    let health = connector_status["tasks"][0]
        .as_object_mut()
        .and_then(|task| task.remove("kconnect"))
        .unwrap_or_default();
    assert!(
        health["ms_since_last_progress"].is_u64(),
        "kconnect's own field: {health}"
    );
    assert_eq!(
        connector_status,
        json!({"name": "local-file-sink", "connector": {"state": "RUNNING", "worker_id": worker_id},
               "tasks": [{"id": 0, "state": "RUNNING", "worker_id": worker_id}], "type": "sink"})
    );

    let (status, tasks) = get(port, "/connectors/local-file-sink/tasks").await;
    assert_eq!(status, 200);
    assert_eq!(tasks[0]["id"], json!({"connector": "local-file-sink", "task": 0}));
    assert_eq!(
        tasks[0]["config"]["task.class"],
        "org.apache.kafka.connect.file.FileStreamSinkTask"
    );
    assert_eq!(tasks[0]["config"]["topics"], "connect-test");

    assert_eq!(
        get(port, "/connectors/local-file-source/tasks/0/status").await,
        (200, json!({"id": 0, "state": "RUNNING", "worker_id": worker_id}))
    );

    let (status, plugins) = get(port, "/connector-plugins").await;
    assert_eq!(status, 200);
    let classes: Vec<&str> = plugins
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["class"].as_str().unwrap())
        .collect();
    assert_eq!(
        classes,
        [
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "org.apache.kafka.connect.file.FileStreamSinkConnector",
            "io.confluent.connect.jdbc.JdbcSourceConnector",
            "io.confluent.connect.jdbc.JdbcSinkConnector",
            "io.debezium.connector.postgresql.PostgresConnector",
            "io.debezium.connector.mysql.MySqlConnector",
            "io.debezium.connector.mariadb.MariaDbConnector",
            "io.confluent.connect.s3.S3SinkConnector",
            "io.confluent.connect.gcs.GcsSinkConnector",
            "io.confluent.connect.azure.blob.AzureBlobStorageSinkConnector",
            "io.confluent.connect.s3.source.S3SourceConnector",
            "io.confluent.connect.gcs.GcsSourceConnector",
            "io.confluent.connect.azure.blob.storage.AzureBlobStorageSourceConnector",
            "io.confluent.connect.rabbitmq.RabbitMQSourceConnector",
            "io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector",
            "io.confluent.connect.activemq.ActiveMQSourceConnector",
            "io.confluent.connect.jms.ActiveMqSinkConnector",
            "io.confluent.connect.activemq.ActiveMQSinkConnector",
            "io.confluent.connect.mqtt.MqttSourceConnector",
            "io.confluent.connect.mqtt.MqttSinkConnector",
            "io.kconnect.connect.nats.NatsSourceConnector",
            "io.kconnect.connect.nats.NatsSinkConnector",
            "com.redis.kafka.connect.RedisStreamSourceConnector",
            "com.redis.kafka.connect.RedisSourceConnector",
            "com.redis.kafka.connect.RedisSinkConnector",
            "org.apache.kafka.connect.mirror.MirrorSourceConnector",
            "org.apache.kafka.connect.mirror.MirrorCheckpointConnector",
            "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector"
        ]
    );
    assert_eq!(plugins[0]["type"], "source");
    let (_, all) = get(port, "/connector-plugins?connectorsOnly=false").await;
    assert!(
        all.as_array()
            .unwrap()
            .iter()
            .any(|p| p["class"] == "org.apache.kafka.connect.json.JsonConverter" && p["type"] == "converter")
    );
    assert!(all.as_array().unwrap().iter().any(|p| p["type"] == "header_converter"));

    assert_eq!(
        get(port, "/connectors/local-file-source/topics").await,
        (200, json!({"local-file-source": {"topics": ["connect-test"]}}))
    );
    assert_eq!(
        get(port, "/connectors/local-file-sink/topics").await,
        (200, json!({"local-file-sink": {"topics": ["connect-test"]}}))
    );
    let client = reqwest::Client::new();
    let put = |path: &str, body: Value| {
        let request = client.put(format!("http://127.0.0.1:{port}{path}")).json(&body);
        async move {
            let response = request.send().await.unwrap();
            (
                response.status().as_u16(),
                response.json::<Value>().await.unwrap_or(Value::Null),
            )
        }
    };
    assert_eq!(
        put("/connectors/local-file-sink/topics/reset", json!(null)).await.0,
        202
    );
    assert_eq!(
        get(port, "/connectors/local-file-sink/topics").await,
        (200, json!({"local-file-sink": {"topics": []}}))
    );
    assert_eq!(get(port, "/connectors/nope/topics").await.0, 404);

    assert_eq!(
        get(port, "/admin/loggers").await,
        (200, json!({"root": {"level": "INFO", "last_modified": null}}))
    );
    assert_eq!(
        put("/admin/loggers/kconnect_runtime", json!({"level": "DEBUG"})).await,
        (200, json!(["kconnect_runtime"]))
    );
    let (status, logger) = get(port, "/admin/loggers/kconnect_runtime").await;
    assert_eq!((status, &logger["level"]), (200, &json!("DEBUG")));
    assert!(logger["last_modified"].is_i64());
    assert_eq!(
        put("/admin/loggers/kconnect_runtime", json!({"level": "LOUD"})).await.0,
        404
    );
    assert_eq!(put("/admin/loggers/kconnect_runtime", json!({})).await.0, 400);
    assert_eq!(get(port, "/admin/loggers/nope").await.0, 404);
    assert_eq!(
        put("/admin/loggers/kconnect_rest?scope=cluster", json!({"level": "INFO"}))
            .await
            .0,
        204
    );
    assert_eq!(
        put("/connectors/local-file-source/topics/reset", json!(null)).await.0,
        202
    );
    append_lines(&quickstart.input(), numbered_lines(10, 1));
    tokio::task::block_in_place(|| quickstart.wait_for_lines(&worker, 11));
    assert!(
        tokio::task::block_in_place(
            || kconnect_test_kit::wait_until(std::time::Duration::from_secs(10), || worker
                .log()
                .contains("active topic recorded"))
        ),
        "DEBUG logs of kconnect_runtime appear"
    );

    assert_eq!(
        get(port, "/connectors/nope").await,
        (404, json!({"error_code": 404, "message": "Connector nope not found"}))
    );
    assert_eq!(
        get(port, "/connectors/nope/status").await,
        (
            404,
            json!({"error_code": 404, "message": "No status found for connector nope"})
        )
    );
    assert_eq!(get(port, "/connectors/local-file-source/tasks/7/status").await.0, 404);
    worker.signal("TERM");
    assert!(
        worker
            .wait(std::time::Duration::from_secs(30))
            .is_some_and(|status| status.success())
    );
}
