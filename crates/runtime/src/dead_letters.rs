//! A sink's dead letter queue read back for people: its newest records, every partition's, with
//! their headers, for the UI's browser.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kconnect_api::ConfigMap;
use rdkafka::Offset;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::message::Message;
use rdkafka::topic_partition_list::TopicPartitionList;

use crate::convert::message_headers;
use crate::error::RuntimeError;
use crate::error_handling::DLQ_TOPIC;
use crate::kafka::consumer_config;
use crate::offsets_api::blocking;
use crate::worker::Worker;

const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
const POLL: Duration = Duration::from_millis(100);

/// One record of a dead letter queue.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetter {
    /// The DLQ topic's partition.
    pub partition: i32,
    /// Its offset there.
    pub offset: i64,
    /// When it was written, in milliseconds since the epoch.
    pub timestamp: Option<i64>,
    /// The failed record's key bytes.
    pub key: Option<Vec<u8>>,
    /// The failed record's value bytes.
    pub value: Option<Vec<u8>>,
    /// Its headers in order: the original ones and Apache's `__connect.errors.*`.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// A connector's dead letter queue topic and its newest records, newest first.
#[derive(Debug, Clone, PartialEq)]
pub struct DeadLetters {
    /// The topic of `errors.deadletterqueue.topic.name`.
    pub topic: String,
    /// At most the asked number of records, newest first.
    pub records: Vec<DeadLetter>,
}

/// The newest `limit` records of the dead letter queue of connector `name`, configured with
/// `config`; a bad request when it has none.
pub async fn newest_dead_letters(
    worker: &Arc<Worker>,
    name: &str,
    config: &ConfigMap,
    limit: usize,
) -> Result<DeadLetters, RuntimeError> {
    let topic = config
        .get(DLQ_TOPIC)
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| RuntimeError::BadRequest(format!("Connector {name} has no {DLQ_TOPIC}")))?;
    let (name, config) = (name.to_string(), config.clone());
    blocking(worker, move |worker| {
        let mut client = consumer_config(&worker.config, &config, &name, &format!("dead-letters-{name}"));
        // Read without joining or committing for any group, least of all the sink's own.
        client.set("group.id", format!("kconnect-dead-letters-{name}"));
        let consumer: BaseConsumer = client.create()?;
        let records = newest(&consumer, &topic, limit)?;
        Ok(DeadLetters { topic, records })
    })
    .await
}

/// The newest `limit` records over every partition of `topic`, newest first.
fn newest(consumer: &BaseConsumer, topic: &str, limit: usize) -> Result<Vec<DeadLetter>, RuntimeError> {
    let metadata = consumer.fetch_metadata(Some(topic), REQUEST_TIMEOUT)?;
    let mut assignment = TopicPartitionList::new();
    let mut ends = Vec::new();
    for partition in metadata.topics().iter().flat_map(|t| t.partitions()) {
        let (low, high) = consumer.fetch_watermarks(topic, partition.id(), REQUEST_TIMEOUT)?;
        let start = (high - limit as i64).max(low);
        if start < high {
            assignment.add_partition_offset(topic, partition.id(), Offset::Offset(start))?;
            ends.push((partition.id(), high));
        }
    }
    let mut records = Vec::new();
    if ends.is_empty() {
        return Ok(records);
    }
    consumer.assign(&assignment)?;
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    while !ends.is_empty() && Instant::now() < deadline {
        let Some(message) = consumer.poll(POLL) else { continue };
        let message = message?;
        let headers = message_headers(&message);
        let partition = message.partition();
        if ends
            .iter()
            .any(|&(p, end)| p == partition && message.offset() + 1 >= end)
        {
            ends.retain(|&(p, _)| p != partition);
        }
        records.push(DeadLetter {
            partition,
            offset: message.offset(),
            timestamp: message.timestamp().to_millis(),
            key: message.key().map(<[u8]>::to_vec),
            value: message.payload().map(<[u8]>::to_vec),
            headers,
        });
    }
    records.sort_by_key(|r| std::cmp::Reverse((r.timestamp, r.offset, r.partition)));
    records.truncate(limit);
    Ok(records)
}
