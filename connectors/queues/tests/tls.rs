//! The MQTT, RabbitMQ and NATS connectors over TLS, each against a server of the test's own that
//! listens only with TLS and asks clients for a certificate (a test CA made with openssl, its
//! stores with keytool): records go from Kafka through the sink to the server and back through the
//! source, with the stores a Java user has (JKS for MQTT, PKCS12 for RabbitMQ, PEM files for NATS);
//! without the CA the server's certificate is refused and the task fails naming where.

mod common;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::own_server::OwnServer;
use common::{consume_each, expect_failure_naming};
use kconnect_test_kit::{JavaStores, STORE_PASSWORD, TestWorker, create_topic, free_port, java_stores, produce_values};
use lapin::options::QueueDeclareOptions;
use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::types::FieldTable;
use lapin::{Connection, ConnectionProperties};
use serde_json::{Value, json};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_queues::plugins());

/// The stores of a test CA and of the certificate it signs for 127.0.0.1, usable by the server
/// and by the client; the directory lives as long as the stores are used.
fn stores() -> (tempfile::TempDir, JavaStores) {
    let dir = tempfile::tempdir().unwrap();
    let stores = java_stores(dir.path());
    (dir, stores)
}

fn path(file: &Path) -> String {
    file.display().to_string()
}

/// `config` with every key of `extra` set.
fn with(mut config: Value, extra: &Value) -> Value {
    for (key, value) in extra.as_object().unwrap() {
        config[key] = value.clone();
    }
    config
}

/// Starts `source` (the server → topic `<label>-out`), waits until it runs (and so subscribed),
/// then `sink` (topic `<label>-in` → the server), both with `tls`; records produced to
/// `<label>-in` must come out of `<label>-out`.
async fn round_trip(worker: &TestWorker, label: &str, source: Value, sink: Value, tls: &Value) {
    let (topic_in, topic_out) = (format!("{label}-in"), format!("{label}-out"));
    create_topic(&worker.bootstrap, &topic_in).await;
    create_topic(&worker.bootstrap, &topic_out).await;
    let bytes = json!({
        "value.converter": "org.apache.kafka.connect.converters.ByteArrayConverter",
    });
    let source = with(with(source, tls), &bytes);
    worker
        .create(
            &format!("{label}-source"),
            with(source, &json!({"kafka.topic": topic_out})),
        )
        .await;
    worker.expect_running_tasks(&format!("{label}-source"), 1).await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let sink = with(with(sink, tls), &bytes);
    worker
        .create(&format!("{label}-sink"), with(sink, &json!({"topics": topic_in})))
        .await;
    let values: Vec<String> = (0..20).map(|n| format!("{label}-{n}")).collect();
    produce_values(&worker.bootstrap, &topic_in, values.clone()).await;
    let expected: BTreeSet<String> = values.into_iter().collect();
    let arrived: BTreeSet<String> = consume_each(&worker.bootstrap, &topic_out, &expected)
        .await
        .into_iter()
        .map(|record| record.value)
        .collect();
    assert_eq!(arrived, expected, "{label}\n{}", worker.process.log());
}

#[tokio::test(flavor = "multi_thread")]
async fn mqtt_over_tls_with_java_keystores() {
    let (_dir, stores) = stores();
    let (ca, cert, key) = (path(&stores.ca), path(&stores.cert), path(&stores.key));
    let server = OwnServer::start(move |dir, port| {
        let conf = dir.join("mosquitto.conf");
        let text = format!(
            "listener {port} 127.0.0.1\nallow_anonymous true\npersistence false\nuser root\n\
             cafile {ca}\ncertfile {cert}\nkeyfile {key}\nrequire_certificate true\n"
        );
        std::fs::write(&conf, text).unwrap();
        let mut command = Command::new("mosquitto");
        command.arg("-c").arg(conf);
        command
    })
    .await;
    let uri = format!("ssl://127.0.0.1:{}", server.port);
    let tls = json!({
        "mqtt.server.uri": uri,
        "mqtt.qos": "1",
        "mqtt.ssl.trust.store.path": path(&stores.truststore_jks),
        "mqtt.ssl.trust.store.password": STORE_PASSWORD,
        "mqtt.ssl.key.store.path": path(&stores.keystore_jks),
        "mqtt.ssl.key.store.password": STORE_PASSWORD,
        "mqtt.ssl.key.password": STORE_PASSWORD,
    });
    let worker = TestWorker::start(false).await;
    round_trip(
        &worker,
        "mqtt-tls",
        json!({"connector.class": "MqttSourceConnector", "mqtt.topics": "tls/#"}),
        // Each record goes to the MQTT topic of its Kafka topic's name, renamed under tls/.
        json!({
            "connector.class": "MqttSinkConnector",
            "transforms": "under",
            "transforms.under.type": "org.apache.kafka.connect.transforms.RegexRouter",
            "transforms.under.regex": "(.*)",
            "transforms.under.replacement": "tls/$1",
        }),
        &tls,
    )
    .await;

    worker
        .create(
            "mqtt-unknown-ca",
            json!({
                "connector.class": "MqttSourceConnector",
                "mqtt.server.uri": uri,
                "mqtt.topics": "tls/#",
                "kafka.topic": "mqtt-tls-out",
            }),
        )
        .await;
    expect_failure_naming(&worker, "mqtt-unknown-ca", &["mqtt.server.uri", "certificate"]).await;
}

/// A RabbitMQ node of its own (`rabbitmq-server` run directly, as root, under a name and ports of
/// its own) listening only with TLS.
async fn rabbitmq_over_tls(stores: &JavaStores) -> OwnServer {
    let (ca, cert, key) = (path(&stores.ca), path(&stores.cert), path(&stores.key));
    let distribution = free_port();
    OwnServer::start(move |dir, port| {
        let conf = dir.join("rabbitmq.conf");
        let text = format!(
            "listeners.tcp = none\nlisteners.ssl.default = 127.0.0.1:{port}\nloopback_users = none\n\
             ssl_options.cacertfile = {ca}\nssl_options.certfile = {cert}\nssl_options.keyfile = {key}\n\
             ssl_options.verify = verify_peer\nssl_options.fail_if_no_peer_cert = true\n"
        );
        std::fs::write(&conf, text).unwrap();
        let mut command = Command::new("/usr/lib/rabbitmq/bin/rabbitmq-server");
        command
            .env("RABBITMQ_NODENAME", format!("kconnect-tls-{port}@localhost"))
            .env("RABBITMQ_DIST_PORT", distribution.to_string())
            .env("RABBITMQ_CONFIG_FILE", &conf)
            .env("RABBITMQ_MNESIA_BASE", dir.join("mnesia"))
            .env("RABBITMQ_LOG_BASE", dir.join("log"))
            .env("RABBITMQ_ENABLED_PLUGINS_FILE", dir.join("plugins"))
            .env("RABBITMQ_PID_FILE", dir.join("pid"));
        command
    })
    .await
}

#[tokio::test(flavor = "multi_thread")]
async fn rabbitmq_over_tls_with_pkcs12_stores() {
    let (_dir, stores) = stores();
    let server = rabbitmq_over_tls(&stores).await;
    // The queue both connectors use, declared over TLS with the PEM files.
    let client_tls = OwnedTLSConfig {
        identity: Some(OwnedIdentity::PKCS8 {
            pem: std::fs::read(&stores.cert).unwrap(),
            key: std::fs::read(&stores.key).unwrap(),
        }),
        cert_chain: Some(std::fs::read_to_string(&stores.ca).unwrap()),
    };
    let url = format!("amqps://guest:guest@127.0.0.1:{}/%2f", server.port);
    let mut connected = None;
    for _ in 0..100 {
        let runtime = lapin::runtime::default_runtime().unwrap();
        match Connection::connect_with_config(&url, ConnectionProperties::default(), client_tls.clone(), runtime).await
        {
            Ok(connection) => {
                connected = Some(connection);
                break;
            }
            // The node accepts connections a little before it answers them.
            Err(_) => tokio::time::sleep(Duration::from_millis(200)).await,
        }
    }
    let connection = connected.expect("an AMQP client over TLS of the test's node");
    let channel = connection.create_channel().await.unwrap();
    channel
        .queue_declare("tls".into(), QueueDeclareOptions::durable(), FieldTable::default())
        .await
        .unwrap();

    let tls = json!({
        "rabbitmq.host": "127.0.0.1",
        "rabbitmq.port": server.port.to_string(),
        "rabbitmq.security.protocol": "SSL",
        "rabbitmq.https.ssl.truststore.location": path(&stores.truststore_p12),
        "rabbitmq.https.ssl.truststore.password": STORE_PASSWORD,
        "rabbitmq.https.ssl.truststore.type": "PKCS12",
        "rabbitmq.https.ssl.keystore.location": path(&stores.keystore_p12),
        "rabbitmq.https.ssl.keystore.password": STORE_PASSWORD,
    });
    let worker = TestWorker::start(false).await;
    round_trip(
        &worker,
        "rabbitmq-tls",
        json!({"connector.class": "RabbitMQSourceConnector", "rabbitmq.queue": "tls"}),
        json!({
            "connector.class": "RabbitMQSinkConnector",
            "rabbitmq.exchange": "",
            "rabbitmq.routing.key": "tls",
        }),
        &tls,
    )
    .await;

    worker
        .create(
            "rabbitmq-unknown-ca",
            json!({
                "connector.class": "RabbitMQSourceConnector",
                "rabbitmq.host": "127.0.0.1",
                "rabbitmq.port": server.port.to_string(),
                "rabbitmq.security.protocol": "SSL",
                "rabbitmq.queue": "tls",
                "kafka.topic": "rabbitmq-tls-out",
            }),
        )
        .await;
    expect_failure_naming(&worker, "rabbitmq-unknown-ca", &["rabbitmq.host", "certificate"]).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn nats_over_tls_with_pem_files() {
    let (_dir, stores) = stores();
    let (ca, cert, key) = (path(&stores.ca), path(&stores.cert), path(&stores.key));
    let server = OwnServer::start(move |_dir, port| {
        let mut command = Command::new("nats-server");
        command
            .args(["-a", "127.0.0.1", "-p", &port.to_string(), "--tlsverify"])
            .args(["--tlscert", &cert, "--tlskey", &key, "--tlscacert", &ca]);
        command
    })
    .await;
    let servers = format!("tls://127.0.0.1:{}", server.port);
    let tls = json!({
        "nats.servers": servers,
        "nats.tls.ca.file": path(&stores.ca),
        "nats.tls.cert.file": path(&stores.cert),
        "nats.tls.key.file": path(&stores.key),
    });
    let worker = TestWorker::start(false).await;
    round_trip(
        &worker,
        "nats-tls",
        json!({"connector.class": "NatsSourceConnector", "nats.subjects": "tls"}),
        json!({
            "connector.class": "NatsSinkConnector",
            "nats.subject": "tls",
            "nats.jetstream.enabled": "false",
        }),
        &tls,
    )
    .await;

    worker
        .create(
            "nats-unknown-ca",
            json!({
                "connector.class": "NatsSourceConnector",
                "nats.servers": servers,
                "nats.subjects": "tls",
                "kafka.topic": "nats-tls-out",
            }),
        )
        .await;
    expect_failure_naming(&worker, "nats-unknown-ca", &["nats.servers"]).await;
}
