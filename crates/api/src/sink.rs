//! Sink connectors and tasks: from Kafka into an external system.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
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

/// Requests a sink task makes of the runtime, read by the runtime after each call into the task.
#[derive(Debug, Default)]
struct SinkRequests {
    commit: bool,
    timeout: Option<Duration>,
    rewinds: BTreeMap<TopicPartition, i64>,
    assignment: BTreeSet<TopicPartition>,
    errant: Vec<(SinkRecord, ConnectError)>,
}

/// What a sink task may ask of the runtime.
#[derive(Clone, Debug)]
pub struct SinkTaskContext {
    /// The task's configuration.
    pub configs: ConfigMap,
    requests: Arc<Mutex<SinkRequests>>,
}

impl SinkTaskContext {
    /// A context for a task with `configs`.
    pub fn new(configs: ConfigMap) -> Self {
        Self {
            configs,
            requests: Arc::default(),
        }
    }

    fn requests(&self) -> std::sync::MutexGuard<'_, SinkRequests> {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Asks for an offset commit as soon as possible.
    pub fn request_commit(&self) {
        self.requests().commit = true;
    }

    /// Asks the runtime to wait `timeout` before redelivering after a retriable `put` failure.
    pub fn timeout(&self, timeout: Duration) {
        self.requests().timeout = Some(timeout);
    }

    /// Asks the runtime to read `partition` again from `offset`.
    pub fn offset(&self, partition: TopicPartition, offset: i64) {
        self.requests().rewinds.insert(partition, offset);
    }

    /// Reports a record the task could not write (KIP-610's errant record reporter): the runtime
    /// sends it where `errors.*` says (log, dead letter queue) or, with `errors.tolerance=none`,
    /// fails the task.
    pub fn report_errant(&self, record: &SinkRecord, error: ConnectError) {
        self.requests().errant.push((record.clone(), error));
    }

    /// Runtime side: takes the reported errant records.
    pub fn take_errant(&self) -> Vec<(SinkRecord, ConnectError)> {
        std::mem::take(&mut self.requests().errant)
    }

    /// The partitions currently assigned to the task.
    pub fn assignment(&self) -> BTreeSet<TopicPartition> {
        self.requests().assignment.clone()
    }

    /// Runtime side: takes a pending commit request.
    pub fn take_commit_request(&self) -> bool {
        std::mem::take(&mut self.requests().commit)
    }

    /// Runtime side: takes the requested redelivery timeout.
    pub fn take_timeout(&self) -> Option<Duration> {
        self.requests().timeout.take()
    }

    /// Runtime side: takes the requested rewinds.
    pub fn take_rewinds(&self) -> BTreeMap<TopicPartition, i64> {
        std::mem::take(&mut self.requests().rewinds)
    }

    /// Runtime side: records the current assignment.
    pub fn set_assignment(&self, assignment: BTreeSet<TopicPartition>) {
        self.requests().assignment = assignment;
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
    /// Starts the task with its context.
    async fn start(&mut self, context: SinkTaskContext) -> Result<()>;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn context_requests_are_taken_once() {
        let context = SinkTaskContext::new(ConfigMap::new());
        context.request_commit();
        context.offset(TopicPartition::new("t", 0), 5);
        assert!(context.take_commit_request());
        assert!(!context.take_commit_request());
        assert_eq!(context.take_rewinds().len(), 1);
        assert!(context.take_rewinds().is_empty());
        let core = crate::RecordCore::new("t", crate::SchemaAndValue::NULL);
        let record = SinkRecord::new(core, 0, 7, crate::record::TimestampType::CreateTime);
        context.report_errant(&record, ConnectError::data("cannot write"));
        let errant = context.take_errant();
        assert_eq!(errant.len(), 1);
        assert_eq!(errant[0].0.kafka_offset, 7);
        assert!(context.take_errant().is_empty());
    }
}
