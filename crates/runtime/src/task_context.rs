//! The runtime's side of the task contexts: what a task asks through [`SinkTaskContext`] and
//! [`SourceTaskContext`] is recorded here, and the task loops take the requests after each call
//! into the task. A task sees only the API traits, never the taking side.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::Notify;

use kconnect_api::metrics::PluginMetrics;
use kconnect_api::{
    ConfigMap, ConnectError, KafkaClients, LogTopic, OffsetStorageReader, SinkRecord, SinkTaskContext,
    SourceTaskContext, TopicLog, TopicPartition, TransactionContext,
};

use crate::task_logs::TaskLogs;
use crate::transaction_boundaries::WorkerTransactionContext;

/// Requests a sink task made of the runtime since they were last taken.
#[derive(Debug, Default)]
struct SinkRequests {
    commit: bool,
    timeout: Option<Duration>,
    rewinds: BTreeMap<TopicPartition, i64>,
    assignment: BTreeSet<TopicPartition>,
    errant: Vec<(SinkRecord, ConnectError)>,
    /// The partitions the task has paused, kept until it resumes them or an assignment leaves them
    /// out.
    paused: BTreeSet<TopicPartition>,
    /// Whether `paused` changed since it was last taken.
    pauses_changed: bool,
}

/// The context of one sink task.
pub struct SinkContext {
    configs: ConfigMap,
    metrics: Arc<PluginMetrics>,
    requests: Mutex<SinkRequests>,
    /// Woken when the task pauses or resumes partitions, which it may do from any thread.
    pauses_changed: Notify,
}

impl SinkContext {
    /// A context for a task configured with `configs`.
    pub fn new(configs: ConfigMap) -> Arc<Self> {
        Self::reporting_to(configs, Arc::default())
    }

    /// As [`SinkContext::new`], the task's own metrics going into `metrics`.
    pub fn reporting_to(configs: ConfigMap, metrics: Arc<PluginMetrics>) -> Arc<Self> {
        Arc::new(Self {
            configs,
            metrics,
            requests: Mutex::default(),
            pauses_changed: Notify::new(),
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

    /// After partitions were assigned: forgets the pauses of partitions the assignment left out
    /// (as Apache's, a revocation alone keeps them, for an eager rebalance assigns them again).
    pub fn retain_assigned_pauses(&self) {
        let requests = &mut *self.requests();
        requests
            .paused
            .retain(|partition| requests.assignment.contains(partition));
    }

    /// The partitions the task has paused.
    pub fn paused(&self) -> BTreeSet<TopicPartition> {
        self.requests().paused.clone()
    }

    /// The partitions the task has paused, if that changed since this was last taken.
    pub fn take_pauses(&self) -> Option<BTreeSet<TopicPartition>> {
        let mut requests = self.requests();
        std::mem::take(&mut requests.pauses_changed).then(|| requests.paused.clone())
    }

    /// Completes when the task next pauses or resumes partitions (at once if it did since the
    /// last [`SinkContext::take_pauses`]).
    pub async fn pauses_changed(&self) {
        self.pauses_changed.notified().await;
    }

    fn change_pauses(&self, partitions: &[TopicPartition], pause: bool) {
        let mut requests = self.requests();
        for partition in partitions {
            if !requests.assignment.contains(partition) {
                tracing::warn!(%partition.topic, partition.partition, pause, "the task asked to pause or resume a partition it is not assigned; ignored");
            } else if pause {
                requests.paused.insert(partition.clone());
            } else {
                requests.paused.remove(partition);
            }
        }
        requests.pauses_changed = true;
        drop(requests);
        self.pauses_changed.notify_one();
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

    fn pause(&self, partitions: &[TopicPartition]) {
        self.change_pauses(partitions, true);
    }

    fn resume(&self, partitions: &[TopicPartition]) {
        self.change_pauses(partitions, false);
    }

    fn plugin_metrics(&self) -> Option<Arc<PluginMetrics>> {
        Some(self.metrics.clone())
    }
}

/// The context of one source task: its configuration, its connector's committed offsets, where
/// it reports its own metrics and, when it defines its transactions, where it ends them.
pub struct SourceContext {
    configs: ConfigMap,
    offsets: Arc<dyn OffsetStorageReader>,
    metrics: Arc<PluginMetrics>,
    logs: Option<TaskLogs>,
    transactions: Option<Arc<WorkerTransactionContext>>,
}

impl SourceContext {
    /// A context for a task configured with `configs` that resumes from `offsets`.
    pub fn new(configs: ConfigMap, offsets: Arc<dyn OffsetStorageReader>) -> Arc<Self> {
        Self::reporting_to(configs, offsets, Arc::default(), None, None)
    }

    /// As [`SourceContext::new`], the task's own metrics going into `metrics`, its logs, if it
    /// keeps any, opened by `logs`, and its transactions, if it defines them, ended through
    /// `transactions`.
    pub fn reporting_to(
        configs: ConfigMap,
        offsets: Arc<dyn OffsetStorageReader>,
        metrics: Arc<PluginMetrics>,
        logs: Option<TaskLogs>,
        transactions: Option<Arc<WorkerTransactionContext>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            configs,
            offsets,
            metrics,
            logs,
            transactions,
        })
    }
}

impl SourceTaskContext for SourceContext {
    fn configs(&self) -> &ConfigMap {
        &self.configs
    }

    fn offset_storage_reader(&self) -> &dyn OffsetStorageReader {
        self.offsets.as_ref()
    }

    fn plugin_metrics(&self) -> Option<Arc<PluginMetrics>> {
        Some(self.metrics.clone())
    }

    fn topic_log(&self, topic: LogTopic) -> kconnect_api::Result<Arc<dyn TopicLog>> {
        match &self.logs {
            Some(logs) => logs.open(topic),
            None => Err(ConnectError::Fatal(format!(
                "this task runs without Kafka: it cannot keep a log in topic {}",
                topic.topic
            ))),
        }
    }

    fn kafka(&self) -> kconnect_api::Result<Arc<dyn KafkaClients>> {
        match &self.logs {
            Some(logs) => Ok(Arc::new(logs.kafka_clients())),
            None => Err(kconnect_api::kafka_cluster::no_kafka_clients()),
        }
    }

    fn transaction_context(&self) -> Option<Arc<dyn TransactionContext>> {
        self.transactions
            .clone()
            .map(|context| context as Arc<dyn TransactionContext>)
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

    #[test]
    fn pauses_last_until_resumed_or_left_out_of_an_assignment_and_ignore_unassigned_partitions() {
        let context = SinkContext::new(ConfigMap::new());
        let (a, b) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
        context.set_assignment([a.clone(), b.clone()].into());
        assert_eq!(context.take_pauses(), None);
        context.pause(&[a.clone(), b.clone(), TopicPartition::new("other", 0)]);
        assert_eq!(context.take_pauses(), Some([a.clone(), b.clone()].into()));
        assert_eq!(context.take_pauses(), None);
        context.resume(std::slice::from_ref(&b));
        assert_eq!(context.take_pauses(), Some([a.clone()].into()));
        context.set_assignment(BTreeSet::new());
        assert_eq!(
            context.paused(),
            [a.clone()].into(),
            "a revocation alone keeps the pause"
        );
        context.set_assignment([b].into());
        context.retain_assigned_pauses();
        assert!(context.paused().is_empty());
    }
}
