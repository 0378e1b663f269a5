//! Debezium on Apache Kafka Connect beside kconnect, and its change events compared with
//! kconnect's: the same keys, headers and values but for what depends on when each ran.

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::{ConsumedRecord, RestApi, WorkerProcess, free_port};

/// Debezium on Apache Kafka Connect, standalone, on `bootstrap`, with its files in `dir`, running
/// `connectors` (each a connector's properties).
pub fn start_debezium(dir: &Path, bootstrap: &str, connectors: &[String]) -> WorkerProcess {
    let launcher = crate::apache_connect();
    let worker = dir.join("debezium-worker.properties");
    std::fs::write(
        &worker,
        format!(
            "bootstrap.servers={bootstrap}\noffset.storage.file.filename={}\noffset.flush.interval.ms=500\n\
             key.converter=org.apache.kafka.connect.json.JsonConverter\n\
             value.converter=org.apache.kafka.connect.json.JsonConverter\n\
             listeners=http://127.0.0.1:{}\nplugin.path={}\nplugin.discovery=service_load\n",
            dir.join("debezium.offsets").display(),
            free_port(),
            dir.display()
        ),
    )
    .unwrap();
    let mut files = String::new();
    for (n, properties) in connectors.iter().enumerate() {
        let file = dir.join(format!("debezium-{n}.properties"));
        std::fs::write(&file, properties).unwrap();
        files = format!("{files} {}", file.display());
    }
    let script = format!(
        "APACHE_CONNECT_DEBEZIUM=1 exec {} standalone {}{files}",
        launcher.display(),
        worker.display(),
    );
    WorkerProcess::spawn(
        Path::new("/bin/sh"),
        &[PathBuf::from("-c"), PathBuf::from(script)],
        &dir.join("debezium.log"),
    )
}

/// The REST API of the Debezium worker [`start_debezium`] started with its files in `dir`.
pub fn debezium_rest(dir: &Path) -> RestApi {
    let properties = std::fs::read_to_string(dir.join("debezium-worker.properties")).unwrap();
    let port = properties
        .lines()
        .find_map(|line| line.strip_prefix("listeners=http://127.0.0.1:"))
        .and_then(|port| port.trim().parse().ok())
        .expect("the Debezium worker's listener");
    RestApi::new(port)
}

/// A record as JSON, with topic prefix `prefix` written as Debezium's (`dbz`).
pub fn debezium_event(text: Option<&str>, prefix: &str) -> Value {
    text.filter(|t| !t.is_empty()).map_or(Value::Null, |t| {
        serde_json::from_str(
            &t.replace(&format!("\"{prefix}."), "\"dbz.")
                .replace(&format!("\"{prefix}\""), "\"dbz\""),
        )
        .unwrap()
    })
}

/// The value without what depends on when and where it ran: the envelope's and source's times
/// and version, and for snapshot rows the snapshot's own transaction and position.
pub fn comparable(mut value: Value) -> Value {
    if let Some(row) = value.get_mut("payload").and_then(Value::as_object_mut)
        && row.get("__op").is_some_and(|op| op == "r")
    {
        row.remove("__source_ts_ms");
    }
    if let Some(payload) = value.get_mut("payload").and_then(Value::as_object_mut) {
        for key in ["ts_ms", "ts_us", "ts_ns"] {
            payload.remove(key);
        }
        let snapshot = payload.get("op").is_some_and(|op| op == "r");
        if let Some(source) = payload.get_mut("source").and_then(Value::as_object_mut) {
            for key in ["version", "ts_ms", "ts_us", "ts_ns"] {
                source.remove(key);
            }
            if snapshot {
                for key in ["txId", "lsn", "sequence"] {
                    source.remove(key);
                }
            }
        }
    }
    value
}

/// The headers, by name and value.
fn headers(record: &ConsumedRecord) -> Vec<(String, String)> {
    record.headers.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// Asserts that kconnect's records (topic prefix `prefix`) are Debezium's (`their_prefix`), record
/// for record, as far as both go.
pub fn assert_same_events(theirs: &[ConsumedRecord], ours: &[ConsumedRecord], prefix: &str, their_prefix: &str) {
    for (index, (their, our)) in theirs.iter().zip(ours).enumerate() {
        assert_eq!(
            debezium_event(our.key.as_deref(), prefix),
            debezium_event(their.key.as_deref(), their_prefix),
            "{prefix} record {index}: key"
        );
        assert_eq!(headers(our), headers(their), "{prefix} record {index}: headers");
        assert_eq!(
            comparable(debezium_event(Some(&our.value), prefix)),
            comparable(debezium_event(Some(&their.value), their_prefix)),
            "{prefix} record {index}: value"
        );
    }
}
