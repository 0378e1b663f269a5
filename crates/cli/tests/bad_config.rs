//! A bad worker or connector configuration stops the CLI with a message naming the key and the
//! problem, before anything starts.

use std::process::Command;

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

const WORKER: &str = "key.converter=org.apache.kafka.connect.storage.StringConverter\nvalue.converter=org.apache.kafka.connect.storage.StringConverter\noffset.storage.file.filename=OFFSETS\nlisteners=http://127.0.0.1:0\nembedded.broker.listener=127.0.0.1:1\n";

/// Runs `kconnect standalone` on the given worker and connector texts; returns (success, stderr).
fn run(worker: &str, connector: &str) -> (bool, String) {
    let dir = tempfile::tempdir().unwrap();
    let worker_path = dir.path().join("worker.properties");
    std::fs::write(
        &worker_path,
        worker.replace("OFFSETS", &dir.path().join("offsets").display().to_string()),
    )
    .unwrap();
    let connector_path = dir.path().join("connector.properties");
    std::fs::write(&connector_path, connector).unwrap();
    let output = Command::new(BIN)
        .arg("standalone")
        .arg(&worker_path)
        .arg(&connector_path)
        .output()
        .unwrap();
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn each_mistake_is_named_with_its_key() {
    let cases = [
        (
            "name=a\nconnector.class=com.example.NoSuchConnector\n",
            "connector.class: Failed to find any class that implements Connector and which name matches com.example.NoSuchConnector",
        ),
        (
            "name=a\nconnector.class=FileStreamSource\nfile=x\n",
            "topic: Missing required configuration \"topic\" which has no default value.",
        ),
        (
            "name=a\nconnector.class=FileStreamSource\ntopic=t\ntasks.max=x\n",
            "tasks.max: Invalid value x for configuration tasks.max: Not a number of type INT",
        ),
        (
            "name=a\nconnector.class=FileStreamSink\n",
            "topics: Must configure one of topics or topics.regex",
        ),
    ];
    for (connector, message) in cases {
        let (success, stderr) = run(WORKER, connector);
        assert!(!success, "{connector} was accepted");
        assert!(stderr.contains(message), "expected {message:?} in:\n{stderr}");
    }
}

#[test]
fn bad_worker_keys_are_named() {
    let worker = WORKER.replace(
        "key.converter=org.apache.kafka.connect.storage.StringConverter\n",
        "offset.flush.interval.ms=often\n",
    );
    let (success, stderr) = run(&worker, "name=a\nconnector.class=FileStreamSource\ntopic=t\n");
    assert!(!success);
    assert!(stderr.contains("Worker configuration is invalid"), "{stderr}");
    assert!(
        stderr.contains("key.converter: Missing required configuration \"key.converter\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("offset.flush.interval.ms: Invalid value often"),
        "{stderr}"
    );
}

#[test]
fn unknown_converters_are_named() {
    let worker = WORKER.replace(
        "value.converter=org.apache.kafka.connect.storage.StringConverter",
        "value.converter=com.example.Avro",
    );
    let (success, stderr) = run(&worker, "name=a\nconnector.class=FileStreamSource\ntopic=t\n");
    assert!(!success);
    assert!(stderr.contains("com.example.Avro"), "{stderr}");
}
