//! The runtime's side of the task contexts: what a task asks through [`SinkTaskContext`] and
//! [`SourceTaskContext`] is recorded here, and the task loops take the requests after each call
//! into the task. A task sees only the API traits, never the taking side.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use kconnect_api::{
    ConfigMap, ConnectError, OffsetStorageReader, SinkRecord, SinkTaskContext, SourceTaskContext, TopicPartition,
};

/// Requests a sink task made of the runtime since they were last taken.
#[derive(Debug, Default)]
struct SinkRequests {
    commit: bool,
    timeout: Option<Duration>,
    rewinds: BTreeMap<TopicPartition, i64>,
    assignment: BTreeSet<TopicPartition>,
    errant: Vec<(SinkRecord, ConnectError)>,
}

/// The context of one sink task.
pub struct SinkContext {
    configs: ConfigMap,
    requests: Mutex<SinkRequests>,
}

impl SinkContext {
    /// A context for a task configured with `configs`.
    pub fn new(configs: ConfigMap) -> Arc<Self> {
        Arc::new(Self {
            configs,
            requests: Mutex::default(),
        })
    }

    fn requests(&self) -> MutexGuard<'_, SinkRequests> {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the reported errant records.
    pub fn take_errant(&self) -> Vec<(SinkRecord, ConnectError)> {
        std::mem::take(&mut self.requests().errant)
    }

    /// Takes a pending commit request.
    pub fn take_commit_request(&self) -> bool {
        std::mem::take(&mut self.requests().commit)
    }

    /// Takes the requested redelivery timeout.
    pub fn take_timeout(&self) -> Option<Duration> {
        self.requests().timeout.take()
    }

    /// Takes the requested rewinds.
    pub fn take_rewinds(&self) -> BTreeMap<TopicPartition, i64> {
        std::mem::take(&mut self.requests().rewinds)
    }

    /// Records the task's current assignment.
    pub fn set_assignment(&self, assignment: BTreeSet<TopicPartition>) {
        self.requests().assignment = assignment;
    }
}

impl SinkTaskContext for SinkContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }

    fn request_commit(&self) {
        self.requests().commit = true;
    }

    fn timeout(&self, timeout: Duration) {
        self.requests().timeout = Some(timeout);
    }

    fn offset(&self, partition: TopicPartition, offset: i64) {
        self.requests().rewinds.insert(partition, offset);
    }

    fn report_errant(&self, record: &SinkRecord, error: ConnectError) {
        self.requests().errant.push((record.clone(), error));
    }

    fn assignment(&self) -> BTreeSet<TopicPartition> {
        self.requests().assignment.clone()
    }
}

/// The context of one source task: its configuration and its connector's committed offsets.
pub struct SourceContext {
    configs: ConfigMap,
    offsets: Arc<dyn OffsetStorageReader>,
}

impl SourceContext {
    /// A context for a task configured with `configs` that resumes from `offsets`.
    pub fn new(configs: ConfigMap, offsets: Arc<dyn OffsetStorageReader>) -> Arc<Self> {
        Arc::new(Self { configs, offsets })
    }
}

impl SourceTaskContext for SourceContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }

    fn offset_storage_reader(&self) -> &dyn OffsetStorageReader {
        self.offsets.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::record::TimestampType;
    use kconnect_api::{RecordCore, SchemaAndValue};

    use super::*;

    #[test]
    fn sink_requests_are_taken_once() {
        let context = SinkContext::new(ConfigMap::new());
        context.request_commit();
        context.offset(TopicPartition::new("t", 0), 5);
        assert!(context.take_commit_request());
        assert!(!context.take_commit_request());
        assert_eq!(context.take_rewinds().len(), 1);
        assert!(context.take_rewinds().is_empty());
        let record = SinkRecord::new(
            RecordCore::new("t", SchemaAndValue::NULL),
            0,
            7,
            TimestampType::CreateTime,
        );
        context.report_errant(&record, ConnectError::data("cannot write"));
        let errant = context.take_errant();
        assert_eq!(errant.len(), 1);
        assert_eq!(errant[0].0.kafka_offset, 7);
        assert!(context.take_errant().is_empty());
    }
}
