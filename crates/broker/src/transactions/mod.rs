//! Transactions on the embedded broker: tansu 0.6 stores them (producer ids and epochs, partitions
//! and offsets added, commit and abort markers, the last stable offset) but routes no EndTxn and
//! tells fetches of no aborted transaction. This module answers EndTxn and keeps what a
//! `read_committed` consumer needs to skip aborted records ([`state`]), on disk when the storage
//! is ([`journal`]); [`services`] puts it in front of tansu's Produce, Fetch, ListOffsets and
//! InitProducerId.

use std::io;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};

mod journal;
mod markers;
pub(crate) mod services;
mod state;

use journal::{Entry, Journal};
use state::{AbortedSpan, OpenTxn, Partition, TxnState};

/// The broker's transactions, shared by every connection.
#[derive(Debug, Clone, Default)]
pub(crate) struct Transactions {
    inner: Arc<Mutex<Inner>>,
}

#[derive(Debug, Default)]
struct Inner {
    state: TxnState,
    journal: Option<Journal>,
}

impl Inner {
    fn record(&mut self, entries: &[Entry]) {
        if let Some(journal) = &mut self.journal {
            journal.record(entries);
        }
    }
}

impl Transactions {
    /// Transactions kept in `path` across restarts (replayed from it now).
    pub fn journaled(path: &Path) -> io::Result<Self> {
        let (journal, state) = Journal::open(path)?;
        Ok(Self {
            inner: Arc::new(Mutex::new(Inner {
                state,
                journal: Some(journal),
            })),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Notes that transaction `txn` wrote to `partition` from `offset`.
    fn wrote(&self, txn: &str, producer_id: i64, producer_epoch: i16, partition: Partition, offset: i64) {
        let mut inner = self.lock();
        if inner
            .state
            .wrote(txn, producer_id, producer_epoch, partition.clone(), offset)
        {
            let (topic, partition) = partition;
            inner.record(&[Entry::Wrote {
                txn: txn.to_string(),
                producer_id,
                producer_epoch,
                topic,
                partition,
                offset,
            }]);
        }
    }

    /// The open transaction `txn`, if it wrote anything.
    fn open(&self, txn: &str) -> Option<OpenTxn> {
        self.lock().state.open(txn).cloned()
    }

    /// Forgets transaction `txn`, which committed.
    fn committed(&self, txn: &str) {
        let mut inner = self.lock();
        if inner.state.open(txn).is_some() {
            inner.state.ended(txn);
            inner.record(&[Entry::Ended { txn: txn.to_string() }]);
        }
    }

    /// Records transaction `txn` as aborted with these spans.
    fn aborted(&self, txn: &str, spans: Vec<(Partition, AbortedSpan)>) {
        let mut inner = self.lock();
        let mut entries = Vec::with_capacity(spans.len() + 1);
        for ((topic, partition), span) in spans {
            inner.state.aborted((topic.clone(), partition), span);
            entries.push(Entry::Aborted { topic, partition, span });
        }
        inner.state.ended(txn);
        entries.push(Entry::Ended { txn: txn.to_string() });
        inner.record(&entries);
    }

    /// Whether any transaction is open or was aborted (when none is, fetches need no change).
    fn any(&self) -> bool {
        let inner = self.lock();
        inner.state.any_open() || inner.state.any_aborted()
    }

    /// Where the first open transaction in `partition` starts: its last stable offset.
    fn first_open_offset(&self, partition: &Partition) -> Option<i64> {
        self.lock().state.first_open_offset(partition)
    }

    /// The aborted transactions a `read_committed` fetch of `partition` from `fetch_offset` is
    /// told of.
    fn aborted_from(&self, partition: &Partition, fetch_offset: i64) -> Vec<AbortedSpan> {
        self.lock().state.aborted_from(partition, fetch_offset)
    }
}
