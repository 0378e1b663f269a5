//! A worker pointed at a running broker with `bootstrap.servers` (no embedded broker): a sink
//! started before its topic exists waits for it, as Apache's does, and then reads it.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, create_topic, produce_values, read_lines, start_broker, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

#[tokio::test(flavor = "multi_thread")]
async fn a_sink_waits_for_its_topic_to_be_created() {
    let data = tempfile::tempdir().unwrap();
    let broker = start_broker(data.path()).await;
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    quickstart.use_broker(&broker.bootstrap_servers());
    let sink = quickstart.path("connect-file-sink.properties");
    let worker = quickstart.start_with(&[sink]);
    quickstart.wait_for_rest(&worker);
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert!(
        !worker.log().contains("embedded broker listening"),
        "bootstrap.servers disables the embedded broker"
    );

    create_topic(&broker.bootstrap_servers(), "connect-test").await;
    let envelope = |text: &str| format!(r#"{{"schema":{{"type":"string","optional":false}},"payload":"{text}"}}"#);
    produce_values(
        &broker.bootstrap_servers(),
        "connect-test",
        [envelope("late"), envelope("but here")],
    )
    .await;
    let output = quickstart.path("test.sink.txt");
    let arrived =
        tokio::task::block_in_place(|| wait_until(Duration::from_secs(60), || read_lines(&output).len() == 2));
    assert!(arrived, "log:\n{}", worker.log());
    assert_eq!(read_lines(&output), ["late", "but here"]);
}
