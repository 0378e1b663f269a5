//! The JDBC connectors end to end through Kafka: a table of 100,000 rows with a column of every
//! supported type goes source → Kafka (JsonConverter with schemas) → sink → another table, on
//! PostgreSQL, MariaDB and SQLite, and in bulk mode (the table streamed) on PostgreSQL. Mid-stream the worker is killed with SIGKILL and started
//! again; the target table ends equal to the source, row by row. A sink whose database refuses a
//! record sends it to the dead letter queue through the errant record reporter.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconnect_test_kit::databases::{Database, mariadb, postgres, sqlite};
use kconnect_test_kit::{Quickstart, consume_records, create_topic, produce_values};
use reqwest::Client;
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const ROWS: usize = 100_000;
const ARRIVAL: Duration = Duration::from_secs(300);

fn quickstart() -> Quickstart {
    Quickstart::of_repository(Path::new(BIN), 1000)
}

fn properties(quickstart: &Quickstart, name: &str, pairs: &[(&str, &str)]) -> PathBuf {
    let path = quickstart.path(&format!("{name}.properties"));
    let text: String = pairs.iter().map(|(k, v)| format!("{k}={v}\n")).collect();
    std::fs::write(&path, format!("name={name}\n{text}")).unwrap();
    path
}

/// Polls `condition` every 200 ms until it holds or `timeout` passes.
async fn eventually(timeout: Duration, mut condition: impl AsyncFnMut() -> bool) -> bool {
    let deadline = tokio::time::Instant::now() + timeout;
    while tokio::time::Instant::now() < deadline {
        if condition().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    false
}

/// The source in incrementing mode: after the restart it resumes from its committed offset.
const INCREMENTING: &[(&str, &str)] = &[
    ("mode", "incrementing"),
    ("incrementing.column.name", "id"),
    ("poll.interval.ms", "200"),
];

/// The source in bulk mode, streaming the whole table once per start (the sink's upserts make a
/// second pass after the restart harmless).
const BULK: &[(&str, &str)] = &[("mode", "bulk"), ("poll.interval.ms", "3600000")];

async fn pipeline_survives_sigkill(db: Database, prefix: &str, mode: &[(&str, &str)]) {
    let quickstart = quickstart();
    let driver = db.driver().await;
    let source = format!("{prefix}_source");
    let target = format!("{prefix}_target");
    db.source_table(driver.as_ref(), &source, ROWS).await;
    db.run(driver.as_ref(), &format!("DROP TABLE IF EXISTS {target}")).await;
    let topic = format!("{prefix}-{source}");
    let topic_prefix = format!("{prefix}-");
    let source_config = [
        ("connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"),
        ("connection.url", db.url.as_str()),
        ("table.whitelist", source.as_str()),
        ("topic.prefix", topic_prefix.as_str()),
        ("batch.max.rows", "5000"),
    ];
    let connectors = [
        properties(
            &quickstart,
            &format!("{prefix}-source"),
            &[&source_config, mode].concat(),
        ),
        properties(
            &quickstart,
            &format!("{prefix}-sink"),
            &[
                ("connector.class", "io.confluent.connect.jdbc.JdbcSinkConnector"),
                ("connection.url", &db.url),
                ("topics", &topic),
                ("table.name.format", &target),
                ("auto.create", "true"),
                ("insert.mode", "upsert"),
                ("pk.mode", "record_value"),
                ("pk.fields", "id"),
                ("batch.size", "3000"),
            ],
        ),
    ];
    let worker = quickstart.start_with(&connectors);
    let started = eventually(ARRIVAL, async || db.count(driver.as_ref(), &target).await > 0).await;
    assert!(started, "rows arrive; log:\n{}", worker.log());
    worker.signal("KILL");
    let at_kill = db.count(driver.as_ref(), &target).await;
    drop(worker);

    let worker = quickstart.start_with(&connectors);
    let done = eventually(ARRIVAL, async || db.count(driver.as_ref(), &target).await == ROWS).await;
    assert!(
        done,
        "{} of {ROWS} rows after the restart; log:\n{}",
        db.count(driver.as_ref(), &target).await,
        worker.log()
    );
    let expected = db.rows(driver.as_ref(), &source).await;
    let actual = db.rows(driver.as_ref(), &target).await;
    assert_eq!(actual.len(), ROWS);
    for (want, got) in expected.iter().zip(&actual) {
        assert_eq!(got, want);
    }
    println!("{prefix}: {at_kill} of {ROWS} rows were in the target when the worker was killed");
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_table_to_table_through_kafka_across_a_sigkill() {
    pipeline_survives_sigkill(postgres(), "pg_e2e", INCREMENTING).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn postgres_bulk_table_to_table_through_kafka_across_a_sigkill() {
    pipeline_survives_sigkill(postgres(), "pg_bulk", BULK).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn mariadb_table_to_table_through_kafka_across_a_sigkill() {
    pipeline_survives_sigkill(mariadb(), "my_e2e", INCREMENTING).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_table_to_table_through_kafka_across_a_sigkill() {
    pipeline_survives_sigkill(sqlite(), "lite_e2e", INCREMENTING).await;
}

fn envelope(id: i32, label: &str) -> String {
    json!({
        "schema": {"type": "struct", "fields": [
            {"field": "id", "type": "int32", "optional": false},
            {"field": "label", "type": "string", "optional": true}
        ]},
        "payload": {"id": id, "label": label}
    })
    .to_string()
}

/// Unparsable JSON, a transformation failure and a put failure (a duplicate key the database
/// refuses, reported through the errant record reporter) all land in the dead letter queue with
/// their stage; the good records reach the table and the task keeps running.
#[tokio::test(flavor = "multi_thread")]
async fn put_failures_go_to_the_dead_letter_queue_through_the_errant_record_reporter() {
    let quickstart = quickstart();
    let db = postgres();
    let driver = db.driver().await;
    db.run(driver.as_ref(), "DROP TABLE IF EXISTS dlq_people").await;
    let worker = quickstart.start_with(&[]);
    quickstart.wait_for_rest(&worker);
    let bootstrap = format!("127.0.0.1:{}", quickstart.broker_port);
    create_topic(&bootstrap, "people").await;
    // The reader subscribes at once; a topic it finds missing is only seen again at librdkafka's
    // next metadata refresh, so the dead letter queue exists before anything reads it.
    create_topic(&bootstrap, "people-dlq").await;
    let input = [
        envelope(1, "one"),
        "not json".to_string(),
        envelope(1, "again"),
        json!({"schema": {"type": "int32"}, "payload": 7}).to_string(),
        envelope(2, "two"),
    ];
    produce_values(&bootstrap, "people", input).await;
    let config = json!({
        "connector.class": "JdbcSink",
        "connection.url": db.url,
        "topics": "people",
        "table.name.format": "dlq_people",
        "auto.create": "true",
        "pk.mode": "record_value",
        "pk.fields": "id",
        "transforms": "rename",
        "transforms.rename.type": "org.apache.kafka.connect.transforms.ReplaceField$Value",
        "transforms.rename.renames": "label:name",
        "errors.tolerance": "all",
        "errors.deadletterqueue.topic.name": "people-dlq",
        "errors.deadletterqueue.context.headers.enable": "true",
    });
    let port = quickstart.rest_port;
    let response = Client::new()
        .post(format!("http://127.0.0.1:{port}/connectors"))
        .json(&json!({"name": "people", "config": config}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 201);
    let dlq = consume_records(&bootstrap, "people-dlq", 3, ARRIVAL).await;
    let stages: Vec<(String, String)> = dlq
        .iter()
        .map(|r| {
            (
                r.headers["__connect.errors.offset"].clone(),
                r.headers["__connect.errors.stage"].clone(),
            )
        })
        .collect();
    let expected = [("1", "VALUE_CONVERTER"), ("3", "TRANSFORMATION"), ("2", "TASK_PUT")];
    assert_eq!(
        stages,
        expected.map(|(o, s)| (o.to_string(), s.to_string())),
        "log:\n{}",
        worker.log()
    );
    let put_failure = &dlq[2];
    assert!(
        put_failure.headers["__connect.errors.exception.message"].contains("duplicate key"),
        "{:?}",
        put_failure.headers
    );
    assert_eq!(put_failure.headers["__connect.errors.topic"], "people");
    let rows = db.rows(driver.as_ref(), "dlq_people").await;
    assert_eq!(rows.len(), 2, "the good records are written: {rows:?}");
    let status: Value = reqwest::get(format!("http://127.0.0.1:{port}/connectors/people/status"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(status["tasks"][0]["state"], "RUNNING");
}
