//! The leader's writes to the config topic on workers with exactly-once source support
//! (`exactly.once.source.support` `preparing` or `enabled`, KIP-618): through a transactional
//! producer with Apache's `transactional.id`, `connect-cluster-<group.id>`. A worker elected
//! leader claims it, which fences the producer a previous leader holds however stale that
//! leader's view, and writes each batch of records in a transaction of its own: a zombie leader's
//! writes are refused by the broker.

use kconnect_runtime::source_transactions::TRANSACTION_TIMEOUT;
use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;
use rdkafka::producer::{FutureProducer, Producer};
use tokio::sync::Mutex;

use crate::config_records::Record;
use crate::kafka_log::{LogClient, LogError, send_records};

/// Apache's `transactional.id` of the leader's config topic producer in group `group_id`.
pub fn transactional_id(group_id: &str) -> String {
    format!("connect-cluster-{group_id}")
}

/// The leader's transactional writer of one config topic.
pub struct LeaderWriter {
    topic: String,
    settings: ClientConfig,
    /// The producer, once claimed; dropped when a write fails or the worker stops leading.
    producer: Mutex<Option<FutureProducer>>,
}

impl LeaderWriter {
    /// The writer of `topic` for the leader of group `group_id`, whose producer's client id is
    /// `<client_id>-leader`, as Apache's.
    pub fn new(client: &LogClient, topic: &str, group_id: &str, client_id: &str) -> Self {
        let mut settings = client.common.clone();
        settings
            .set("client.id", format!("{client_id}-leader"))
            .set("transactional.id", transactional_id(group_id))
            .set("enable.idempotence", "true")
            .set("acks", "all")
            .set("linger.ms", "0");
        Self {
            topic: topic.to_string(),
            settings,
            producer: Mutex::default(),
        }
    }

    /// The producer's `transactional.id`.
    pub fn transactional_id(&self) -> &str {
        self.settings.get("transactional.id").unwrap_or_default()
    }

    /// Claims the write privileges: a new producer of the leader's `transactional.id`, whose
    /// start aborts what an earlier holder left open and fences it.
    pub async fn claim(&self) -> Result<(), LogError> {
        let mut held = self.producer.lock().await;
        *held = None;
        let producer: FutureProducer = self.settings.create().map_err(|err| self.error(err))?;
        let starting = producer.clone();
        tokio::task::spawn_blocking(move || starting.init_transactions(TRANSACTION_TIMEOUT))
            .await
            .map_err(|_| self.error(KafkaError::Canceled))?
            .map_err(|err| self.error(err))?;
        *held = Some(producer);
        Ok(())
    }

    /// Gives the write privileges up (the worker no longer leads).
    pub async fn release(&self) {
        self.producer.lock().await.take();
    }

    /// When this worker holds the write privileges (claimed them and was not fenced since),
    /// writes `records` (key, value) in one transaction and waits for its commit; `None` when it
    /// holds none. On failure (a newer leader fenced this one, the broker is away) the privileges
    /// are given up: the worker writes as leader again only once it claims them again.
    pub async fn write_if_claimed(&self, records: &[Record]) -> Option<Result<(), LogError>> {
        let mut held = self.producer.lock().await;
        let producer = held.as_ref()?;
        let written = write(producer, &self.topic, records).await;
        if written.is_err() {
            *held = None;
        }
        Some(written.map_err(|err| self.error(err)))
    }

    fn error(&self, err: KafkaError) -> LogError {
        LogError::Kafka {
            topic: self.topic.clone(),
            message: err.to_string(),
        }
    }
}

/// One transaction of `producer` writing `records` to `topic`, committed once every record was
/// acknowledged.
async fn write(
    producer: &FutureProducer,
    topic: &str,
    records: &[(Vec<u8>, Option<Vec<u8>>)],
) -> Result<(), KafkaError> {
    producer.begin_transaction()?;
    send_records(producer, topic, records).await?;
    let committing = producer.clone();
    tokio::task::spawn_blocking(move || committing.commit_transaction(TRANSACTION_TIMEOUT))
        .await
        .map_err(|_| KafkaError::Canceled)?
}
