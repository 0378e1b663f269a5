//! `kconnect registry` on its own over a `kconnect broker`: what it is told survives a kill, as
//! the `_schemas` topic has it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconnect_test_kit::{BrokerProcess, WorkerProcess, free_port, wait_until};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const A: &str = r#"{"type":"record","name":"A","fields":[{"name":"x","type":"long"}]}"#;
const A2: &str =
    r#"{"type":"record","name":"A","fields":[{"name":"x","type":"long"},{"name":"y","type":"string","default":""}]}"#;

fn start_registry(dir: &Path, bootstrap: &str, port: u16) -> WorkerProcess {
    let args = [
        "registry",
        "--listen",
        &format!("127.0.0.1:{port}"),
        "--bootstrap-servers",
        bootstrap,
    ];
    let args: Vec<PathBuf> = args.iter().map(PathBuf::from).collect();
    let registry = WorkerProcess::spawn(Path::new(BIN), &args, &dir.join("registry.log"));
    let up = wait_until(Duration::from_secs(60), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    assert!(up, "the registry listens; its log:\n{}", registry.log());
    registry
}

async fn call(method: reqwest::Method, url: String, body: Option<Value>) -> Value {
    let mut request = reqwest::Client::new().request(method, url);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap().json().await.unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn subjects_ids_levels_and_deletes_survive_a_kill() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("broker"), "sqlite");
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}");
    let registry = start_registry(dir.path(), &broker.bootstrap, port);
    let post = |path: &str, body: Value| call(reqwest::Method::POST, format!("{url}{path}"), Some(body));
    assert_eq!(
        post("/subjects/a-value/versions", json!({"schema": A})).await,
        json!({"id": 1})
    );
    assert_eq!(
        post("/subjects/a-value/versions", json!({"schema": A2})).await,
        json!({"id": 2})
    );
    assert_eq!(
        post("/subjects/b-value/versions", json!({"schema": "\"string\""})).await,
        json!({"id": 3})
    );
    let level = call(
        reqwest::Method::PUT,
        format!("{url}/config/a-value"),
        Some(json!({"compatibility": "FULL"})),
    );
    assert_eq!(level.await, json!({"compatibility": "FULL"}));
    let deleted = call(reqwest::Method::DELETE, format!("{url}/subjects/b-value"), None).await;
    assert_eq!(deleted, json!([1]));

    registry.signal("KILL");
    drop(registry);
    let _registry = start_registry(dir.path(), &broker.bootstrap, port);
    let get = |path: &str| call(reqwest::Method::GET, format!("{url}{path}"), None);
    assert_eq!(get("/subjects").await, json!(["a-value"]));
    assert_eq!(get("/subjects/a-value/versions").await, json!([1, 2]));
    assert_eq!(get("/subjects/a-value/versions/2").await["id"], 2);
    assert_eq!(
        get("/schemas/ids/3").await,
        json!({"schema": "\"string\""}),
        "a soft-deleted schema keeps its id"
    );
    assert_eq!(get("/config/a-value").await, json!({"compatibilityLevel": "FULL"}));
    assert_eq!(
        post("/subjects/c-value/versions", json!({"schema": "\"int\""})).await,
        json!({"id": 4}),
        "ids go on from the topic's"
    );
}
