//! Sink connectors and tasks: from Kafka into an external system.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;

use crate::config::ConfigMap;
use crate::connector::Connector;
use crate::error::{ConnectError, Result};
use crate::record::SinkRecord;

/// A Kafka topic partition.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TopicPartition {
    /// The topic.
    pub topic: String,
    /// The partition.
    pub partition: i32,
}

impl TopicPartition {
    /// A topic partition.
    pub fn new(topic: impl Into<String>, partition: i32) -> Self {
        Self {
            topic: topic.into(),
            partition,
        }
    }
}

/// Offsets to commit: for each partition, the offset of the next record to read.
pub type CommitOffsets = BTreeMap<TopicPartition, i64>;

/// What a sink task may ask of the runtime, as Apache's `SinkTaskContext`; the runtime implements
/// it and hands it to [`SinkTask::start`].
pub trait SinkTaskContext: Send + Sync {
    /// The task's configuration.
    fn configs(&self) -> &ConfigMap;

    /// Asks for an offset commit as soon as possible.
    fn request_commit(&self);

    /// Asks the runtime to wait `timeout` before redelivering after a retriable `put` failure.
    fn timeout(&self, timeout: Duration);

    /// Asks the runtime to read `partition` again from `offset`.
    fn offset(&self, partition: TopicPartition, offset: i64);

    /// Reports a record the task could not write (KIP-610's errant record reporter): the runtime
    /// sends it where `errors.*` says (log, dead letter queue) or, with `errors.tolerance=none`,
    /// fails the task.
    fn report_errant(&self, record: &SinkRecord, error: ConnectError);

    /// The partitions currently assigned to the task.
    fn assignment(&self) -> BTreeSet<TopicPartition>;

    /// Stops fetching `partitions` (Apache's `pause`): records already given to `put` stay given,
    /// and no later record of these partitions is given until [`SinkTaskContext::resume`]. The
    /// pause outlives a rebalance for partitions that stay assigned; a partition not assigned to
    /// the task is ignored.
    fn pause(&self, partitions: &[TopicPartition]);

    /// Fetches `partitions` again after [`SinkTaskContext::pause`], from the record after the
    /// last one given to `put` (unless the whole connector is paused).
    fn resume(&self, partitions: &[TopicPartition]);

    /// Where the task reports its own metrics (Apache's `pluginMetrics()`, KIP-877); `None` where
    /// nothing shows them.
    fn plugin_metrics(&self) -> Option<Arc<crate::metrics::PluginMetrics>> {
        None
    }
}

/// A sink connector: splits writing into an external system into tasks.
pub trait SinkConnector: Connector {
    /// A new, unstarted task of this connector.
    fn create_task(&self) -> Box<dyn SinkTask>;
}

/// A sink task: writes the records of its assigned partitions.
///
/// Lifecycle, as Apache's: [`SinkTask::start`]; [`SinkTask::open`] when partitions are assigned;
/// [`SinkTask::put`] with each batch; periodically [`SinkTask::pre_commit`] (by default
/// [`SinkTask::flush`]) whose returned offsets are then committed to Kafka; [`SinkTask::close`]
/// when partitions are revoked; finally [`SinkTask::stop`]. A retriable error from `put` makes the
/// runtime redeliver the same batch after the context's timeout.
#[async_trait]
pub trait SinkTask: Send {
    /// Starts the task with its context (its configuration, and what it may ask of the runtime).
    async fn start(&mut self, context: Arc<dyn SinkTaskContext>) -> Result<()>;

    /// Partitions were assigned to this task.
    async fn open(&mut self, _partitions: &[TopicPartition]) -> Result<()> {
        Ok(())
    }

    /// Writes (or buffers) a batch of records. After a retriable error the same batch is given again.
    async fn put(&mut self, records: &[SinkRecord]) -> Result<()>;

    /// Makes everything given to `put` so far durable.
    async fn flush(&mut self, _offsets: &CommitOffsets) -> Result<()> {
        Ok(())
    }

    /// Returns the offsets safe to commit; by default flushes and returns `offsets` unchanged.
    async fn pre_commit(&mut self, offsets: CommitOffsets) -> Result<CommitOffsets> {
        self.flush(&offsets).await?;
        Ok(offsets)
    }

    /// Partitions were revoked from this task.
    async fn close(&mut self, _partitions: &[TopicPartition]) -> Result<()> {
        Ok(())
    }

    /// Stops the task, releasing its resources.
    async fn stop(&mut self) -> Result<()>;
}
