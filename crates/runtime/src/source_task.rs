//! The source task loop: poll → convert → produce; offsets committed once acknowledged.

use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use kconnect_api::OffsetMap;
use kconnect_api::{ConnectError, RecordMetadata, SourceRecord, SourceTask};
use kconnect_storage::{ConnectorOffsetReader, OffsetStore, OffsetWrite, StorageError, offset_key, offset_value};
use rdkafka::error::{KafkaError, RDKafkaErrorCode};
use rdkafka::message::{Header, OwnedHeaders};
use rdkafka::producer::{BaseRecord, DeliveryResult, Producer, ProducerContext, ThreadedProducer};
use rdkafka::{ClientContext, Message};
use tokio::sync::{Notify, watch};
use tokio_util::sync::CancellationToken;

use crate::convert::{KafkaRecord, TaskConverters};
use crate::error::RuntimeError;
use crate::error_handling::{ErrorHandler, FailedRecord};
use crate::kafka::{admin_config, producer_config};
use crate::runner::Preflight;
use crate::source_transactions::{Boundary, SourceTransactions, TRANSACTION_TIMEOUT, transactional_producer};
use crate::submitted::{SubmittedRecords, Ticket, without_body};
use crate::target_state::{TargetState, target_changed};
use crate::task_context::SourceContext;
use crate::task_logs::TaskLogs;
use crate::topics::TopicCreator;
use crate::transaction_boundaries::{BoundaryRequests, TransactionEnd};
use crate::transform_chain::TransformationChain;
use crate::worker::{TaskSpec, Worker};

/// Records sent and not yet acknowledged before polling pauses: the producer-side bound that makes a
/// slow broker slow the source down instead of filling memory.
const MAX_IN_FLIGHT: usize = 50_000;
const QUEUE_FULL_BACKOFF: Duration = Duration::from_millis(2);

/// State shared with the producer's delivery callback.
#[derive(Default)]
struct Acks {
    submitted: Mutex<SubmittedRecords>,
    failure: Mutex<Option<String>>,
    progress: Notify,
}

impl Acks {
    fn submitted(&self) -> MutexGuard<'_, SubmittedRecords> {
        self.submitted.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn failure(&self) -> Option<String> {
        self.failure.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

struct AckContext(Arc<Acks>);

/// What a delivery report is about.
enum Delivery {
    /// A record the task polled.
    Record(Ticket),
    /// A source offset an exactly-once task writes in its transaction.
    Offset,
}

impl ClientContext for AckContext {}

impl ProducerContext for AckContext {
    type DeliveryOpaque = Box<Delivery>;

    fn delivery(&self, result: &DeliveryResult<'_>, delivery: Box<Delivery>) {
        match (result, *delivery) {
            (Ok(message), Delivery::Record(ticket)) => {
                let metadata = RecordMetadata::new(message.topic(), message.partition(), message.offset());
                self.0.submitted().ack(ticket, Some(metadata));
            }
            (Ok(_), Delivery::Offset) => {}
            (Err((err, _)), _) => {
                *self.0.failure.lock().unwrap_or_else(|e| e.into_inner()) =
                    Some(format!("Failed to send record to Kafka: {err}"));
            }
        }
        self.0.progress.notify_waiters();
    }
}

/// Runs one source task, idle while `target` is PAUSED, until `stop` is cancelled or the task fails; the error says why it failed.
/// An exactly-once task passes `after_producer` (if any) once its transactional producer started.
pub async fn run_source_task(
    worker: Arc<Worker>,
    spec: TaskSpec,
    task: Box<dyn SourceTask>,
    target: watch::Receiver<TargetState>,
    stop: CancellationToken,
    after_producer: Option<Preflight>,
) -> Result<(), RuntimeError> {
    let mut runner = SourceRunner::new(worker, spec, task).await?;
    if let Some(check) = after_producer.filter(|_| runner.transactions.is_some()) {
        check.await?;
    }
    let result = runner.run(target, &stop).await;
    let shutdown = runner.shutdown(result.is_err()).await;
    result.and(shutdown)
}

/// An offset write under way, off the poll loop as Apache's committer thread is: its outcome with
/// how long it took, and the offsets it writes (kept for the next commit if it fails).
struct PendingOffsets {
    handle: tokio::task::JoinHandle<(Result<(), StorageError>, Duration)>,
    offsets: Vec<(Arc<OffsetMap>, OffsetMap)>,
}

struct SourceRunner {
    worker: Arc<Worker>,
    spec: TaskSpec,
    task: Box<dyn SourceTask>,
    converters: TaskConverters,
    producer: ThreadedProducer<AckContext>,
    acks: Arc<Acks>,
    topics: Option<TopicCreator>,
    transforms: TransformationChain<SourceRecord>,
    errors: ErrorHandler,
    /// The connector's offset store (its own, or the worker's).
    offsets: Arc<dyn OffsetStore>,
    /// The offset write under way, if any.
    writing: Option<PendingOffsets>,
    /// With exactly-once delivery, the task's transactions.
    transactions: Option<SourceTransactions>,
    started: bool,
}

impl SourceRunner {
    async fn new(worker: Arc<Worker>, spec: TaskSpec, task: Box<dyn SourceTask>) -> Result<Self, RuntimeError> {
        let converters = TaskConverters::new(&worker.registry, &worker.config, &spec.connector_config)?;
        let acks = Arc::new(Acks::default());
        let client_id = format!("connector-producer-{}", spec.name());
        let offsets = worker.offsets_for(&spec.connector_config)?;
        let transactions = SourceTransactions::of(&worker, &spec, offsets.as_ref())?;
        let mut producer_settings = producer_config(&worker.config, &spec.connector_config, &client_id);
        if let Some(transactions) = &transactions {
            producer_settings = transactional_producer(producer_settings, &transactions.id);
        }
        let producer: ThreadedProducer<AckContext> = producer_settings.create_with_context(AckContext(acks.clone()))?;
        if let Some(transactions) = &transactions {
            // Aborts what an earlier run of this task left open, and fences that run's producer.
            tokio::task::block_in_place(|| producer.init_transactions(TRANSACTION_TIMEOUT)).map_err(|err| {
                RuntimeError::Kafka(format!(
                    "Failed to initialize the transactional producer {} of task {}: {err}",
                    transactions.id,
                    spec.name()
                ))
            })?;
        }
        let topics = worker
            .topic_settings(&spec.connector_config)
            .map(|settings| TopicCreator::new(&admin_config(&worker.config, &spec.connector_config), settings))
            .transpose()?;
        let transforms = TransformationChain::from_config(&worker.registry, &spec.connector_config)?;
        let errors = ErrorHandler::new(&worker, &spec).await?;
        Ok(Self {
            worker,
            spec,
            task,
            converters,
            producer,
            acks,
            topics,
            transforms,
            errors,
            offsets,
            writing: None,
            transactions,
            started: false,
        })
    }

    async fn run(
        &mut self,
        mut target: watch::Receiver<TargetState>,
        stop: &CancellationToken,
    ) -> Result<(), RuntimeError> {
        let reader = ConnectorOffsetReader::new(&self.spec.connector, self.offsets.clone());
        let plugins = self.errors.metrics.plugins.clone();
        let logs = TaskLogs::new(&self.worker, &self.spec.connector_config);
        let boundaries = self.transactions.as_ref().and_then(|t| t.context.clone());
        let context = SourceContext::reporting_to(
            self.spec.task_config.clone(),
            Arc::new(reader),
            plugins,
            Some(logs),
            boundaries,
        );
        self.task.start(context).await?;
        self.started = true;
        tracing::info!(task = %self.spec.name(), "source task started");
        let flush_interval = self.worker.config.offset_flush_interval();
        let commit_interval = self
            .transactions
            .as_ref()
            .map_or(flush_interval, |t| t.commit_interval(flush_interval));
        let mut flush = tokio::time::interval(commit_interval);
        flush.tick().await;
        loop {
            let paused = *target.borrow_and_update() == TargetState::Paused;
            self.errors.metrics.time_in_state.set_paused(paused);
            if paused {
                tokio::select! {
                    biased;
                    () = stop.cancelled() => return Ok(()),
                    _ = flush.tick() => self.commit().await?,
                    () = target_changed(&mut target, stop) => {}
                }
                continue;
            }
            let polling = Instant::now();
            tokio::select! {
                biased;
                () = stop.cancelled() => return Ok(()),
                _ = flush.tick() => self.commit().await?,
                () = target_changed(&mut target, stop) => {}
                polled = self.task.poll() => match polled {
                    Ok(records) => {
                        let metrics = &self.errors.metrics;
                        metrics.progress.mark();
                        metrics.batch(records.len(), polling.elapsed());
                        metrics.source_record_poll.add(records.len());
                        let requests = self.transactions.as_ref().and_then(|t| t.context.as_ref()).map(|c| c.take());
                        self.send_all(records, requests.as_ref()).await?;
                        self.end_batch_transaction(requests.as_ref()).await?;
                    }
                    Err(err) if err.is_retriable() => tracing::warn!(task = %self.spec.name(), error = %err, "poll failed, retrying"),
                    Err(err) => return Err(err.into()),
                },
            }
            self.complete_acked().await?;
            if self.writing.as_ref().is_some_and(|write| write.handle.is_finished()) {
                self.finish_offset_write().await?;
            }
            self.wait_for_room(stop).await?;
        }
    }

    /// Sends each record; with connector-defined transaction boundaries, ends the transaction
    /// after each record the task asked to (`requests`).
    async fn send_all(
        &mut self,
        records: Vec<SourceRecord>,
        requests: Option<&BoundaryRequests>,
    ) -> Result<(), RuntimeError> {
        for (index, record) in records.into_iter().enumerate() {
            let end = match requests {
                Some(requests) => requests.after_record(index, &record).map_err(ConnectError::Fatal)?,
                None => None,
            };
            self.send(record).await?;
            if let Some(end) = end {
                self.end_transaction(end).await?;
            }
        }
        Ok(())
    }

    /// Transforms, converts and produces one record. The record as the task polled it is what
    /// tracks the offset and comes back to [`SourceTask::commit_record`], as in Apache, though
    /// without its key, value and headers: those are released once the record is sent.
    async fn send(&mut self, original: SourceRecord) -> Result<(), RuntimeError> {
        let transformed = if self.transforms.is_empty() {
            None
        } else {
            match self.errors.retry(|| self.transforms.apply(original.clone())).await {
                Ok(Some(record)) => Some(record),
                Ok(None) => {
                    self.skip(original);
                    return Ok(());
                }
                Err(failure) => {
                    self.errors
                        .handle(failure, Some(&failed_source_record(&original)))
                        .await?;
                    self.skip(original);
                    return Ok(());
                }
            }
        };
        let record = transformed.as_ref().unwrap_or(&original);
        let bytes = match self.errors.retry(|| self.converters.to_kafka(record)).await {
            Ok(bytes) => bytes,
            Err(failure) => {
                self.errors.handle(failure, Some(&failed_source_record(record))).await?;
                self.skip(original);
                return Ok(());
            }
        };
        if let Some(topics) = &mut self.topics {
            topics.ensure(&record.topic).await?;
        }
        self.worker
            .active_topics
            .record(&self.spec.connector, self.spec.id, &record.topic);
        let topic = record.topic.clone();
        let partition = record.kafka_partition;
        let timestamp = record.timestamp;
        drop(transformed);
        let original = without_body(original);
        self.begin_transaction()?;
        let ticket = self.acks.submitted().submit(original);
        produce(&self.producer, &topic, partition, timestamp, &bytes, ticket).await?;
        self.errors.metrics.source_record_write.add(1);
        if let Some(transactions) = &mut self.transactions {
            transactions.records += 1;
        }
        Ok(())
    }

    /// After a batch was sent: commits its transaction with `transaction.boundary=poll`, or ends
    /// it as the task asked (`requests`) with `connector`.
    async fn end_batch_transaction(&mut self, requests: Option<&BoundaryRequests>) -> Result<(), RuntimeError> {
        if let Some(requests) = requests {
            if let Some(end) = requests.after_batch().map_err(ConnectError::Fatal)? {
                self.end_transaction(end).await?;
            }
        } else if self.transactions.as_ref().is_some_and(|t| t.boundary == Boundary::Poll) {
            self.commit_transaction().await?;
        }
        Ok(())
    }

    /// Ends the open transaction as the task asked.
    async fn end_transaction(&mut self, end: TransactionEnd) -> Result<(), RuntimeError> {
        match end {
            TransactionEnd::Commit => self.commit_transaction().await,
            TransactionEnd::Abort => {
                tracing::info!(task = %self.spec.name(), "aborting the transaction as the task asked");
                self.abort_transaction(TRANSACTION_TIMEOUT).await?;
                // The aborted records' offsets are committed still: the task does not read them again.
                self.commit_transaction().await
            }
        }
    }

    /// Aborts the open transaction once its records were acknowledged, waiting up to `wait` for
    /// them (librdkafka fails those still in flight).
    async fn abort_transaction(&mut self, wait: Duration) -> Result<(), RuntimeError> {
        if !self.transactions.as_ref().is_some_and(|t| t.open) {
            tracing::warn!(task = %self.spec.name(), "ignoring the task's request to abort the transaction: it is empty");
            return Ok(());
        }
        self.wait_for_acks(wait).await;
        if let Some(failure) = self.acks.failure() {
            return Err(RuntimeError::Kafka(failure));
        }
        tokio::task::block_in_place(|| self.producer.abort_transaction(TRANSACTION_TIMEOUT)).map_err(|err| {
            RuntimeError::Kafka(format!(
                "Failed to abort the transaction of task {}: {err}",
                self.spec.name()
            ))
        })?;
        if let Some(transactions) = &mut self.transactions {
            transactions.open = false;
            transactions.records = 0;
        }
        Ok(())
    }

    /// Counts a record that is not sent (dropped by a transformation or tolerated as failed) as
    /// done, so its offset still commits in order.
    fn skip(&self, record: SourceRecord) {
        let record = without_body(record);
        let mut submitted = self.acks.submitted();
        let ticket = submitted.submit(record);
        submitted.ack(ticket, None);
    }

    /// Hands acknowledged records back to the task, in order, and fails on a delivery error. With
    /// exactly-once delivery they are handed back once their transaction commits.
    async fn complete_acked(&mut self) -> Result<(), RuntimeError> {
        if let Some(failure) = self.acks.failure() {
            return Err(RuntimeError::Kafka(failure));
        }
        if self.transactions.is_some() {
            let in_flight = self.acks.submitted().in_flight();
            self.errors.metrics.active_records.set(in_flight);
            return Ok(());
        }
        self.hand_back_acked().await
    }

    /// Removes the acknowledged records from those in flight (their offsets become committable)
    /// and hands them back to the task with `commit_record`.
    async fn hand_back_acked(&mut self) -> Result<(), RuntimeError> {
        let (acked, in_flight) = {
            let mut submitted = self.acks.submitted();
            (submitted.drain_acked(), submitted.in_flight())
        };
        self.errors.metrics.active_records.set(in_flight);
        for (record, metadata) in acked {
            self.task.commit_record(&record, metadata).await?;
        }
        Ok(())
    }

    /// Waits up to `timeout` until everything sent (records, and an exactly-once task's offsets)
    /// is acknowledged, or a send failed. The producer's own thread serves the acknowledgements
    /// as they come; rdkafka's `flush`, which its `commit_transaction` calls too, would poll
    /// beside it and sleep up to 100 ms at a time.
    async fn wait_for_acks(&mut self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        while (self.acks.submitted().in_flight() > 0 || self.producer.in_flight_count() > 0)
            && self.acks.failure().is_none()
            && tokio::time::Instant::now() < deadline
        {
            let progress = self.acks.progress.notified();
            let _ = tokio::time::timeout(Duration::from_millis(5), progress).await;
        }
    }

    /// Waits while too many records are in flight.
    async fn wait_for_room(&mut self, stop: &CancellationToken) -> Result<(), RuntimeError> {
        while self.acks.submitted().in_flight() > MAX_IN_FLIGHT && !stop.is_cancelled() {
            let progress = self.acks.progress.notified();
            let _ = tokio::time::timeout(Duration::from_millis(50), progress).await;
            self.complete_acked().await?;
        }
        Ok(())
    }

    /// Commits what the task sent, every offset flush interval: its transaction with exactly-once
    /// delivery (unless the task ends its transactions itself), else its offsets.
    async fn commit(&mut self) -> Result<(), RuntimeError> {
        match &self.transactions {
            Some(transactions) if transactions.boundary == Boundary::Connector => Ok(()),
            Some(_) => self.commit_transaction().await,
            None => self.commit_offsets().await,
        }
    }

    /// Begins a transaction unless one is open (exactly-once delivery only).
    fn begin_transaction(&mut self) -> Result<(), RuntimeError> {
        let Some(transactions) = &mut self.transactions else {
            return Ok(());
        };
        if !transactions.open {
            self.producer
                .begin_transaction()
                .map_err(|err| RuntimeError::Kafka(format!("Failed to begin a transaction: {err}")))?;
            transactions.open = true;
        }
        Ok(())
    }

    /// Commits the open transaction with the offsets of its records (exactly-once delivery): every
    /// record acknowledged first, their offsets written to the offsets topic in the transaction,
    /// then the commit; only then are the records handed back to the task (`commit_record`) and
    /// the task's `commit` called, as Apache's exactly-once task does.
    async fn commit_transaction(&mut self) -> Result<(), RuntimeError> {
        let began = Instant::now();
        let task = self.spec.name();
        let failed = |err: KafkaError| {
            RuntimeError::Kafka(format!("Failed to flush offsets and/or records for task {task}: {err}"))
        };
        self.wait_for_acks(TRANSACTION_TIMEOUT).await;
        if let Some(failure) = self.acks.failure() {
            return Err(RuntimeError::Kafka(failure));
        }
        if self.acks.submitted().in_flight() > 0 {
            return Err(failed(KafkaError::Flush(RDKafkaErrorCode::OperationTimedOut)));
        }
        let acked = self.acks.submitted().drain_acked();
        let offsets = self.acks.submitted().take_committable();
        let open = self.transactions.as_ref().is_some_and(|t| t.open);
        if open || !offsets.is_empty() {
            self.begin_transaction()?;
            let writes = self.offset_writes(&offsets);
            let topic = self.transactions.as_ref().map_or("", |t| t.offsets_topic.as_str());
            for (key, value) in &writes {
                produce_offset(&self.producer, topic, key, value.as_deref()).await?;
            }
            self.wait_for_acks(TRANSACTION_TIMEOUT).await;
            tokio::task::block_in_place(|| self.producer.commit_transaction(TRANSACTION_TIMEOUT)).map_err(failed)?;
            if let Some(transactions) = &mut self.transactions {
                transactions.open = false;
                self.errors.metrics.transaction_size.record(transactions.records);
                transactions.records = 0;
            }
            self.offsets.written_in_transaction(writes);
            self.errors.metrics.committed(began.elapsed());
        }
        for (record, metadata) in acked {
            self.task.commit_record(&record, metadata).await?;
        }
        self.task.commit().await?;
        Ok(())
    }

    /// The offset store's writes for `offsets` (source partition, offset) of this connector.
    fn offset_writes(&self, offsets: &[(Arc<OffsetMap>, OffsetMap)]) -> Vec<OffsetWrite> {
        offsets
            .iter()
            .map(|(partition, offset)| (offset_key(&self.spec.connector, partition), Some(offset_value(offset))))
            .collect()
    }

    /// Starts writing the committable offsets to the offset store once the write before it ended
    /// (the task's `commit` follows each write, in [`Self::finish_offset_write`]). The write runs
    /// off the reactor threads (the file store writes and fsyncs, the Kafka store waits for the
    /// broker) while the task goes on polling, as it does in Apache's runtime.
    async fn commit_offsets(&mut self) -> Result<(), RuntimeError> {
        self.finish_offset_write().await?;
        self.complete_acked().await?;
        let offsets = self.acks.submitted().take_committable();
        if offsets.is_empty() {
            self.task.commit().await?;
            return Ok(());
        }
        let writes = self.offset_writes(&offsets);
        let store = self.offsets.clone();
        let handle = tokio::task::spawn_blocking(move || {
            let began = Instant::now();
            (store.set(writes), began.elapsed())
        });
        self.writing = Some(PendingOffsets { handle, offsets });
        Ok(())
    }

    /// Waits for the offset write under way, if any, then calls the task's `commit`. Offsets that
    /// could not be written (the offsets topic's broker is away) are kept for the next commit, and
    /// the task goes on, as Apache's does.
    async fn finish_offset_write(&mut self) -> Result<(), RuntimeError> {
        let Some(write) = self.writing.take() else {
            return Ok(());
        };
        let (written, took) = write.handle.await.unwrap_or_else(|err| {
            let failed = StorageError::Io {
                path: "offsets".into(),
                source: std::io::Error::other(err.to_string()),
            };
            (Err(failed), Duration::ZERO)
        });
        let metrics = &self.errors.metrics;
        match written {
            Ok(()) => {
                metrics.committed(took);
                tracing::debug!(task = %self.spec.name(), partitions = write.offsets.len(), "committed source offsets");
            }
            Err(err) => {
                metrics.commit_failed(took);
                tracing::error!(task = %self.spec.name(), error = %err, "could not commit source offsets; they are kept for the next commit");
                self.acks.submitted().restore_committable(write.offsets);
                return Ok(());
            }
        }
        self.task.commit().await?;
        Ok(())
    }

    /// Waits up to `offset.flush.timeout.ms` for outstanding records, commits what was acknowledged
    /// and stops the task. A task with exactly-once delivery that `failed` commits nothing: its
    /// open transaction is aborted when the task starts again. One that ends its transactions
    /// itself aborts the open one: only the task says where a transaction may end.
    async fn shutdown(&mut self, failed: bool) -> Result<(), RuntimeError> {
        self.wait_for_acks(self.worker.config.offset_flush_timeout()).await;
        let _ = self.producer.flush(Duration::ZERO);
        let in_flight = self.acks.submitted().in_flight();
        if in_flight > 0 {
            tracing::warn!(task = %self.spec.name(), in_flight, "stopping with unacknowledged records; their offsets are not committed");
        }
        let committed = match (&self.transactions, failed) {
            (Some(_), true) => Ok(()),
            (Some(transactions), false) if transactions.boundary == Boundary::Connector => {
                self.abort_transaction(Duration::ZERO).await
            }
            (Some(_), false) => self.commit_transaction().await,
            (None, _) => match self.commit_offsets().await {
                Ok(()) => self.finish_offset_write().await,
                failed => failed,
            },
        };
        if self.started {
            self.task
                .stop()
                .await
                .map_err(|e: ConnectError| RuntimeError::from(e))?;
        }
        tracing::info!(task = %self.spec.name(), "source task stopped");
        committed
    }
}

/// Hands one record to the producer, waiting while its queue is full.
async fn produce(
    producer: &ThreadedProducer<AckContext>,
    topic: &str,
    partition: Option<i32>,
    timestamp: Option<i64>,
    bytes: &KafkaRecord,
    ticket: Ticket,
) -> Result<(), RuntimeError> {
    let mut record = BaseRecord::with_opaque_to(topic, Box::new(Delivery::Record(ticket)));
    if let Some(key) = &bytes.key {
        record = record.key(key.as_slice());
    }
    if let Some(value) = &bytes.value {
        record = record.payload(value.as_slice());
    }
    if let Some(partition) = partition {
        record = record.partition(partition);
    }
    if let Some(timestamp) = timestamp {
        record = record.timestamp(timestamp);
    }
    if !bytes.headers.is_empty() {
        let headers = bytes.headers.iter().fold(
            OwnedHeaders::new_with_capacity(bytes.headers.len()),
            |headers, (key, value)| {
                headers.insert(Header {
                    key,
                    value: value.as_deref(),
                })
            },
        );
        record = record.headers(headers);
    }
    send(producer, record).await
}

/// Hands one source offset to the producer (exactly-once delivery): to the offsets topic, keyed
/// and partitioned as the offset store writes it.
async fn produce_offset(
    producer: &ThreadedProducer<AckContext>,
    topic: &str,
    key: &[u8],
    value: Option<&[u8]>,
) -> Result<(), RuntimeError> {
    let mut record = BaseRecord::with_opaque_to(topic, Box::new(Delivery::Offset)).key(key);
    if let Some(value) = value {
        record = record.payload(value);
    }
    send(producer, record).await
}

/// Sends `record`, waiting while the producer's queue is full.
async fn send(
    producer: &ThreadedProducer<AckContext>,
    mut record: BaseRecord<'_, [u8], [u8], Box<Delivery>>,
) -> Result<(), RuntimeError> {
    loop {
        match producer.send(record) {
            Ok(()) => return Ok(()),
            Err((KafkaError::MessageProduction(RDKafkaErrorCode::QueueFull), returned)) => {
                record = returned;
                tokio::time::sleep(QUEUE_FULL_BACKOFF).await;
            }
            Err((err, returned)) => {
                return Err(RuntimeError::Kafka(format!(
                    "Failed to send record to topic {}: {err}",
                    returned.topic
                )));
            }
        }
    }
}

/// What the dead letter queue gets for a source record that failed (kconnect goes beyond Apache
/// here): its key and value as text, since it never had bytes; partition and offset -1.
fn failed_source_record(record: &SourceRecord) -> FailedRecord {
    let text = |value: &kconnect_api::Value| {
        (!value.is_null()).then(|| kconnect_api::values::to_display_string(value).into_bytes())
    };
    FailedRecord {
        topic: record.topic.clone(),
        partition: record.kafka_partition.unwrap_or(-1),
        offset: -1,
        key: text(&record.key.value),
        value: text(&record.value.value),
        headers: Vec::new(),
    }
}
