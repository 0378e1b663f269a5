//! The raw ceiling of the mirror benchmark (`bench/run-mirror`), with the librdkafka client the
//! connectors run on:
//!
//! - `fill BOOTSTRAP TOPIC COUNT SIZE`: creates TOPIC (one partition) and writes COUNT records with
//!   a 16-byte key, a SIZE-byte value and one header.
//! - `copy SOURCE TARGET TOPIC COUNT`: reads TOPIC of SOURCE from the start and writes each record
//!   unchanged to `copy.TOPIC` on TARGET (the producer settings of a source task), until COUNT
//!   records are acknowledged; prints `records_per_s=<n> cpu_s=<n> peak_rss_mb=<n>`.

use std::time::{Duration, Instant};

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{FutureProducer, FutureRecord, Producer};
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

async fn create_topic(bootstrap: &str, topic: &str) {
    let admin: AdminClient<DefaultClientContext> = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .create()
        .expect("admin");
    admin
        .create_topics(
            &[NewTopic::new(topic, 1, TopicReplication::Fixed(1))],
            &AdminOptions::new(),
        )
        .await
        .expect("create topic");
}

fn producer(bootstrap: &str) -> FutureProducer {
    ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("enable.idempotence", "true")
        .set("acks", "all")
        .set("linger.ms", "5")
        .set("queue.buffering.max.messages", "1000000")
        .create()
        .expect("producer")
}

/// Hands `record` to the producer, waiting while its queue is full.
async fn send(producer: &FutureProducer, mut record: FutureRecord<'_, [u8], [u8]>) {
    loop {
        match producer.send_result(record) {
            Ok(_delivery) => return,
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), back)) => {
                record = back;
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
            Err((err, _)) => panic!("produce: {err}"),
        }
    }
}

async fn fill(bootstrap: &str, topic: &str, count: usize, size: usize) {
    create_topic(bootstrap, topic).await;
    let producer = producer(bootstrap);
    let value: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
    for n in 0..count {
        let key = format!("{n:016}");
        let headers = OwnedHeaders::new().insert(Header {
            key: "origin",
            value: Some("bench"),
        });
        let record = FutureRecord::to(topic)
            .key(key.as_bytes())
            .payload(value.as_slice())
            .headers(headers);
        send(&producer, record).await;
    }
    producer.flush(Duration::from_secs(120)).expect("flushed");
}

/// User + system CPU seconds and peak RSS (MB) of this process.
fn usage() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").expect("stat");
    let fields: Vec<&str> = stat.rsplit(')').next().expect("fields").split_whitespace().collect();
    let ticks: f64 = fields[11].parse::<f64>().expect("utime") + fields[12].parse::<f64>().expect("stime");
    let status = std::fs::read_to_string("/proc/self/status").expect("status");
    let hwm_kb: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .expect("VmHWM");
    (ticks / 100.0, hwm_kb / 1024.0)
}

async fn copy(source: &str, target: &str, topic: &str, count: usize) {
    let remote = format!("copy.{topic}");
    create_topic(target, &remote).await;
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", source)
        .set("group.id", "ceiling")
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "50")
        .create()
        .expect("consumer");
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(topic, 0, Offset::Beginning)
        .expect("partition");
    consumer.assign(&assignment).expect("assign");
    let producer = producer(target);
    let mut first = None;
    for _ in 0..count {
        let message = consumer.recv().await.expect("record");
        first.get_or_insert_with(Instant::now);
        let mut record = FutureRecord::to(&remote).partition(message.partition());
        record.key = message.key();
        record.payload = message.payload();
        if let Some(headers) = message.headers() {
            record = record.headers(headers.detach());
        }
        if let Some(timestamp) = message.timestamp().to_millis() {
            record = record.timestamp(timestamp);
        }
        send(&producer, record).await;
    }
    producer.flush(Duration::from_secs(120)).expect("flushed");
    let elapsed = first.expect("records").elapsed().as_secs_f64();
    let (cpu, rss) = usage();
    println!("records_per_s={} cpu_s={cpu} peak_rss_mb={rss}", count as f64 / elapsed);
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let number = |i: usize| -> usize { args[i].parse().expect("a number") };
    match args.first().map(String::as_str) {
        Some("fill") => fill(&args[1], &args[2], number(3), number(4)).await,
        Some("copy") => copy(&args[1], &args[2], &args[3], number(4)).await,
        _ => panic!("usage: mirror_ceiling fill BOOTSTRAP TOPIC COUNT SIZE | copy SOURCE TARGET TOPIC COUNT"),
    }
}
