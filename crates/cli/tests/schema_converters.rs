//! Confluent's schema'd converters (Avro, JSON Schema, Protobuf) in a running worker, on the schema registry the worker runs
//! beside its embedded broker: the quickstart's FileStreamSource lines, made structs by HoistField,
//! go into Kafka on the Confluent wire format (the schema registered under `connect-test-value`,
//! though no converter names a registry), and the FileStreamSink reads them back into the same
//! structs. The registry keeps its schemas in `_schemas`, so a restarted worker finds the same ids.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, append_lines, consume_records, free_port};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const SCHEMA_KEY: &str = r#"{"keytype":"SCHEMA","subject":"connect-test-value","version":1,"magic":1}"#;

async fn get(url: &str) -> Value {
    reqwest::get(url).await.unwrap().json().await.unwrap()
}

async fn register(url: &str, subject: &str, schema: &str) -> Value {
    let body = json!({ "schema": schema });
    let response = reqwest::Client::new()
        .post(format!("{url}/subjects/{subject}/versions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    response.json().await.unwrap()
}

/// The quickstart with `converter` as the worker's value converter, its registry on a free port,
/// and HoistField making each line a struct: the quickstart and the registry's URL.
fn quickstart_with(converter: &str) -> (Quickstart, String) {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    let registry_port = free_port();
    let url = format!("http://127.0.0.1:{registry_port}");
    quickstart.with_struct_lines(&format!(
        "value.converter={converter}\nembedded.schema.registry.listener=127.0.0.1:{registry_port}"
    ));
    (quickstart, url)
}

/// The quickstart's lines through `converter`: they come back as the same structs, the schema
/// is registered as `schema_type`, and Kafka holds the first line as `first_record` after the
/// wire format's header.
async fn lines_come_back_through(converter: &str, schema_type: &str, first_record: &[u8]) {
    let (quickstart, url) = quickstart_with(converter);
    let lines = ["alpha", "beta"];
    append_lines(&quickstart.input(), lines.iter().map(|line| line.to_string()));
    let worker = quickstart.start();
    quickstart.wait_for_lines(&worker, lines.len());
    let expected: Vec<String> = lines.iter().map(|line| format!("Struct{{line={line}}}")).collect();
    assert_eq!(quickstart.output(), expected, "worker log:\n{}", worker.log());
    let registered = get(&format!("{url}/subjects/connect-test-value/versions/1")).await;
    assert_eq!(registered["schemaType"], schema_type);
    let bootstrap = format!("127.0.0.1:{}", quickstart.broker_port);
    let records = consume_records(&bootstrap, "connect-test", 1, Duration::from_secs(30)).await;
    assert_eq!(
        &records[0].value.as_bytes()[5..],
        first_record,
        "the record after the header"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn json_schema_lines_go_through_kafka_and_come_back_as_the_same_structs() {
    lines_come_back_through(
        "io.confluent.connect.json.JsonSchemaConverter",
        "JSON",
        br#"{"line":"alpha"}"#,
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn protobuf_lines_go_through_kafka_and_come_back_as_the_same_structs() {
    // The first message's index, then field 1 (a string of 5 bytes).
    lines_come_back_through(
        "io.confluent.connect.protobuf.ProtobufConverter",
        "PROTOBUF",
        b"\0\x0a\x05alpha",
    )
    .await;
}

#[tokio::test(flavor = "multi_thread")]
async fn avro_lines_go_through_kafka_and_the_registry_keeps_its_ids_over_a_restart() {
    let (quickstart, url) = quickstart_with("io.confluent.connect.avro.AvroConverter");
    let lines = ["alpha", "beta", "gamma", "delta"];
    append_lines(&quickstart.input(), lines[..2].iter().map(|line| line.to_string()));
    let mut worker = quickstart.start();
    quickstart.wait_for_lines(&worker, 2);
    assert!(
        worker.log().contains(&url),
        "the registry's URL is logged:\n{}",
        worker.log()
    );
    assert_eq!(
        get(&format!("{url}/subjects/connect-test-value/versions")).await,
        json!([1])
    );
    assert_eq!(register(&url, "other-value", "\"long\"").await, json!({"id": 2}));

    worker.signal("TERM");
    worker.wait(Duration::from_secs(30)).expect("the worker stops");
    append_lines(&quickstart.input(), lines[2..].iter().map(|line| line.to_string()));
    let worker = quickstart.start();
    quickstart.wait_for_lines(&worker, lines.len());
    let expected: Vec<String> = lines.iter().map(|line| format!("Struct{{line={line}}}")).collect();
    assert_eq!(quickstart.output(), expected, "worker log:\n{}", worker.log());

    assert_eq!(
        get(&format!("{url}/subjects/connect-test-value/versions")).await,
        json!([1])
    );
    assert_eq!(get(&format!("{url}/subjects/other-value/versions/1")).await["id"], 2);
    assert_eq!(
        register(&url, "third-value", "\"int\"").await,
        json!({"id": 3}),
        "ids go on from the topic's"
    );

    let bootstrap = format!("127.0.0.1:{}", quickstart.broker_port);
    let records = consume_records(&bootstrap, "connect-test", lines.len(), Duration::from_secs(30)).await;
    let raw: Vec<&[u8]> = records.iter().map(|record| &record.value.as_bytes()[..5]).collect();
    assert_eq!(
        raw,
        vec![&[0u8, 0, 0, 0, 1][..]; lines.len()],
        "magic byte and schema id 1, before and after the restart"
    );
    let schemas = consume_records(&bootstrap, "_schemas", 3, Duration::from_secs(30)).await;
    assert_eq!(schemas[0].key.as_deref(), Some(SCHEMA_KEY), "Confluent's key format");
    let value: Value = serde_json::from_str(&schemas[0].value).unwrap();
    assert_eq!(
        (value["id"].clone(), value["deleted"].clone()),
        (json!(1), json!(false))
    );
}
