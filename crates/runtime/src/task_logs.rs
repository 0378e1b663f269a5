//! Task logs ([`TopicLog`]) in Kafka topics: one partition, records kept forever (as Debezium
//! creates its schema history topic), read whole from the start to the end the broker reports, and
//! appended to with an idempotent producer that waits for every replica.

use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use kconnect_api::{ConfigMap, ConnectError, LogTopic, TopicLog};
use rdkafka::admin::{AdminClient, AdminOptions, NewTopic, TopicReplication};
use rdkafka::client::DefaultClientContext;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::producer::{FutureProducer, FutureRecord};
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};
use tokio::sync::OnceCell;

use crate::kafka::{admin_config, settings_config};
use crate::kafka_clients::RdKafkaClients;
use crate::worker::Worker;

/// How long creating the topic, or reading it to its end, may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
const POLL: Duration = Duration::from_millis(100);

/// Opens the logs of one task: on the worker's cluster, or on the one a log names.
#[derive(Clone)]
pub struct TaskLogs {
    /// The worker's client settings (its cluster and security keys) with the connector's
    /// `admin.override.*` keys.
    worker_client: ClientConfig,
    /// The replication factor of a new log on the worker's cluster (-1: the broker's default).
    replication: i32,
}

impl TaskLogs {
    /// The logs of a task of the connector configured with `connector`.
    pub fn new(worker: &Worker, connector: &ConfigMap) -> Self {
        Self {
            worker_client: admin_config(&worker.config, connector),
            replication: if worker.config.embedded_broker { 1 } else { -1 },
        }
    }

    /// Kafka clients whose default cluster is the worker's (with the connector's
    /// `admin.override.*` keys).
    pub fn kafka_clients(&self) -> RdKafkaClients {
        RdKafkaClients::new(self.worker_client.clone())
    }

    /// The log `spec` names.
    pub fn open(&self, spec: LogTopic) -> kconnect_api::Result<Arc<dyn TopicLog>> {
        let (client, replication) = if spec.client.is_empty() {
            (self.worker_client.clone(), self.replication)
        } else {
            (settings_config(&spec.client, "task log"), -1)
        };
        Ok(Arc::new(KafkaTopicLog::new(client, spec.topic, replication)?))
    }
}

/// One log.
struct KafkaTopicLog {
    topic: String,
    client: ClientConfig,
    replication: i32,
    producer: FutureProducer,
    created: OnceCell<()>,
}

impl KafkaTopicLog {
    fn new(client: ClientConfig, topic: String, replication: i32) -> kconnect_api::Result<Self> {
        let mut producer = client.clone();
        producer
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "0");
        let producer = producer
            .create()
            .map_err(|err| failed(&topic, "starting its producer", err))?;
        Ok(Self {
            topic,
            client,
            replication,
            producer,
            created: OnceCell::new(),
        })
    }

    /// Creates the topic when it does not exist yet.
    async fn ensure_topic(&self) -> kconnect_api::Result<()> {
        self.created
            .get_or_try_init(|| async {
                let admin: AdminClient<DefaultClientContext> = self
                    .client
                    .create()
                    .map_err(|err| failed(&self.topic, "starting its admin client", err))?;
                let topic = NewTopic::new(&self.topic, 1, TopicReplication::Fixed(self.replication))
                    .set("cleanup.policy", "delete")
                    .set("retention.ms", "-1")
                    .set("retention.bytes", "-1");
                let options = AdminOptions::new().operation_timeout(Some(REQUEST_TIMEOUT));
                let results = admin
                    .create_topics([&topic], &options)
                    .await
                    .map_err(|err| failed(&self.topic, "creating it", err))?;
                for result in results {
                    match result {
                        Ok(_) => tracing::info!(topic = %self.topic, "created the task's log topic"),
                        Err((_, RDKafkaErrorCode::TopicAlreadyExists)) => {}
                        Err((_, code)) => return Err(failed(&self.topic, "creating it", code)),
                    }
                }
                Ok(())
            })
            .await
            .map(|_| ())
    }
}

#[async_trait]
impl TopicLog for KafkaTopicLog {
    async fn read_all(&self) -> kconnect_api::Result<Vec<Vec<u8>>> {
        self.ensure_topic().await?;
        let mut consumer = self.client.clone();
        consumer
            .set("group.id", format!("kconnect-log-{}", self.topic))
            .set("enable.auto.commit", "false")
            .set("enable.partition.eof", "false");
        let topic = self.topic.clone();
        tokio::task::spawn_blocking(move || read_to_end(&consumer, &topic))
            .await
            .map_err(|err| ConnectError::Fatal(format!("reading a task log: {err}")))?
    }

    async fn append(&self, values: Vec<Vec<u8>>) -> kconnect_api::Result<()> {
        self.ensure_topic().await?;
        let mut deliveries = Vec::with_capacity(values.len());
        for value in &values {
            let record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(&self.topic).partition(0).payload(value);
            let delivery = self
                .producer
                .send_result(record)
                .map_err(|(err, _)| failed(&self.topic, "writing to it", err))?;
            deliveries.push(delivery);
        }
        for delivery in deliveries {
            match delivery.await {
                Ok(Ok(_)) => {}
                Ok(Err((err, _))) => return Err(failed(&self.topic, "writing to it", err)),
                Err(_) => return Err(failed(&self.topic, "writing to it", "the producer stopped")),
            }
        }
        Ok(())
    }
}

/// Every value of the topic's one partition up to the end the broker reports now.
fn read_to_end(config: &ClientConfig, topic: &str) -> kconnect_api::Result<Vec<Vec<u8>>> {
    let reading = |err: rdkafka::error::KafkaError| failed(topic, "reading it", err);
    let consumer: BaseConsumer = config.create().map_err(reading)?;
    let (low, high) = consumer.fetch_watermarks(topic, 0, REQUEST_TIMEOUT).map_err(reading)?;
    let mut values = Vec::new();
    if high <= low {
        return Ok(values);
    }
    let mut assignment = TopicPartitionList::new();
    assignment
        .add_partition_offset(topic, 0, Offset::Beginning)
        .map_err(reading)?;
    consumer.assign(&assignment).map_err(reading)?;
    let deadline = Instant::now() + REQUEST_TIMEOUT;
    let mut next = low;
    while next < high {
        if Instant::now() > deadline {
            return Err(ConnectError::Retriable(format!(
                "task log {topic}: not read to its end ({high}) in {REQUEST_TIMEOUT:?}; at {next}"
            )));
        }
        match consumer.poll(POLL) {
            Some(Ok(message)) => {
                next = message.offset() + 1;
                values.push(message.payload().unwrap_or_default().to_vec());
            }
            Some(Err(err)) => tracing::warn!(topic, error = %err, "reading a task log failed; retrying"),
            None => {}
        }
    }
    Ok(values)
}

/// A Kafka failure of the log `topic` while `doing` something: worth retrying.
fn failed(topic: &str, doing: &str, err: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("task log {topic}: {doing} failed: {err}"))
}
