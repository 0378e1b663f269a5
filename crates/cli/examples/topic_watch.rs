//! Watches a topic for the change data capture benchmark (`bench/run-cdc`): reads partition 0 of
//! TOPIC from OFFSET until COUNT records arrived (or none came for IDLE seconds after the first),
//! and prints `count=<n> first_ms=<t> last_ms=<t>` (the records' Kafka timestamps, so a rate does
//! not depend on how fast this reader is). With `--latency` it also reads each value's
//! `payload.source.ts_ms` (a JsonConverter change event's commit time) and prints the time from
//! commit to record received as `p50_ms=<n> p99_ms=<n> max_ms=<n>`; with `--latency-field NAME`
//! the change's time is the row's own column `NAME` instead (`after.NAME`, microseconds since the
//! epoch, a number or its text), for a source that times its events in whole seconds.
//!
//! `cargo run --release --example topic_watch -- BOOTSTRAP TOPIC OFFSET COUNT IDLE [--latency | --latency-field NAME]`

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use futures::StreamExt;
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::Message;
use rdkafka::{ClientConfig, Offset, TopicPartitionList};

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as i64)
}

/// Where a change event's time is read from.
enum ChangeTime {
    /// `source.ts_ms`: the commit's time, in milliseconds.
    Commit,
    /// `after.<field>`: the row's own time, in microseconds.
    Field(String),
}

impl ChangeTime {
    /// The change's time in a change event's JSON (with or without its schema), in milliseconds.
    fn of(&self, value: &[u8]) -> Option<i64> {
        let event: serde_json::Value = serde_json::from_slice(value).ok()?;
        let payload = event.get("payload").unwrap_or(&event);
        match self {
            Self::Commit => payload.get("source")?.get("ts_ms")?.as_i64(),
            Self::Field(field) => {
                let value = payload.get("after")?.get(field)?;
                let micros = value.as_i64().or_else(|| value.as_str()?.parse().ok())?;
                Some(micros / 1_000)
            }
        }
    }
}

fn percentile(sorted: &[i64], share: f64) -> i64 {
    sorted
        .get(((sorted.len() as f64 * share) as usize).min(sorted.len().saturating_sub(1)))
        .copied()
        .unwrap_or(0)
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let usage = "usage: topic_watch BOOTSTRAP TOPIC OFFSET COUNT IDLE [--latency | --latency-field NAME]";
    let [_, bootstrap, topic, offset, count, idle, ..] = args.as_slice() else {
        panic!("{usage}");
    };
    let offset: i64 = offset.parse().expect("OFFSET");
    let count: usize = count.parse().expect("COUNT");
    let idle = Duration::from_secs(idle.parse().expect("IDLE"));
    let latency = match args.iter().position(|a| a == "--latency-field") {
        Some(at) => Some(ChangeTime::Field(args.get(at + 1).expect(usage).clone())),
        None => args.iter().any(|a| a == "--latency").then_some(ChangeTime::Commit),
    };
    let consumer: StreamConsumer = ClientConfig::new()
        .set("bootstrap.servers", bootstrap)
        .set("group.id", format!("topic-watch-{}", std::process::id()))
        .set("enable.auto.commit", "false")
        .set("fetch.wait.max.ms", "10")
        .set("topic.metadata.refresh.interval.ms", "500")
        .create()
        .expect("consumer");
    let mut partitions = TopicPartitionList::new();
    partitions
        .add_partition_offset(topic, 0, Offset::Offset(offset))
        .expect("partition");
    consumer.assign(&partitions).expect("assign");
    let mut stream = consumer.stream();
    let (mut seen, mut first_ms, mut last_ms) = (0usize, None, 0i64);
    let mut latencies = Vec::new();
    while seen < count {
        let wait = if seen == 0 { Duration::from_secs(3600) } else { idle };
        let Ok(Some(message)) = tokio::time::timeout(wait, stream.next()).await else {
            break;
        };
        let Ok(message) = message else { continue };
        let received = now_ms();
        let at = message.timestamp().to_millis().unwrap_or(received);
        first_ms.get_or_insert(at);
        last_ms = at;
        seen += 1;
        if let Some(time) = &latency
            && let Some(committed) = message.payload().and_then(|value| time.of(value))
        {
            latencies.push(received - committed);
        }
    }
    let mut line = format!("count={seen} first_ms={} last_ms={last_ms}", first_ms.unwrap_or(0));
    if latency.is_some() {
        latencies.sort_unstable();
        line += &format!(
            " p50_ms={} p99_ms={} max_ms={}",
            percentile(&latencies, 0.50),
            percentile(&latencies, 0.99),
            latencies.last().copied().unwrap_or(0)
        );
    }
    println!("{line}");
}
