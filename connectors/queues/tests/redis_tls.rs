//! The Redis source and sink over TLS, against a `redis-server` of the test's own that listens only
//! with TLS and asks clients for certificates (a test CA made with openssl): with `redis.cacert`
//! and a client certificate both work; without the CA the server's certificate is refused, and the
//! task fails naming the address.

mod common;

use std::process::Command;

use common::own_server::OwnServer;
use common::{WAIT, expect_failure_naming};
use kconnect_test_kit::{
    ProducedRecord, TestWorker, consume_records, create_topic, produce_records, test_certificates,
};
use redis::{AsyncCommands, Client, ClientTlsConfig, TlsCertificates};
use serde_json::json;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

#[tokio::test(flavor = "multi_thread")]
async fn source_and_sink_work_over_mutual_tls_and_an_unknown_ca_is_refused() {
    let server = OwnServer::start(|dir, port| {
        let (ca, cert, key) = test_certificates(dir);
        let mut command = Command::new("redis-server");
        command
            .args([
                "--port",
                "0",
                "--tls-port",
                &port.to_string(),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
            ])
            .arg("--tls-cert-file")
            .arg(cert)
            .arg("--tls-key-file")
            .arg(key)
            .arg("--tls-ca-cert-file")
            .arg(ca)
            .args(["--tls-auth-clients", "yes", "--dir"])
            .arg(dir);
        command
    })
    .await;
    let file = |name: &str| server.dir.path().join(name).display().to_string();
    let uri = format!("rediss://127.0.0.1:{}", server.port);
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certificates = TlsCertificates {
        client_tls: Some(ClientTlsConfig {
            client_cert: std::fs::read(file("cert.pem")).unwrap(),
            client_key: std::fs::read(file("key.pem")).unwrap(),
        }),
        root_cert: Some(std::fs::read(file("ca.pem")).unwrap()),
    };
    let mut redis = Client::build_with_tls(uri.as_str(), certificates)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .expect("a TLS client of the test's server");
    let _: String = redis.xadd("tls-source", "*", &[("greeting", "hello")]).await.unwrap();

    let worker = TestWorker::start(false).await;
    create_topic(&worker.bootstrap, "from-tls").await;
    create_topic(&worker.bootstrap, "to-tls").await;
    let tls = json!({
        "redis.uri": uri,
        "redis.cacert": file("ca.pem"),
        "redis.key.cert": file("cert.pem"),
        "redis.key.file": file("key.pem"),
        "value.converter": "org.apache.kafka.connect.json.JsonConverter",
        "value.converter.schemas.enable": "false",
    });
    let with_tls = |mut config: serde_json::Value| {
        for (key, value) in tls.as_object().unwrap() {
            config[key] = value.clone();
        }
        config
    };
    worker
        .create(
            "from-tls",
            with_tls(json!({
                "connector.class": "RedisStreamSourceConnector",
                "redis.stream.name": "tls-source",
                "topic": "from-tls",
            })),
        )
        .await;
    let records = consume_records(&worker.bootstrap, "from-tls", 1, WAIT).await;
    assert_eq!(records.len(), 1, "{}", worker.process.log());
    assert!(
        records[0].value.contains(r#""greeting":"hello""#),
        "{}",
        records[0].value
    );

    let record = ProducedRecord {
        key: Some("k".into()),
        value: r#""secret""#.into(),
        headers: Vec::new(),
    };
    produce_records(&worker.bootstrap, "to-tls", None, [record]).await;
    worker
        .create(
            "to-tls",
            with_tls(json!({
                "connector.class": "RedisSinkConnector",
                "topics": "to-tls",
                "redis.command": "SET",
                "key.converter": "org.apache.kafka.connect.storage.StringConverter",
            })),
        )
        .await;
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let written: Option<String> = redis.get("to-tls:k").await.unwrap();
        if written.as_deref() == Some("secret") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{}", worker.process.log());
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    worker
        .create(
            "unknown-ca",
            json!({
                "connector.class": "RedisStreamSourceConnector",
                "redis.uri": uri,
                "redis.stream.name": "tls-source",
            }),
        )
        .await;
    expect_failure_naming(&worker, "unknown-ca", &["redis.uri", "certificate"]).await;
}
