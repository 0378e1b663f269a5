//! What a CDC task shares: its capture runs in the background and hands records over through a
//! bounded channel; each poll takes what is there, up to `max.batch.size`. A capture that fails on
//! something passing (a server restart, a dropped connection) starts again after a back-off,
//! resuming after the last record polled. The capture also marks where a task started again from
//! the last record's offset misses and repeats nothing (a database transaction's end, a snapshot
//! chunk's): with `transaction.boundary=connector` the task's Kafka transactions end there.

use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord, SourceTaskContext, TransactionContext};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// The shortest and longest wait before a failed capture starts again.
const RETRY_BACKOFF: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(30));

/// What goes from a capture to its task.
#[allow(
    clippy::large_enum_variant,
    reason = "nearly every item is a record: boxing them would cost an allocation each"
)]
enum Handed {
    /// A record.
    Record(SourceRecord),
    /// The record before ends a transaction: its offset covers it and everything before.
    TransactionEnd,
}

/// Where a capture sends its records, in order; an error ends the capture.
#[derive(Clone)]
pub struct Outbox {
    sender: mpsc::Sender<Result<Handed>>,
    /// Entries every record's offset gets, unless it has them already.
    stamp: Arc<Mutex<OffsetMap>>,
    /// Whether records were sent since the last transaction end.
    unended: Arc<AtomicBool>,
}

impl Outbox {
    fn new(sender: mpsc::Sender<Result<Handed>>) -> Self {
        Self {
            sender,
            stamp: Arc::default(),
            unended: Arc::default(),
        }
    }

    /// Hands `batch` to the task, in order; an error once the task stopped.
    pub async fn send(&self, mut batch: Vec<SourceRecord>) -> Result<()> {
        let stamp = self.stamp.lock().map(|stamp| stamp.clone()).unwrap_or_default();
        if !stamp.is_empty() {
            // Records that share an offset share its stamped copy.
            let mut stamped: Option<(Arc<OffsetMap>, Arc<OffsetMap>)> = None;
            for record in &mut batch {
                if let Some((unstamped, copy)) = &stamped
                    && Arc::ptr_eq(unstamped, &record.source_offset)
                {
                    record.source_offset = copy.clone();
                    continue;
                }
                let unstamped = record.source_offset.clone();
                let offset = record.source_offset_mut();
                for (key, value) in &stamp {
                    if !offset.contains_key(key) {
                        offset.insert(key.clone(), value.clone());
                    }
                }
                stamped = Some((unstamped, record.source_offset.clone()));
            }
        }
        for record in batch {
            self.hand(Handed::Record(record)).await?;
            self.unended.store(true, Ordering::Relaxed);
        }
        Ok(())
    }

    /// Marks the last record sent as the end of a transaction: started again from its offset,
    /// the capture repeats and misses nothing. Nothing when no record was sent since the last end.
    pub async fn end_transaction(&self) -> Result<()> {
        if self.unended.swap(false, Ordering::Relaxed) {
            self.hand(Handed::TransactionEnd).await?;
        }
        Ok(())
    }

    async fn hand(&self, handed: Handed) -> Result<()> {
        self.sender
            .send(Ok(handed))
            .await
            .map_err(|_| ConnectError::Fatal("the task stopped".into()))
    }

    /// Has every record sent from now on carry `entries` in its offset, unless it has them
    /// already: what a capture tracks beside its place in the log (an incremental snapshot's
    /// progress), which a restart must find in whichever offset was committed last.
    pub fn stamp_offsets(&self, entries: OffsetMap) {
        if let Ok(mut stamp) = self.stamp.lock() {
            *stamp = entries;
        }
    }

    /// Tells the task the capture failed.
    async fn fail(&self, error: ConnectError) {
        let _ = self.sender.send(Err(error)).await;
    }
}

/// A task's running capture, what it handed over, and where the task's committed offset stands.
#[derive(Default)]
pub struct Pump {
    context: Option<Arc<dyn SourceTaskContext>>,
    /// Where transactions end, when the task defines its transactions.
    transactions: Option<Arc<dyn TransactionContext>>,
    partition: OffsetMap,
    records: Option<mpsc::Receiver<Result<Handed>>>,
    capture: Option<JoinHandle<()>>,
    /// The offset of the last record polled: where a capture started again resumes.
    last_polled: Option<Arc<OffsetMap>>,
    /// When the next capture may start, and the wait after it, after a failure.
    retry: Option<(Instant, Duration)>,
}

impl Pump {
    /// Reads the committed offsets of server `server` (`{"server": <topic.prefix>}`) through
    /// `context`.
    pub fn attach(&mut self, context: Arc<dyn SourceTaskContext>, server: &str) {
        self.partition = crate::partition(server);
        self.transactions = context.transaction_context();
        self.context = Some(context);
    }

    /// The offset the task last committed, if any.
    pub fn committed(&self) -> Option<OffsetMap> {
        self.context.as_ref()?.offset_storage_reader().offset(&self.partition)
    }

    /// Where a capture starts: after the last record polled, else after the committed offset.
    pub fn resume_point(&self) -> Option<OffsetMap> {
        let resume = self.last_polled.as_deref().cloned().or_else(|| self.committed());
        if let Some(offset) = &resume {
            tracing::info!(?offset, "resuming after this offset");
        }
        resume
    }

    /// Starts `capture` with an outbox of `queue` records; its error goes to the task.
    pub fn start<F, C>(&mut self, queue: usize, capture: C)
    where
        C: FnOnce(Outbox) -> F,
        F: Future<Output = Result<()>> + Send + 'static,
    {
        let (sender, receiver) = mpsc::channel(queue.max(1));
        let outbox = Outbox::new(sender);
        let run = capture(outbox.clone());
        self.capture = Some(tokio::spawn(async move {
            if let Err(error) = run.await {
                outbox.fail(error).await;
            }
        }));
        self.records = Some(receiver);
    }

    /// Whether a capture has to start again (it failed or ended), once the back-off after the
    /// failure is waited out.
    pub async fn due_for_restart(&self) -> bool {
        if self.records.is_some() {
            return false;
        }
        if let Some((at, _)) = self.retry {
            tokio::time::sleep_until(at).await;
        }
        true
    }

    /// Ends the capture after `error` and schedules the next, or fails the task on a fatal one.
    fn failed(&mut self, error: ConnectError) -> Result<()> {
        if !error.is_retriable() {
            return Err(error);
        }
        if let Some(capture) = self.capture.take() {
            capture.abort();
        }
        self.records = None;
        let wait = self
            .retry
            .map_or(RETRY_BACKOFF.0, |(_, wait)| (wait * 2).min(RETRY_BACKOFF.1));
        tracing::warn!(%error, ?wait, "the capture failed; starting it again");
        self.retry = Some((Instant::now() + wait, wait));
        Ok(())
    }

    /// Up to `max_batch` records, waiting at most `wait` for the first; nothing when no capture
    /// runs. When the task defines its transactions, each transaction end is asked of its
    /// transaction context: after a record of the batch, or, when the end comes first, after this
    /// empty batch (the last batch's last record ends it).
    pub async fn poll(&mut self, wait: Duration, max_batch: usize) -> Result<Vec<SourceRecord>> {
        let Some(records) = self.records.as_mut() else {
            return Ok(Vec::new());
        };
        let deadline = Instant::now() + wait;
        let mut batch = Vec::new();
        let mut failed = None;
        while batch.len() < max_batch {
            let handed = if batch.is_empty() {
                match tokio::time::timeout_at(deadline, records.recv()).await {
                    Err(_) => break,
                    Ok(None) => {
                        failed = Some(ConnectError::Retriable("the capture ended".into()));
                        break;
                    }
                    Ok(Some(handed)) => handed,
                }
            } else {
                match records.try_recv() {
                    Ok(handed) => handed,
                    Err(_) => break,
                }
            };
            match handed {
                Ok(Handed::Record(record)) => batch.push(record),
                Ok(Handed::TransactionEnd) => match (&self.transactions, batch.len()) {
                    (None, _) => {}
                    (Some(context), 0) => {
                        context.commit_transaction();
                        break;
                    }
                    (Some(context), polled) => context.commit_transaction_at(polled - 1),
                },
                Err(error) => {
                    failed = Some(error);
                    break;
                }
            }
        }
        if let Some(last) = batch.last() {
            self.retry = None;
            self.last_polled = Some(last.source_offset.clone());
        }
        if let Some(error) = failed {
            self.failed(error)?;
        }
        Ok(batch)
    }

    /// Stops the capture and waits for it to end.
    pub async fn stop(&mut self) {
        self.records = None;
        if let Some(capture) = self.capture.take() {
            capture.abort();
            let _ = capture.await;
        }
    }
}
