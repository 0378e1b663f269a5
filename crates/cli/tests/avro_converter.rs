//! The AvroConverter in a running worker, on kconnect's schema registry: the quickstart's
//! FileStreamSource lines, made structs by HoistField, go into Kafka as Avro on the Confluent wire
//! format (the schema registered under `connect-test-value`), and the FileStreamSink reads them
//! back into the same structs.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kconnect_registry::{Registry, router};
use kconnect_test_kit::{Quickstart, append_lines, consume_records};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

#[tokio::test(flavor = "multi_thread")]
async fn lines_go_through_kafka_as_avro_and_come_back_as_the_same_structs() {
    let registry = Arc::new(Registry::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router(registry.clone())).into_future());

    let quickstart = Quickstart::new(
        Path::new(BIN),
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config"),
        1_000,
    );
    let worker_file = quickstart.path("connect-standalone.properties");
    let avro = format!(
        "\nvalue.converter=io.confluent.connect.avro.AvroConverter\nvalue.converter.schema.registry.url={url}\n"
    );
    let text = std::fs::read_to_string(&worker_file).unwrap() + avro.as_str();
    std::fs::write(&worker_file, text).unwrap();
    let source = quickstart.path("connect-file-source.properties");
    let hoist = "\ntransforms=hoist\ntransforms.hoist.type=HoistField$Value\ntransforms.hoist.field=line\n";
    let text = std::fs::read_to_string(&source).unwrap() + hoist;
    std::fs::write(&source, text).unwrap();

    let lines = ["alpha", "beta", "gamma"];
    append_lines(&quickstart.input(), lines.iter().map(|line| line.to_string()));
    let worker = quickstart.start();
    quickstart.wait_for_lines(&worker, lines.len());
    let expected: Vec<String> = lines.iter().map(|line| format!("Struct{{line={line}}}")).collect();
    assert_eq!(quickstart.output(), expected, "worker log:\n{}", worker.log());

    assert_eq!(registry.versions("connect-test-value", false).unwrap(), [1]);
    let bootstrap = format!("127.0.0.1:{}", quickstart.broker_port);
    let records = consume_records(&bootstrap, "connect-test", lines.len(), Duration::from_secs(30)).await;
    let raw: Vec<&[u8]> = records.iter().map(|record| &record.value.as_bytes()[..5]).collect();
    assert_eq!(
        raw,
        vec![&[0u8, 0, 0, 0, 1][..]; lines.len()],
        "magic byte and schema id 1"
    );
}
