//! The raw librdkafka ceiling for the benchmark (`bench/run`): produces COUNT records of SIZE bytes
//! to a new topic with the producer settings a kconnect source task uses, then consumes them back
//! from the start with the consumer settings of a sink task on kconnect's own broker (which the
//! benchmark runs), and prints the records/s of each as `producer=<n> consumer=<n>`.
//!
//! `cargo run --release --example kafka_ceiling -- BOOTSTRAP [COUNT] [SIZE]`

use std::time::{Duration, Instant};

use futures::StreamExt;
use kconnect_runtime::kafka::consumer_config;
use kconnect_runtime::{ConfigMap, WorkerConfig};
use rdkafka::ClientConfig;
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::producer::{FutureProducer, FutureRecord};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let bootstrap = args
        .get(1)
        .expect("usage: kafka_ceiling BOOTSTRAP [COUNT] [SIZE]")
        .clone();
    let count: usize = args.get(2).map_or(1_000_000, |n| n.parse().expect("COUNT"));
    let size: usize = args.get(3).map_or(100, |n| n.parse().expect("SIZE"));
    let topic = format!("ceiling-{}", std::process::id());

    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .create()
        .expect("admin client");
    admin
        .create_topics(
            &[NewTopic::new(&topic, 1, TopicReplication::Fixed(1))],
            &AdminOptions::new(),
        )
        .await
        .expect("create topic");

    let producer: FutureProducer = ClientConfig::new()
        .set("bootstrap.servers", &bootstrap)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer");
    let payload = vec![b'x'; size];
    let started = Instant::now();
    let mut deliveries = Vec::with_capacity(count);
    for _ in 0..count {
        let record: FutureRecord<'_, (), [u8]> = FutureRecord::to(&topic).payload(&payload);
        deliveries.push(producer.send_result(record).expect("queue has room"));
    }
    for delivery in deliveries {
        delivery.await.expect("delivered").expect("acknowledged");
    }
    let produce_rate = count as f64 / started.elapsed().as_secs_f64();

    let consumer: StreamConsumer = consumer_config(
        &sink_worker(&bootstrap),
        &ConfigMap::new(),
        &format!("{topic}-reader"),
        "ceiling",
    )
    .create()
    .expect("consumer");
    consumer.subscribe(&[&topic]).expect("subscribe");
    let mut stream = consumer.stream();
    let mut read = 0;
    let mut first = None;
    while read < count {
        let next = tokio::time::timeout(Duration::from_secs(60), stream.next()).await;
        let message = next.expect("records keep coming").expect("stream open");
        message.expect("record");
        first.get_or_insert_with(Instant::now);
        read += 1;
    }
    let consume_rate = count as f64 / first.map_or(1e-6, |f| f.elapsed().as_secs_f64());
    println!("producer={produce_rate:.0} consumer={consume_rate:.0}");
}

/// A worker on kconnect's own broker at `bootstrap`, whose sink consumers the ceiling reads with.
fn sink_worker(bootstrap: &str) -> WorkerConfig {
    let props: ConfigMap = [
        ("bootstrap.servers", bootstrap),
        ("key.converter", "org.apache.kafka.connect.storage.StringConverter"),
        ("value.converter", "org.apache.kafka.connect.storage.StringConverter"),
        ("offset.storage.file.filename", "/dev/null"),
    ]
    .into_iter()
    .map(|(key, value)| (key.to_string(), value.to_string()))
    .collect();
    let mut worker = WorkerConfig::new(props).expect("worker config");
    worker.own_broker = true;
    worker
}
