//! A compacted Kafka topic read from start to end by every worker, as Apache's `KafkaBasedLog`:
//! a consumer assigned to every partition (no group) hands each record to a callback on its own
//! thread, and writes wait for the broker's acknowledgement. It reads committed records only, as
//! Apache's exactly-once workers write these topics in transactions.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use thiserror::Error;

const METADATA_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);

/// A failure of an internal topic.
#[derive(Debug, Error)]
pub enum LogError {
    /// Kafka refused or failed.
    #[error("internal topic {topic}: {message}")]
    Kafka {
        /// The topic.
        topic: String,
        /// What failed.
        message: String,
    },
    /// Reading to the end took too long.
    #[error("internal topic {0}: not read to its end in time")]
    Timeout(String),
}

/// One record of the log.
#[derive(Debug, Clone)]
pub struct LogRecord {
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
    /// The key bytes.
    pub key: Option<Vec<u8>>,
    /// The value bytes; `None` is a tombstone.
    pub value: Option<Vec<u8>>,
}

/// How the topic is created when it is missing.
#[derive(Debug, Clone)]
pub struct TopicSpec {
    /// Its name.
    pub name: String,
    /// Its partitions.
    pub partitions: i32,
    /// Its replication factor (-1: the broker's default).
    pub replication: i32,
}

/// A running log.
pub struct KafkaLog {
    topic: String,
    producer: FutureProducer,
    watermarks: BaseConsumer,
    partitions: Vec<i32>,
    positions: Arc<Mutex<HashMap<i32, i64>>>,
    stop: Arc<AtomicBool>,
    reader: Option<JoinHandle<()>>,
}

/// How the clients of the internal topics connect.
#[derive(Clone)]
pub struct LogClient {
    /// The worker's client settings, which the producer, the consumer and the admin client share.
    pub common: ClientConfig,
    /// What only the consumer adds (the shorter fetch wait on kconnect's own broker).
    pub consumer: Vec<(&'static str, &'static str)>,
}

impl KafkaLog {
    /// Creates the topic when missing (compacted), and starts reading it from the beginning,
    /// handing every record to `apply`.
    pub async fn start(
        client: &LogClient,
        spec: TopicSpec,
        apply: impl FnMut(LogRecord) + Send + 'static,
    ) -> Result<Self, LogError> {
        let topic = spec.name.clone();
        let failed = |err: KafkaError| LogError::Kafka {
            topic: topic.clone(),
            message: err.to_string(),
        };
        create_topic(&client.common, &spec).await?;
        let mut producer_config = client.common.clone();
        producer_config
            .set("enable.idempotence", "false")
            .set("acks", "all")
            .set("partitioner", "murmur2_random")
            .set("linger.ms", "0");
        let producer: FutureProducer = producer_config.create().map_err(failed)?;
        let mut consumer_config = client.common.clone();
        for (key, value) in &client.consumer {
            consumer_config.set(*key, *value);
        }
        consumer_config
            .set("group.id", format!("kconnect-log-{}", spec.name))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false")
            // Apache's exactly-once workers write these topics in transactions: an aborted
            // write is not applied, and the end read to is the last stable offset.
            .set("isolation.level", "read_committed");
        let consumer: BaseConsumer = consumer_config.create().map_err(failed)?;
        let watermarks: BaseConsumer = consumer_config.create().map_err(failed)?;
        let partitions = partitions_of(&watermarks, &spec.name).await?;
        let mut assignment = TopicPartitionList::new();
        for partition in &partitions {
            assignment
                .add_partition_offset(&spec.name, *partition, Offset::Beginning)
                .map_err(failed)?;
        }
        consumer.assign(&assignment).map_err(failed)?;
        let positions = Arc::new(Mutex::new(HashMap::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let reader = std::thread::Builder::new()
            .name(format!("log-{}", spec.name))
            .spawn({
                let positions = positions.clone();
                let stop = stop.clone();
                move || read_forever(consumer, apply, positions, stop)
            })
            .map_err(|err| LogError::Kafka {
                topic: topic.clone(),
                message: err.to_string(),
            })?;
        Ok(Self {
            topic,
            producer,
            watermarks,
            partitions,
            positions,
            stop,
            reader: Some(reader),
        })
    }

    /// The topic.
    pub fn topic(&self) -> &str {
        &self.topic
    }

    /// Writes records in order and waits until the broker has them all.
    pub async fn send(&self, records: Vec<(Vec<u8>, Option<Vec<u8>>)>) -> Result<(), LogError> {
        send_records(&self.producer, &self.topic, &records)
            .await
            .map_err(|err| self.error(err))
    }

    fn error(&self, err: KafkaError) -> LogError {
        LogError::Kafka {
            topic: self.topic.clone(),
            message: err.to_string(),
        }
    }

    /// Waits until every record written before the call has been applied; returns the next offset
    /// of each partition.
    pub async fn read_to_end(&self, timeout: Duration) -> Result<HashMap<i32, i64>, LogError> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut ends = HashMap::new();
        for partition in &self.partitions {
            let (_, high) = tokio::task::block_in_place(|| {
                self.watermarks
                    .fetch_watermarks(&self.topic, *partition, METADATA_TIMEOUT)
            })
            .map_err(|err| self.error(err))?;
            ends.insert(*partition, high);
        }
        loop {
            let caught_up = {
                let positions = self.positions.lock().unwrap_or_else(|e| e.into_inner());
                ends.iter()
                    .all(|(partition, end)| *end <= positions.get(partition).copied().unwrap_or(0))
            };
            if caught_up {
                return Ok(ends);
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(LogError::Timeout(self.topic.clone()));
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for KafkaLog {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(reader) = self.reader.take() {
            let _ = reader.join();
        }
    }
}

/// Writes `records` (key, value) to `topic` in order through `producer` and waits until the
/// broker acknowledged them all.
pub(crate) async fn send_records(
    producer: &FutureProducer,
    topic: &str,
    records: &[(Vec<u8>, Option<Vec<u8>>)],
) -> Result<(), KafkaError> {
    let mut deliveries = Vec::with_capacity(records.len());
    for (key, value) in records {
        let mut record = FutureRecord::to(topic).key(key);
        if let Some(value) = value {
            record = record.payload(value);
        }
        deliveries.push(producer.send_result(record).map_err(|(err, _)| err)?);
    }
    for delivery in deliveries {
        match delivery.await {
            Ok(Ok(_)) => {}
            Ok(Err((err, _))) => return Err(err),
            Err(_) => return Err(KafkaError::Canceled),
        }
    }
    Ok(())
}

fn read_forever(
    consumer: BaseConsumer,
    mut apply: impl FnMut(LogRecord),
    positions: Arc<Mutex<HashMap<i32, i64>>>,
    stop: Arc<AtomicBool>,
) {
    while !stop.load(Ordering::Relaxed) {
        match consumer.poll(POLL) {
            Some(Ok(message)) => {
                let record = LogRecord {
                    partition: message.partition(),
                    offset: message.offset(),
                    key: message.key().map(<[u8]>::to_vec),
                    value: message.payload().map(<[u8]>::to_vec),
                };
                apply(record);
                positions
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .insert(message.partition(), message.offset() + 1);
            }
            Some(Err(err)) => tracing::warn!(error = %err, "internal topic read failed; retrying"),
            // Caught up: the consumer's position has moved past what delivers no record (a
            // transaction's commit or abort marker, an aborted write).
            None => record_positions(&consumer, &positions),
        }
    }
}

/// Takes the consumer's position in each partition where it is past the last record delivered.
fn record_positions(consumer: &BaseConsumer, positions: &Mutex<HashMap<i32, i64>>) {
    let Ok(assigned) = consumer.position() else {
        return;
    };
    let mut positions = positions.lock().unwrap_or_else(|e| e.into_inner());
    for element in assigned.elements() {
        if let Offset::Offset(position) = element.offset() {
            let known = positions.entry(element.partition()).or_insert(position);
            *known = (*known).max(position);
        }
    }
}

async fn partitions_of(consumer: &BaseConsumer, topic: &str) -> Result<Vec<i32>, LogError> {
    for _ in 0..50 {
        let metadata = tokio::task::block_in_place(|| consumer.fetch_metadata(Some(topic), METADATA_TIMEOUT));
        if let Ok(metadata) = metadata
            && let Some(found) = metadata.topics().iter().find(|t| t.name() == topic)
            && !found.partitions().is_empty()
        {
            return Ok(found.partitions().iter().map(|p| p.id()).collect());
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Err(LogError::Kafka {
        topic: topic.to_string(),
        message: "the topic has no partitions".into(),
    })
}

async fn create_topic(client: &ClientConfig, spec: &TopicSpec) -> Result<(), LogError> {
    let failed = |message: String| LogError::Kafka {
        topic: spec.name.clone(),
        message,
    };
    let admin: AdminClient<DefaultClientContext> = client.create().map_err(|e| failed(e.to_string()))?;
    let topic = NewTopic::new(&spec.name, spec.partitions, TopicReplication::Fixed(spec.replication))
        .set("cleanup.policy", "compact");
    let options = AdminOptions::new().operation_timeout(Some(METADATA_TIMEOUT));
    let results = admin
        .create_topics([&topic], &options)
        .await
        .map_err(|e| failed(e.to_string()))?;
    for result in results {
        match result {
            Ok(_) => tracing::info!(topic = %spec.name, partitions = spec.partitions, "created internal topic"),
            Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
            Err((_, code)) => return Err(failed(format!("cannot create it: {code}"))),
        }
    }
    Ok(())
}
