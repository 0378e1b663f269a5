//! `kconnect registry` on its own over a `kconnect broker`: what it is told survives a kill, as
//! the `_schemas` topic has it; over HTTPS with client certificates, a worker's AvroConverter
//! reaches it with `schema.registry.ssl.*`.

use std::path::{Path, PathBuf};
use std::time::Duration;

use kconnect_test_kit::{
    BrokerProcess, Quickstart, STORE_PASSWORD, WorkerProcess, append_lines, consume_records, create_topic, free_port,
    java_stores, wait_until,
};
use serde_json::{Value, json};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");
const A: &str = r#"{"type":"record","name":"A","fields":[{"name":"x","type":"long"}]}"#;
const A2: &str =
    r#"{"type":"record","name":"A","fields":[{"name":"x","type":"long"},{"name":"y","type":"string","default":""}]}"#;

fn start_registry(dir: &Path, bootstrap: &str, port: u16) -> WorkerProcess {
    start_registry_with(dir, bootstrap, &format!("127.0.0.1:{port}"), &[])
}

/// `kconnect registry --listen listen` with `extra` arguments, its log in `dir`; `listen` ends
/// with the port.
fn start_registry_with(dir: &Path, bootstrap: &str, listen: &str, extra: &[&str]) -> WorkerProcess {
    std::fs::create_dir_all(dir).unwrap();
    let port: u16 = listen.rsplit(':').next().unwrap().parse().unwrap();
    let args = [
        &["registry", "--listen", listen, "--bootstrap-servers", bootstrap][..],
        extra,
    ]
    .concat();
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
    // The killed process's membership (its URL, the same) holds the group until its session ends.
    assert_eq!(
        register_when_elected(&url, "c-value", "\"int\"").await,
        Ok(4),
        "ids go on from the topic's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn avro_records_go_through_a_registry_that_asks_for_client_certificates() {
    let dir = tempfile::tempdir().unwrap();
    let stores = java_stores(dir.path());
    let broker = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("broker"), "sqlite");
    let ssl_config = dir.path().join("registry-ssl.properties");
    let store = |path: &Path| path.display().to_string();
    std::fs::write(
        &ssl_config,
        format!(
            "ssl.keystore.location={}\nssl.keystore.password={STORE_PASSWORD}\n\
             ssl.truststore.location={}\nssl.truststore.password={STORE_PASSWORD}\n\
             ssl.client.authentication=REQUIRED\n",
            store(&stores.keystore_jks),
            store(&stores.truststore_jks)
        ),
    )
    .unwrap();
    let port = free_port();
    let listen = format!("https://127.0.0.1:{port}");
    let ssl_config = store(&ssl_config);
    let registry = start_registry_with(dir.path(), &broker.bootstrap, &listen, &["--ssl-config", &ssl_config]);

    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    create_topic(&broker.bootstrap, "connect-test").await;
    quickstart.use_broker(&broker.bootstrap);
    let converter = format!(
        "value.converter=io.confluent.connect.avro.AvroConverter\n\
         value.converter.schema.registry.url=https://localhost:{port}\n\
         value.converter.schema.registry.ssl.truststore.location={}\n\
         value.converter.schema.registry.ssl.truststore.password={STORE_PASSWORD}\n\
         value.converter.schema.registry.ssl.keystore.location={}\n\
         value.converter.schema.registry.ssl.keystore.password={STORE_PASSWORD}\n",
        store(&stores.truststore_p12),
        store(&stores.keystore_p12)
    );
    quickstart.with_struct_lines(&converter);

    let lines = ["alpha", "beta"];
    append_lines(&quickstart.input(), lines.iter().map(|line| line.to_string()));
    let worker = quickstart.start();
    quickstart.wait_for_lines(&worker, lines.len());
    let expected: Vec<String> = lines.iter().map(|line| format!("Struct{{line={line}}}")).collect();
    assert_eq!(
        quickstart.output(),
        expected,
        "worker log:\n{}\nregistry log:\n{}",
        worker.log(),
        registry.log()
    );
    let records = consume_records(&broker.bootstrap, "connect-test", lines.len(), Duration::from_secs(30)).await;
    assert!(
        records
            .iter()
            .all(|record| record.value.as_bytes()[..5] == [0, 0, 0, 0, 1]),
        "Avro on the wire format, schema id 1"
    );

    let curl = |extra: &[&str]| {
        let url = format!("https://localhost:{port}/subjects");
        let ca = store(&stores.ca);
        let args = [
            &["-s", "--max-time", "10", "--cacert", ca.as_str()][..],
            extra,
            &[url.as_str()],
        ]
        .concat();
        let output = std::process::Command::new("curl").args(&args).output().expect("curl");
        String::from_utf8_lossy(&output.stdout).to_string()
    };
    let (cert, key) = (store(&stores.cert), store(&stores.key));
    assert_eq!(curl(&["--cert", &cert, "--key", &key]), r#"["connect-test-value"]"#);
    assert_eq!(curl(&[]), "", "a client without a certificate is turned away");
}

/// Registers `schema` under `subject` at `url`, retrying while no writer is elected (50004) or a
/// forward fails (50003) for up to a minute: the id, or the last answer.
async fn register_when_elected(url: &str, subject: &str, schema: &str) -> Result<i64, Value> {
    let mut answer = Value::Null;
    for _ in 0..120 {
        answer = call(
            reqwest::Method::POST,
            format!("{url}/subjects/{subject}/versions"),
            Some(json!({"schema": schema})),
        )
        .await;
        match (answer["id"].as_i64(), answer["error_code"].as_i64()) {
            (Some(id), _) => return Ok(id),
            (None, Some(50003 | 50004)) => tokio::time::sleep(Duration::from_millis(500)).await,
            _ => break,
        }
    }
    Err(answer)
}

fn long_record(n: usize) -> String {
    format!(r#"{{"type":"record","name":"R{n}","fields":[{{"name":"x","type":"long"}}]}}"#)
}

#[tokio::test(flavor = "multi_thread")]
async fn registries_on_one_topic_elect_one_writer_and_the_survivor_takes_over() {
    let dir = tempfile::tempdir().unwrap();
    let broker = BrokerProcess::start(Path::new(BIN), free_port(), &dir.path().join("broker"), "sqlite");
    let urls = [free_port(), free_port(), free_port()].map(|port| format!("http://127.0.0.1:{port}"));
    let start = |n: usize| {
        let listen = urls[n].trim_start_matches("http://").to_string();
        start_registry_with(&dir.path().join(format!("r{n}")), &broker.bootstrap, &listen, &[])
    };
    let mut registries = [Some(start(0)), Some(start(1)), None];

    // Twenty registrations at once, half through each member: every id is given once.
    let writes: Vec<_> = (0..20)
        .map(|n| {
            let url = urls[n % 2].clone();
            tokio::spawn(async move {
                register_when_elected(&url, &format!("s{n}-value"), &long_record(n))
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut ids = Vec::new();
    for write in writes {
        ids.push(write.await.unwrap());
    }
    let mut sorted = ids.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        (1..=20).collect::<Vec<i64>>(),
        "one writer, no id twice: {ids:?}"
    );
    // Both members answer reads from the topic: the same ids.
    for url in &urls[..2] {
        for (n, id) in ids.iter().enumerate() {
            let mut seen = Value::Null;
            for _ in 0..60 {
                seen = call(
                    reqwest::Method::GET,
                    format!("{url}/subjects/s{n}-value/versions/1"),
                    None,
                )
                .await;
                if seen["id"].as_i64() == Some(*id) {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            assert_eq!(seen["id"].as_i64(), Some(*id), "{url} s{n}-value: {seen}");
        }
    }

    // The writer is killed: the other member is elected and goes on from the topic's ids.
    let leader = (0..2)
        .find(|&n| {
            let log = registries[n].as_ref().unwrap().log();
            log.rfind("leader=Here") > log.rfind("leader=Leader")
        })
        .expect("one member writes");
    registries[leader].take().unwrap().signal("KILL");
    let survivor = &urls[1 - leader];
    let survivor_log = || registries[1 - leader].as_ref().unwrap().log();
    let id = register_when_elected(survivor, "after-value", &long_record(99))
        .await
        .unwrap_or_else(|answer| panic!("{answer}; the survivor's log:\n{}", survivor_log()));
    assert_eq!(id, 21, "the survivor gives the next id");
    assert!(
        registries[1 - leader].as_ref().unwrap().log().contains("leader=Here"),
        "the survivor writes now"
    );

    // A writer stopped on purpose leaves the group: the next is elected without waiting out the
    // stopped one's session (10 s).
    registries[2] = Some(start(2));
    register_when_elected(&urls[2], "third-value", &long_record(100))
        .await
        .unwrap();
    let stopped = std::time::Instant::now();
    let mut writer = registries[1 - leader].take().unwrap();
    writer.signal("TERM");
    writer.wait(Duration::from_secs(10)).expect("the writer stops");
    let id = register_when_elected(&urls[2], "last-value", &long_record(101))
        .await
        .unwrap();
    assert_eq!(id, 23);
    assert!(
        stopped.elapsed() < Duration::from_secs(8),
        "elected in {:?}; its log:\n{}",
        stopped.elapsed(),
        registries[2].as_ref().unwrap().log()
    );
}
