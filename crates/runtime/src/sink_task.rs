//! The sink task loop: consume → convert → put, the next batch fetched and converted while the
//! task puts one; consumer offsets committed only after `pre_commit` returned them.

use std::collections::BTreeSet;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::{FutureExt, StreamExt};
use kconnect_api::sink::CommitOffsets;
use kconnect_api::{SinkRecord, SinkTask, SinkTaskContext, TopicPartition};
use rdkafka::consumer::{BaseConsumer, CommitMode, Consumer, ConsumerContext, Rebalance, StreamConsumer};
use rdkafka::error::{KafkaError, KafkaResult};
use rdkafka::message::BorrowedMessage;
use rdkafka::statistics::Statistics;
use rdkafka::topic_partition_list::TopicPartitionList;
use rdkafka::types::RDKafkaErrorCode;
use rdkafka::{ClientContext, Offset};
use tokio::sync::watch;
use tokio_util::sync::CancellationToken;

use crate::connector_config::TOPICS_REGEX;
use crate::convert::{TaskConverters, failed_record};
use crate::error::RuntimeError;
use crate::error_handling::{ErrorHandler, FailedRecord, Stage, StageError};
use crate::kafka::{admin_config, consumer_config};
use crate::ready_batch::{message_size, ready_batch};
use crate::target_state::{TargetState, target_changed};
use crate::task_context::SinkContext;
use crate::topics::{TopicCreator, lists_topic};
use crate::transform_chain::TransformationChain;
use crate::worker::{TaskSpec, Worker};

const DEFAULT_RETRY_BACKOFF: Duration = Duration::from_millis(300);
const SEEK_TIMEOUT: Duration = Duration::from_secs(10);
/// The longest the consumer goes unpolled while a batch waits to be redelivered.
const REDELIVERY_POLL: Duration = Duration::from_millis(500);
const TOPIC_CHECK_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a sink waits for its topics to appear before subscribing anyway (the consumer then
/// notices them at its next metadata refresh).
const TOPIC_WAIT: Duration = Duration::from_secs(30);

/// A change of the partitions assigned to the task, seen by the consumer's rebalance callback.
#[derive(Debug)]
enum RebalanceEvent {
    Assigned(Vec<TopicPartition>),
    Revoked(Vec<TopicPartition>),
}

/// What the sink consumer's callbacks report: rebalances, and from its statistics the lag of its
/// most lagging partition. It pauses newly assigned partitions that must not be read, before the
/// consumer fetches any of their records.
struct SinkConsumerContext {
    events: Mutex<Vec<RebalanceEvent>>,
    lag_max: AtomicU64,
    /// Whether the connector is PAUSED: every assigned partition is paused.
    connector_paused: AtomicBool,
    /// The task's context, whose paused partitions stay paused when assigned again.
    task: Arc<SinkContext>,
}

impl SinkConsumerContext {
    fn new(task: Arc<SinkContext>) -> Self {
        Self {
            events: Mutex::default(),
            lag_max: AtomicU64::default(),
            connector_paused: AtomicBool::default(),
            task,
        }
    }
}

fn partitions(list: &TopicPartitionList) -> Vec<TopicPartition> {
    list.elements()
        .iter()
        .map(|e| TopicPartition::new(e.topic(), e.partition()))
        .collect()
}

fn partition_list(partitions: &[TopicPartition]) -> TopicPartitionList {
    let mut list = TopicPartitionList::new();
    for partition in partitions {
        list.add_partition(&partition.topic, partition.partition);
    }
    list
}

impl ClientContext for SinkConsumerContext {
    /// `sink-record-lag-max`: the most records any partition has after the last one handed to the
    /// task, by the high watermarks the consumer last fetched.
    fn stats(&self, statistics: Statistics) {
        let lag = statistics
            .topics
            .values()
            .flat_map(|topic| topic.partitions.values())
            .filter(|p| p.partition >= 0 && p.app_offset >= 0 && p.hi_offset >= 0)
            .map(|p| (p.hi_offset - p.app_offset).max(0) as u64)
            .max()
            .unwrap_or(0);
        self.lag_max.store(lag, Ordering::Relaxed);
    }
}

impl ConsumerContext for SinkConsumerContext {
    fn post_rebalance(&self, consumer: &BaseConsumer<Self>, rebalance: &Rebalance<'_>) {
        let event = match rebalance {
            Rebalance::Assign(list) => {
                let assigned = partitions(list);
                let task_paused = self.task.paused();
                let hold: Vec<TopicPartition> = if self.connector_paused.load(Ordering::Relaxed) {
                    assigned.clone()
                } else {
                    assigned.iter().filter(|p| task_paused.contains(p)).cloned().collect()
                };
                if !hold.is_empty()
                    && let Err(err) = consumer.pause(&partition_list(&hold))
                {
                    tracing::warn!(error = %err, "pausing newly assigned partitions failed");
                }
                RebalanceEvent::Assigned(assigned)
            }
            Rebalance::Revoke(list) => RebalanceEvent::Revoked(partitions(list)),
            Rebalance::Error(err) => {
                tracing::warn!(error = %err, "sink consumer rebalance failed");
                return;
            }
        };
        self.events.lock().unwrap_or_else(|e| e.into_inner()).push(event);
    }
}

/// Runs one sink task, consuming nothing while `target` is PAUSED, until `stop` is cancelled or the task fails; the error says why it failed.
pub async fn run_sink_task(
    worker: Arc<Worker>,
    spec: TaskSpec,
    task: Box<dyn SinkTask>,
    target: watch::Receiver<TargetState>,
    stop: CancellationToken,
) -> Result<(), RuntimeError> {
    let mut runner = SinkRunner::new(worker, spec, task).await?;
    let result = runner.run(target, &stop).await;
    let shutdown = runner.shutdown(result.is_ok()).await;
    result.and(shutdown)
}

struct SinkRunner {
    worker: Arc<Worker>,
    spec: TaskSpec,
    task: Box<dyn SinkTask>,
    context: Arc<SinkContext>,
    converters: TaskConverters,
    transforms: TransformationChain<SinkRecord>,
    errors: ErrorHandler,
    consumer: StreamConsumer<SinkConsumerContext>,
    /// The offset after the last record given to `put`, per partition.
    current: CommitOffsets,
    /// Records given to `put` since the last offset commit.
    uncommitted: usize,
    /// The partitions the consumer has paused because the task asked (not the connector's pause).
    task_paused: BTreeSet<TopicPartition>,
    started: bool,
}

impl SinkRunner {
    async fn new(worker: Arc<Worker>, spec: TaskSpec, task: Box<dyn SinkTask>) -> Result<Self, RuntimeError> {
        let converters = TaskConverters::new(&worker.registry, &worker.config, &spec.connector_config)?;
        let client_id = format!("connector-consumer-{}", spec.name());
        let errors = ErrorHandler::new(&worker, &spec).await?;
        let context = SinkContext::reporting_to(spec.task_config.clone(), errors.metrics.plugins.clone());
        let consumer: StreamConsumer<SinkConsumerContext> =
            consumer_config(&worker.config, &spec.connector_config, &spec.connector, &client_id)
                .create_with_context(SinkConsumerContext::new(context.clone()))?;
        let topics = crate::connector_config::listed_topics(&spec.task_config);
        if let Some(settings) = worker.topic_settings(&spec.connector_config) {
            let mut creator = TopicCreator::new(&admin_config(&worker.config, &spec.connector_config), settings)?;
            for topic in &topics {
                creator.ensure(topic).await?;
            }
        }
        let transforms = TransformationChain::from_config(&worker.registry, &spec.connector_config)?;
        Ok(Self {
            worker,
            spec,
            task,
            context,
            converters,
            transforms,
            errors,
            consumer,
            current: CommitOffsets::new(),
            uncommitted: 0,
            task_paused: BTreeSet::new(),
            started: false,
        })
    }

    async fn run(
        &mut self,
        mut target: watch::Receiver<TargetState>,
        stop: &CancellationToken,
    ) -> Result<(), RuntimeError> {
        subscribe(&self.consumer, &self.spec.task_config, stop).await?;
        self.task.start(self.context.clone()).await?;
        self.started = true;
        tracing::info!(task = %self.spec.name(), "sink task started");
        let mut flush = tokio::time::interval(self.worker.config.offset_flush_interval());
        flush.tick().await;
        // A batch fetched and converted while the task was putting the one before.
        let mut prefetched: Option<Batch> = None;
        loop {
            // A change that came while the task was putting is applied now.
            let changed = target.has_changed().unwrap_or(false);
            let state = *target.borrow_and_update();
            if changed {
                self.apply_target(state)?;
            }
            let paused = state == TargetState::Paused;
            self.consumer
                .context()
                .connector_paused
                .store(paused, Ordering::Relaxed);
            self.errors.metrics.time_in_state.set_paused(paused);
            if let Some(assignment) = self.handle_rebalances(paused).await?
                && let Some(next) = &mut prefetched
            {
                next.retain_assigned(&assignment);
            }
            self.apply_task_requests(paused, &mut prefetched)?;
            let mut batch = match prefetched.take() {
                // Stopping drops it: its offsets stay uncommitted, to be read again.
                Some(_) if stop.is_cancelled() => return Ok(()),
                Some(batch) => {
                    if flush.tick().now_or_never().is_some() {
                        self.commit(CommitMode::Async).await?;
                    }
                    batch
                }
                None => {
                    let context = self.context.clone();
                    let messages = {
                        let mut stream = self.consumer.stream();
                        tokio::select! {
                            biased;
                            () = stop.cancelled() => return Ok(()),
                            _ = flush.tick() => None,
                            () = target_changed(&mut target, stop) => {
                                drop(stream);
                                self.apply_target(*target.borrow())?;
                                continue;
                            }
                            () = context.pauses_changed() => continue,
                            messages = ready_batch(&mut stream, message_size) => messages,
                        }
                    };
                    let Some(messages) = messages else {
                        self.commit(CommitMode::Async).await?;
                        continue;
                    };
                    convert(messages, &self.converters, &self.transforms, &self.errors, &self.spec).await?
                }
            };
            // The batch's poll may have assigned partitions: the task opens them before it is
            // given their records. Records of partitions revoked meanwhile leave the batch.
            if let Some(assignment) = self.handle_rebalances(paused).await? {
                batch.retain_assigned(&assignment);
            }
            let putting = Instant::now();
            let (delivered, next) = self.deliver(&mut batch, &target, stop).await?;
            if !delivered {
                // Stopped while waiting to redeliver: these records' offsets stay uncommitted,
                // to be read again.
                return Ok(());
            }
            prefetched = next;
            let sent = batch.records.len();
            let metrics = &self.errors.metrics;
            metrics.progress.mark();
            metrics.batch(sent, putting.elapsed());
            metrics.sink_record_send.add(sent);
            self.uncommitted += sent;
            metrics.active_records.set(self.uncommitted);
            self.report_errant().await?;
            self.current.extend(batch.offsets);
            self.apply_task_requests(paused, &mut prefetched)?;
            if self.context.take_commit_request() {
                self.commit(CommitMode::Async).await?;
            }
        }
    }

    /// Calls `put`, fetching and converting the next batch while the task works on this one, so
    /// that the task's waits on its system overlap the worker's own work; after a retriable
    /// failure, redelivers the batch. Returns whether the batch was delivered (false when the task
    /// was stopped first), and the next batch if one was fetched.
    async fn deliver(
        &mut self,
        batch: &mut Batch,
        target: &watch::Receiver<TargetState>,
        stop: &CancellationToken,
    ) -> Result<(bool, Option<Batch>), RuntimeError> {
        // A failure converting the next batch fails the task once this one is put.
        let mut next: Option<Result<Batch, RuntimeError>> = None;
        let first = {
            let mut put = std::pin::pin!(self.task.put(&batch.records));
            let mut stream = self.consumer.stream();
            loop {
                tokio::select! {
                    biased;
                    result = &mut put => break result,
                    messages = ready_batch(&mut stream, message_size), if next.is_none() => {
                        if let Some(messages) = messages {
                            let converted = convert(messages, &self.converters, &self.transforms, &self.errors, &self.spec);
                            next = Some(converted.await);
                        }
                    }
                }
            }
        };
        let mut next = next.transpose()?;
        let delivered = match first {
            Ok(()) => true,
            Err(err) if err.is_retriable() => {
                let delivered = self.redeliver(err, batch, target, stop).await?;
                if let Some(next) = &mut next {
                    next.retain_assigned(&self.context.assignment());
                }
                delivered
            }
            Err(err) => return Err(err.into()),
        };
        Ok((delivered, next))
    }

    /// Calls `put` again after a retriable failure, once the back-off the task asked for
    /// (`SinkTaskContext::timeout`) is over, until it succeeds. The consumer keeps polling
    /// meanwhile, every partition paused, so a slow external system costs no rebalance (Apache's
    /// pause-and-redeliver); records and offsets of partitions revoked meanwhile leave the batch.
    /// Returns false when the task was stopped before the batch was delivered.
    async fn redeliver(
        &mut self,
        mut failure: kconnect_api::ConnectError,
        batch: &mut Batch,
        target: &watch::Receiver<TargetState>,
        stop: &CancellationToken,
    ) -> Result<bool, RuntimeError> {
        loop {
            if stop.is_cancelled() {
                return Ok(false);
            }
            let backoff = self.context.take_timeout().unwrap_or(DEFAULT_RETRY_BACKOFF);
            tracing::warn!(task = %self.spec.name(), error = %failure, ?backoff, "put failed, redelivering");
            let assignment = self.wait_polling(backoff, stop).await?;
            batch.retain_assigned(&assignment);
            if stop.is_cancelled() {
                return Ok(false);
            }
            self.resume_unless_paused(*target.borrow())?;
            match self.task.put(&batch.records).await {
                Ok(()) => return Ok(true),
                Err(err) if err.is_retriable() => failure = err,
                Err(err) => return Err(err.into()),
            }
        }
    }

    /// Applies the rewinds and partition pauses the task asked for. A prefetched batch loses the
    /// records of those partitions: a rewound one is read again from where the task said, a
    /// paused one from its first record once resumed.
    fn apply_task_requests(
        &mut self,
        connector_paused: bool,
        prefetched: &mut Option<Batch>,
    ) -> Result<(), RuntimeError> {
        let rewound = self.apply_rewinds()?;
        let newly_paused = self.apply_task_pauses(connector_paused)?;
        let Some(batch) = prefetched else {
            return Ok(());
        };
        for partition in &newly_paused {
            if let Some(first) = batch.first_offset(partition) {
                self.consumer.seek(
                    &partition.topic,
                    partition.partition,
                    Offset::Offset(first),
                    SEEK_TIMEOUT,
                )?;
            }
        }
        let dropped: BTreeSet<TopicPartition> = rewound.into_iter().chain(newly_paused).collect();
        if !dropped.is_empty() {
            batch.retain(|partition| !dropped.contains(partition));
        }
        Ok(())
    }

    /// Polls the consumer for `backoff` with every assigned partition paused, handling the
    /// rebalances it sees; returns the assignment afterwards. A record fetched meanwhile (of a
    /// partition assigned before it could be paused) is sought back to, to be read again.
    async fn wait_polling(
        &mut self,
        backoff: Duration,
        stop: &CancellationToken,
    ) -> Result<BTreeSet<TopicPartition>, RuntimeError> {
        self.consumer.context().connector_paused.store(true, Ordering::Relaxed);
        self.consumer.pause(&self.consumer.assignment()?)?;
        let deadline = tokio::time::Instant::now() + backoff;
        while tokio::time::Instant::now() < deadline && !stop.is_cancelled() {
            // librdkafka counts a poll only when the stream is polled: poll at least every
            // REDELIVERY_POLL so that max.poll.interval.ms never runs out while waiting.
            let until = deadline.min(tokio::time::Instant::now() + REDELIVERY_POLL);
            let polled = {
                let mut stream = self.consumer.stream();
                tokio::select! {
                    () = stop.cancelled() => None,
                    () = tokio::time::sleep_until(until) => None,
                    polled = stream.next() => polled,
                }
            };
            match polled {
                Some(Ok(message)) => {
                    let (topic, partition) = (rdkafka::Message::topic(&message), rdkafka::Message::partition(&message));
                    self.consumer.seek(
                        topic,
                        partition,
                        Offset::Offset(rdkafka::Message::offset(&message)),
                        SEEK_TIMEOUT,
                    )?;
                }
                Some(Err(err)) if is_missing_topic(&err) || is_transient(&err) => {
                    tracing::debug!(task = %self.spec.name(), error = %err, "consumer error while waiting to redeliver");
                }
                Some(Err(err)) => return Err(err.into()),
                None => {}
            }
            self.handle_rebalances(true).await?;
        }
        Ok(partitions(&self.consumer.assignment()?).into_iter().collect())
    }

    /// Sends the records the task reported through the errant record reporter where `errors.*`
    /// says, with their original coordinates.
    async fn report_errant(&mut self) -> Result<(), RuntimeError> {
        for (record, error) in self.context.take_errant() {
            let bytes = self.converters.to_kafka(&record)?;
            let original = FailedRecord {
                topic: record.original_topic.clone(),
                partition: record.original_kafka_partition,
                offset: record.original_kafka_offset,
                key: bytes.key,
                value: bytes.value,
                headers: bytes.headers,
            };
            let failure = StageError {
                stage: Stage::TaskPut,
                class: self
                    .spec
                    .connector_config
                    .get(crate::connector_config::CONNECTOR_CLASS)
                    .cloned()
                    .unwrap_or_default(),
                error,
            };
            self.errors.handle(failure, Some(&original)).await?;
        }
        Ok(())
    }

    /// Seeks to the offsets the task asked for; returns their partitions.
    fn apply_rewinds(&mut self) -> Result<Vec<TopicPartition>, RuntimeError> {
        let mut rewound = Vec::new();
        for (partition, offset) in self.context.take_rewinds() {
            self.consumer.seek(
                &partition.topic,
                partition.partition,
                Offset::Offset(offset),
                SEEK_TIMEOUT,
            )?;
            self.current.insert(partition.clone(), offset);
            rewound.push(partition);
        }
        Ok(rewound)
    }

    /// Pauses consumption of every assigned partition, or resumes every one the task itself has
    /// not paused.
    fn apply_target(&self, target: TargetState) -> Result<(), RuntimeError> {
        self.resume_unless_paused(target)?;
        tracing::info!(task = %self.spec.name(), target = target.name(), "consumption target changed");
        Ok(())
    }

    /// Pauses every assigned partition when `target` is PAUSED, else resumes every one the task
    /// itself has not paused.
    fn resume_unless_paused(&self, target: TargetState) -> Result<(), RuntimeError> {
        let connector_paused = target == TargetState::Paused;
        self.consumer
            .context()
            .connector_paused
            .store(connector_paused, Ordering::Relaxed);
        let assignment = self.consumer.assignment()?;
        if connector_paused {
            self.consumer.pause(&assignment)?;
            return Ok(());
        }
        let resumed: Vec<TopicPartition> = partitions(&assignment)
            .into_iter()
            .filter(|partition| !self.task_paused.contains(partition))
            .collect();
        self.consumer.resume(&partition_list(&resumed))?;
        Ok(())
    }

    /// Pauses the partitions the task newly paused and resumes those it resumed (unless the whole
    /// connector is paused). librdkafka drops what it fetched of a paused partition and fetches
    /// again from the record after the last one taken from it. Returns the newly paused ones.
    fn apply_task_pauses(&mut self, connector_paused: bool) -> Result<Vec<TopicPartition>, RuntimeError> {
        let Some(paused) = self.context.take_pauses() else {
            return Ok(Vec::new());
        };
        let newly_paused: Vec<TopicPartition> = paused.difference(&self.task_paused).cloned().collect();
        let resumed: Vec<TopicPartition> = self.task_paused.difference(&paused).cloned().collect();
        if !newly_paused.is_empty() {
            self.consumer.pause(&partition_list(&newly_paused))?;
        }
        if !resumed.is_empty() && !connector_paused {
            self.consumer.resume(&partition_list(&resumed))?;
        }
        if !newly_paused.is_empty() || !resumed.is_empty() {
            tracing::info!(task = %self.spec.name(), paused = ?newly_paused, resumed = ?resumed, "the task paused or resumed partitions");
        }
        self.task_paused = paused;
        Ok(newly_paused)
    }

    /// Opens assigned and closes revoked partitions, if the consumer saw a rebalance; returns the
    /// assignment then.
    async fn handle_rebalances(&mut self, paused: bool) -> Result<Option<BTreeSet<TopicPartition>>, RuntimeError> {
        let events = std::mem::take(&mut *self.consumer.context().events.lock().unwrap_or_else(|e| e.into_inner()));
        if events.is_empty() {
            return Ok(None);
        }
        let mut assigned_any = false;
        for event in events {
            match event {
                RebalanceEvent::Assigned(assigned) => {
                    assigned_any = true;
                    tracing::info!(task = %self.spec.name(), partitions = ?assigned, "partitions assigned");
                    for partition in &assigned {
                        self.worker
                            .active_topics
                            .record(&self.spec.connector, self.spec.id, &partition.topic);
                    }
                    self.task.open(&assigned).await?;
                    // A new assignment starts unpaused: what the task paused and owns again is
                    // paused again, and stays paused when the connector itself resumes.
                    let still_paused = self.context.paused();
                    let repaused: Vec<TopicPartition> =
                        assigned.into_iter().filter(|p| still_paused.contains(p)).collect();
                    self.task_paused.extend(repaused.iter().cloned());
                    if paused {
                        self.apply_target(TargetState::Paused)?;
                    } else if !repaused.is_empty() {
                        self.consumer.pause(&partition_list(&repaused))?;
                    }
                }
                RebalanceEvent::Revoked(revoked) => {
                    tracing::info!(task = %self.spec.name(), partitions = ?revoked, "partitions revoked");
                    self.task.close(&revoked).await?;
                    for partition in &revoked {
                        self.current.remove(partition);
                        self.task_paused.remove(partition);
                    }
                }
            }
        }
        let assignment: BTreeSet<TopicPartition> = self
            .consumer
            .assignment()
            .map(|list| partitions(&list).into_iter().collect())
            .unwrap_or_default();
        self.errors
            .metrics
            .partition_count
            .store(assignment.len() as u64, std::sync::atomic::Ordering::Relaxed);
        self.context.set_assignment(assignment.clone());
        if assigned_any {
            self.context.retain_assigned_pauses();
        }
        Ok(Some(assignment))
    }

    /// Asks the task which offsets are safe (`pre_commit`) and commits them to the consumer group.
    async fn commit(&mut self, mode: CommitMode) -> Result<(), RuntimeError> {
        let lag = self.consumer.context().lag_max.load(Ordering::Relaxed);
        self.errors.metrics.sink_record_lag_max.store(lag, Ordering::Relaxed);
        if self.current.is_empty() {
            return Ok(());
        }
        let committing = Instant::now();
        let offsets = self.task.pre_commit(self.current.clone()).await?;
        if offsets.is_empty() {
            self.errors.metrics.offset_commit_skip.add(1);
            return Ok(());
        }
        let mut list = TopicPartitionList::new();
        for (partition, offset) in &offsets {
            list.add_partition_offset(&partition.topic, partition.partition, Offset::Offset(*offset))?;
        }
        let committed = match mode {
            CommitMode::Sync => tokio::task::block_in_place(|| self.consumer.commit(&list, CommitMode::Sync)),
            CommitMode::Async => self.consumer.commit(&list, CommitMode::Async),
        };
        let metrics = &self.errors.metrics;
        if let Err(err) = committed {
            metrics.commit_failed(committing.elapsed());
            return Err(err.into());
        }
        metrics.committed(committing.elapsed());
        self.uncommitted = 0;
        metrics.active_records.set(0);
        tracing::debug!(task = %self.spec.name(), partitions = offsets.len(), "committed sink offsets");
        Ok(())
    }

    /// Commits what was flushed (after a clean run), closes the partitions and stops the task.
    async fn shutdown(&mut self, clean: bool) -> Result<(), RuntimeError> {
        let committed = if clean && self.started {
            self.commit(CommitMode::Sync).await
        } else {
            Ok(())
        };
        if self.started {
            let assigned: Vec<TopicPartition> = self.current.keys().cloned().collect();
            self.task.close(&assigned).await?;
            self.task.stop().await?;
        }
        self.consumer.unsubscribe();
        tracing::info!(task = %self.spec.name(), "sink task stopped");
        committed
    }
}

/// Records converted for one `put`, and for every message fetched (a skipped or failed one too)
/// the offset after it, to commit once the records are put.
struct Batch {
    records: Vec<SinkRecord>,
    offsets: Vec<(TopicPartition, i64)>,
}

impl Batch {
    /// Drops the records and offsets of partitions not in `assignment`.
    fn retain_assigned(&mut self, assignment: &BTreeSet<TopicPartition>) {
        self.retain(|partition| assignment.contains(partition));
    }

    /// Keeps the records and offsets of the partitions `keep` says.
    fn retain(&mut self, keep: impl Fn(&TopicPartition) -> bool) {
        self.records
            .retain(|r| keep(&TopicPartition::new(&r.original_topic, r.original_kafka_partition)));
        self.offsets.retain(|(partition, _)| keep(partition));
    }

    /// The offset of the first message of `partition` in the batch.
    fn first_offset(&self, partition: &TopicPartition) -> Option<i64> {
        self.offsets
            .iter()
            .find(|(p, _)| p == partition)
            .map(|(_, after)| after - 1)
    }
}

/// Converts and transforms fetched messages into a batch; a record that fails goes where
/// `errors.*` says.
async fn convert(
    messages: Vec<KafkaResult<BorrowedMessage<'_>>>,
    converters: &TaskConverters,
    transforms: &TransformationChain<SinkRecord>,
    errors: &ErrorHandler,
    spec: &TaskSpec,
) -> Result<Batch, RuntimeError> {
    errors.metrics.sink_record_read.add(messages.len());
    let mut records = Vec::with_capacity(messages.len());
    let mut offsets = Vec::with_capacity(messages.len());
    for message in messages {
        let message = match message {
            Ok(message) => message,
            Err(err) if is_missing_topic(&err) => {
                tracing::warn!(task = %spec.name(), error = %err, "a subscribed topic does not exist yet; waiting for it");
                continue;
            }
            Err(err) if is_transient(&err) => {
                tracing::warn!(task = %spec.name(), error = %err, "the consumer reports a transient error; it recovers by itself");
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        let processed = errors
            .retry(|| transforms.apply(converters.from_kafka(&message)?))
            .await;
        match processed {
            Ok(Some(record)) => records.push(record),
            Ok(None) => {}
            Err(failure) => errors.handle(failure, Some(&failed_record(&message))).await?,
        }
        offsets.push((
            TopicPartition::new(rdkafka::Message::topic(&message), rdkafka::Message::partition(&message)),
            rdkafka::Message::offset(&message) + 1,
        ));
    }
    Ok(Batch { records, offsets })
}

/// Whether a consumer error only says a subscribed topic does not exist (yet): the consumer picks
/// it up once created, as Apache's does.
fn is_missing_topic(err: &KafkaError) -> bool {
    matches!(
        err,
        KafkaError::MessageConsumption(RDKafkaErrorCode::UnknownTopicOrPartition | RDKafkaErrorCode::UnknownTopic)
    )
}

/// Whether a consumer error is one librdkafka recovers from by itself (a broker that went away,
/// a coordinator that moved, a timeout): the task goes on. Fatal errors and refused credentials or
/// permissions fail the task, as they do in Apache's.
fn is_transient(err: &KafkaError) -> bool {
    let KafkaError::MessageConsumption(code) = err else {
        return false;
    };
    !matches!(
        code,
        RDKafkaErrorCode::Fatal
            | RDKafkaErrorCode::Authentication
            | RDKafkaErrorCode::SaslAuthenticationFailed
            | RDKafkaErrorCode::TopicAuthorizationFailed
            | RDKafkaErrorCode::GroupAuthorizationFailed
            | RDKafkaErrorCode::ClusterAuthorizationFailed
            | RDKafkaErrorCode::UnsupportedSASLMechanism
            | RDKafkaErrorCode::InvalidConfig
    )
}

/// Subscribes to `topics` once they all exist (checking every 100 ms, so a sink started with
/// the source that creates its topic begins at once), or to `topics.regex`.
async fn subscribe(
    consumer: &StreamConsumer<SinkConsumerContext>,
    task_config: &kconnect_api::ConfigMap,
    stop: &CancellationToken,
) -> Result<(), RuntimeError> {
    if let Some(regex) = task_config.get(TOPICS_REGEX).filter(|r| !r.is_empty()) {
        let pattern = if regex.starts_with('^') {
            regex.clone()
        } else {
            format!("^{regex}")
        };
        consumer.subscribe(&[pattern.as_str()])?;
        return Ok(());
    }
    let topics = crate::connector_config::listed_topics(task_config);
    let exists = |topic: &str| {
        tokio::task::block_in_place(|| consumer.fetch_metadata(Some(topic), TOPIC_CHECK_TIMEOUT))
            .is_ok_and(|m| lists_topic(&m, topic))
    };
    let deadline = tokio::time::Instant::now() + TOPIC_WAIT;
    while !stop.is_cancelled() && tokio::time::Instant::now() < deadline && !topics.iter().all(|t| exists(t)) {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let names: Vec<&str> = topics.iter().map(String::as_str).collect();
    consumer.subscribe(&names)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unreachable_broker_is_transient_and_refused_access_is_not() {
        let consumption = KafkaError::MessageConsumption;
        assert!(is_transient(&consumption(RDKafkaErrorCode::BrokerTransportFailure)));
        assert!(is_transient(&consumption(RDKafkaErrorCode::AllBrokersDown)));
        assert!(is_transient(&consumption(RDKafkaErrorCode::NotCoordinator)));
        assert!(!is_transient(&consumption(RDKafkaErrorCode::TopicAuthorizationFailed)));
        assert!(!is_transient(&consumption(RDKafkaErrorCode::Fatal)));
        assert!(!is_transient(&KafkaError::MessageConsumptionFatal(
            RDKafkaErrorCode::Fatal
        )));
    }

    #[test]
    fn a_batch_keeps_the_partitions_asked_for_and_knows_where_each_starts() {
        let (a, b) = (TopicPartition::new("t", 0), TopicPartition::new("t", 1));
        let mut batch = Batch {
            records: Vec::new(),
            offsets: vec![(a.clone(), 11), (b.clone(), 6), (a.clone(), 12), (b.clone(), 7)],
        };
        assert_eq!(batch.first_offset(&a), Some(10));
        assert_eq!(batch.first_offset(&b), Some(5));
        batch.retain_assigned(&BTreeSet::from([b.clone()]));
        assert_eq!(batch.offsets, [(b.clone(), 6), (b, 7)]);
        assert_eq!(batch.first_offset(&a), None);
    }
}
