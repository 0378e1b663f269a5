//! KIP-875 offsets over REST: read a source's and a sink's offsets, change them only while the
//! connector is STOPPED, and see the restarted connector resume from the changed offsets.

use std::path::Path;
use std::time::Duration;

use kconnect_test_kit::{Quickstart, append_lines, numbered_lines, wait_until};
use reqwest::{Client, Method};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

async fn call(port: u16, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let mut request = Client::new().request(method, format!("http://127.0.0.1:{port}{path}"));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("request");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls `GET path` until `check` holds on the body.
async fn eventually(port: u16, path: &str, check: impl Fn(&Value) -> bool) -> Value {
    let mut last = Value::Null;
    for _ in 0..300 {
        last = call(port, Method::GET, path, None).await.1;
        if check(&last) {
            return last;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{path} never satisfied the check; last body {last}");
}

#[tokio::test(flavor = "multi_thread")]
async fn offsets_are_read_altered_and_reset() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 500);
    let lines: Vec<String> = numbered_lines(0, 100).collect();
    let line_bytes = lines[0].len() as u64 + 1;
    append_lines(&quickstart.input(), lines.clone());
    let worker = quickstart.start();
    quickstart.wait_for_lines(&worker, 100);
    let port = quickstart.rest_port;
    let input = quickstart.input().display().to_string();

    let end = 100 * line_bytes;
    let source = eventually(port, "/connectors/local-file-source/offsets", |b| {
        b["offsets"][0]["offset"]["position"] == end
    })
    .await;
    assert_eq!(
        source,
        json!({"offsets": [{"partition": {"filename": input}, "offset": {"position": end}}]})
    );
    let sink = eventually(port, "/connectors/local-file-sink/offsets", |b| {
        b["offsets"][0]["offset"]["kafka_offset"] == 100
    })
    .await;
    assert_eq!(
        sink,
        json!({"offsets": [{"partition": {"kafka_topic": "connect-test", "kafka_partition": 0}, "offset": {"kafka_offset": 100}}]})
    );

    let rewind = json!({"offsets": [{"partition": {"filename": input}, "offset": {"position": 50 * line_bytes}}]});
    let (status, body) = call(
        port,
        Method::PATCH,
        "/connectors/local-file-source/offsets",
        Some(rewind.clone()),
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body["message"]
            .as_str()
            .unwrap()
            .starts_with("Connectors must be in the STOPPED state"),
        "{body}"
    );
    assert_eq!(
        call(port, Method::DELETE, "/connectors/local-file-sink/offsets", None)
            .await
            .0,
        400
    );

    assert_eq!(
        call(port, Method::PUT, "/connectors/local-file-source/stop", None)
            .await
            .0,
        204
    );
    let negative = json!({"offsets": [{"partition": {"filename": input}, "offset": {"position": -1}}]});
    assert_eq!(
        call(
            port,
            Method::PATCH,
            "/connectors/local-file-source/offsets",
            Some(negative)
        )
        .await
        .0,
        400
    );
    assert_eq!(
        call(
            port,
            Method::PATCH,
            "/connectors/local-file-source/offsets",
            Some(json!({"offsets": []}))
        )
        .await
        .0,
        400
    );
    let (status, body) = call(
        port,
        Method::PATCH,
        "/connectors/local-file-source/offsets",
        Some(rewind),
    )
    .await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"message": "The offsets for this connector have been altered successfully"})
        )
    );
    assert_eq!(
        call(port, Method::PUT, "/connectors/local-file-source/resume", None)
            .await
            .0,
        202
    );
    assert!(
        wait_until(Duration::from_secs(60), || quickstart.output().len() == 150),
        "lines 50..99 are read again"
    );
    assert_eq!(quickstart.output()[100..], lines[50..]);

    assert_eq!(
        call(port, Method::PUT, "/connectors/local-file-sink/stop", None)
            .await
            .0,
        204
    );
    let (status, body) = call(port, Method::DELETE, "/connectors/local-file-sink/offsets", None).await;
    assert_eq!(
        (status, body),
        (
            200,
            json!({"message": "The offsets for this connector have been reset successfully"})
        )
    );
    let reset = call(port, Method::GET, "/connectors/local-file-sink/offsets", None)
        .await
        .1;
    assert_eq!(reset["offsets"][0]["offset"]["kafka_offset"], 0, "{reset}");
    assert_eq!(
        call(port, Method::PUT, "/connectors/local-file-sink/resume", None)
            .await
            .0,
        202
    );
    assert!(
        wait_until(Duration::from_secs(60), || quickstart.output().len() == 300),
        "the sink writes the topic again"
    );

    assert_eq!(
        call(port, Method::PUT, "/connectors/local-file-sink/stop", None)
            .await
            .0,
        204
    );
    let skip = json!({"offsets": [{"partition": {"kafka_topic": "connect-test", "kafka_partition": "0"}, "offset": {"kafka_offset": "140"}}]});
    assert_eq!(
        call(port, Method::PATCH, "/connectors/local-file-sink/offsets", Some(skip))
            .await
            .0,
        200
    );
    assert_eq!(
        call(port, Method::PUT, "/connectors/local-file-sink/resume", None)
            .await
            .0,
        202
    );
    assert!(
        wait_until(Duration::from_secs(60), || quickstart.output().len() == 310),
        "the sink resumes at offset 140"
    );
    assert_eq!(quickstart.output()[300..], lines[90..]);
}
