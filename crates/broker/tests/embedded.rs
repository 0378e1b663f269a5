//! The embedded broker in-process, spoken to by a real Kafka client (librdkafka).

use std::time::Duration;

use kconnect_test_kit::{consume_values, create_topic, produce_values, start_broker};

#[tokio::test(flavor = "multi_thread")]
async fn records_produced_are_consumed_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let broker = start_broker(dir.path()).await;
    let bootstrap = broker.bootstrap_servers();
    create_topic(&bootstrap, "orders").await;
    let values: Vec<String> = (0..1_000).map(|i| format!("order-{i}")).collect();
    produce_values(&bootstrap, "orders", values.clone()).await;
    let consumed = consume_values(&bootstrap, "orders", values.len(), Duration::from_secs(60)).await;
    assert_eq!(consumed, values);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_taken_port_is_a_clear_error() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let options = kconnect_broker::BrokerOptions {
        listen: taken.local_addr().unwrap(),
        data_dir: tempfile::tempdir().unwrap().path().to_path_buf(),
        storage: kconnect_broker::StorageKind::Memory,
        require_sasl: false,
        advertised: None,
    };
    let err = kconnect_broker::EmbeddedBroker::start(options)
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("could not listen") && err.contains("bootstrap.servers"),
        "{err}"
    );
}
