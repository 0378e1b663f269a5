//! Source connectors and tasks: from an external system into Kafka.

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::ConfigMap;
use crate::connector::Connector;
use crate::error::Result;
use crate::kafka_cluster::KafkaClients;
use crate::record::{OffsetMap, SourceRecord};
use crate::topic_log::{LogTopic, TopicLog};

/// Reads the last committed offset of a source partition.
pub trait OffsetStorageReader: Send + Sync {
    /// The last committed offset of `partition`, if any.
    fn offset(&self, partition: &OffsetMap) -> Option<OffsetMap>;
}

/// Where a record was written in Kafka, given to [`SourceTask::commit_record`].
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordMetadata {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The offset.
    pub offset: i64,
}

impl RecordMetadata {
    /// Where a record was written: `topic`, `partition`, `offset`.
    pub fn new(topic: impl Into<String>, partition: i32, offset: i64) -> Self {
        Self {
            topic: topic.into(),
            partition,
            offset,
        }
    }
}

/// What a source task may ask of the runtime, as Apache's `SourceTaskContext`; the runtime
/// implements it and hands it to [`SourceTask::start`].
pub trait SourceTaskContext: Send + Sync {
    /// The task's configuration.
    fn configs(&self) -> &ConfigMap;

    /// The committed offsets, to resume from.
    fn offset_storage_reader(&self) -> &dyn OffsetStorageReader;

    /// Where the task reports its own metrics (Apache's `pluginMetrics()`, KIP-877); `None` where
    /// nothing shows them.
    fn plugin_metrics(&self) -> Option<Arc<crate::metrics::PluginMetrics>> {
        None
    }

    /// The task's own log in `topic` (Debezium's schema history), created when missing; an error
    /// where the runtime keeps no such logs.
    fn topic_log(&self, topic: LogTopic) -> Result<Arc<dyn TopicLog>> {
        Err(crate::ConnectError::Fatal(format!(
            "this runtime keeps no task logs: topic {} cannot be used",
            topic.topic
        )))
    }

    /// Clients of Kafka clusters, for a task whose external system is Kafka; an error where the
    /// runtime offers none.
    fn kafka(&self) -> Result<Arc<dyn KafkaClients>> {
        Err(crate::kafka_cluster::no_kafka_clients())
    }

    /// Where the task ends its transactions, when it defines them itself (exactly-once delivery
    /// with `transaction.boundary=connector`); `None` otherwise, as Apache's
    /// `transactionContext()` is `null`.
    fn transaction_context(&self) -> Option<Arc<dyn TransactionContext>> {
        None
    }
}

/// How a source task defines its own transactions (Apache's `TransactionContext`, KIP-618), with
/// `transaction.boundary=connector`. The requests apply to the next batch [`SourceTask::poll`]
/// returns (the one being polled when the task makes them during `poll`): a record is named by its
/// index in that batch, where Apache's names the record object. A transaction ends after the
/// record (or the batch) is sent: committed with the source offsets of its records, or aborted,
/// its records never visible to `read_committed` consumers while their offsets are still
/// committed, so they are not read again. Asking both to commit and to abort the same record or
/// batch fails the task. Records no request ends stay in the open transaction.
pub trait TransactionContext: Send + Sync {
    /// Commits the transaction after the next batch is sent.
    fn commit_transaction(&self);

    /// Commits the transaction after the record at `index` of the next batch is sent: it is the
    /// transaction's last record.
    fn commit_transaction_at(&self, index: usize);

    /// Aborts the transaction after the next batch is sent.
    fn abort_transaction(&self);

    /// Aborts the transaction after the record at `index` of the next batch is sent: it is the
    /// last record the abort drops.
    fn abort_transaction_at(&self, index: usize);
}

/// Whether a source connector can deliver exactly once with a configuration (Apache's
/// `ExactlyOnceSupport`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExactlyOnceSupport {
    /// Its records and offsets can be written in transactions: each record once.
    Supported,
    /// Not with this configuration.
    Unsupported,
}

/// A source connector: splits reading an external system into tasks.
pub trait SourceConnector: Connector {
    /// A new, unstarted task of this connector.
    fn create_task(&self) -> Box<dyn SourceTask>;

    /// Whether this connector delivers exactly once with `config` when its worker writes source
    /// records in transactions; `None` (the default, Apache's `null`) when it does not say, which
    /// `exactly.once.support=required` refuses.
    fn exactly_once_support(&self, _config: &ConfigMap) -> Option<ExactlyOnceSupport> {
        None
    }

    /// Whether this connector's tasks end their own transactions with `config`
    /// (`transaction.boundary=connector`, through their [`TransactionContext`]); `false` (the
    /// default) has validate refuse that boundary.
    fn can_define_transaction_boundaries(&self, _config: &ConfigMap) -> bool {
        false
    }
}

/// A source task: polls records from its share of the external system.
///
/// Lifecycle: [`SourceTask::start`] once, then [`SourceTask::poll`] repeatedly; after each record
/// is acknowledged by Kafka the runtime calls [`SourceTask::commit_record`], and after each offset
/// flush [`SourceTask::commit`]; finally [`SourceTask::stop`]. `poll` must be cancel-safe: to stop
/// a task the runtime drops a pending `poll` future and calls `stop`, the async equivalent of
/// Apache calling `stop()` from another thread.
#[async_trait]
pub trait SourceTask: Send {
    /// Starts the task with its configuration and context.
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()>;

    /// The next records, possibly none; may wait a while for data to arrive.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>>;

    /// Called after offsets up to now were committed.
    async fn commit(&mut self) -> Result<()> {
        Ok(())
    }

    /// Called for each record once Kafka acknowledged it (or a transformation dropped it, with
    /// `None`). The record is the one polled, with its topic, partition, timestamp, source
    /// partition and offset; its key, value and headers were released once it was sent or dropped.
    async fn commit_record(&mut self, _record: &SourceRecord, _metadata: Option<RecordMetadata>) -> Result<()> {
        Ok(())
    }

    /// Stops the task, releasing its resources.
    async fn stop(&mut self) -> Result<()>;
}
