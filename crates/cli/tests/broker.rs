//! `kconnect broker`: the embedded broker as its own process, durable with SQLite storage.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kconnect_test_kit::{consume_values, create_topic, free_port, produce_values, wait_until};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

fn start(port: u16, data_dir: &std::path::Path, storage: &str) -> Child {
    let child = Command::new(BIN)
        .args([
            "broker",
            "--listen",
            &format!("127.0.0.1:{port}"),
            "--storage",
            storage,
            "--data-dir",
        ])
        .arg(data_dir)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start kconnect broker");
    let listening = wait_until(Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(listening, "broker did not listen on {port}");
    child
}

fn terminate(mut child: Child) {
    Command::new("kill")
        .arg("-TERM")
        .arg(child.id().to_string())
        .status()
        .unwrap();
    let exited = wait_until(Duration::from_secs(10), || child.try_wait().ok().flatten().is_some());
    assert!(exited, "broker stops on SIGTERM");
}

#[tokio::test(flavor = "multi_thread")]
async fn sqlite_storage_keeps_records_across_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bootstrap = format!("127.0.0.1:{port}");
    let broker = start(port, dir.path(), "sqlite");
    create_topic(&bootstrap, "kept").await;
    let values: Vec<String> = (0..500).map(|i| format!("value-{i}")).collect();
    produce_values(&bootstrap, "kept", values.clone()).await;
    terminate(broker);

    let broker = start(port, dir.path(), "sqlite");
    let consumed = consume_values(&bootstrap, "kept", values.len(), Duration::from_secs(60)).await;
    terminate(broker);
    assert_eq!(consumed, values);
    assert!(dir.path().join("tansu.db").exists(), "the database lives in --data-dir");
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_storage_serves_clients() {
    let dir = tempfile::tempdir().unwrap();
    let port = free_port();
    let bootstrap = format!("127.0.0.1:{port}");
    let broker = start(port, dir.path(), "memory");
    create_topic(&bootstrap, "fast").await;
    produce_values(&bootstrap, "fast", ["a".to_string(), "b".to_string()]).await;
    assert_eq!(
        consume_values(&bootstrap, "fast", 2, Duration::from_secs(60)).await,
        ["a", "b"]
    );
    terminate(broker);
}
