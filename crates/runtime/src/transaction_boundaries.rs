//! Connector-defined transaction boundaries (`transaction.boundary=connector`, KIP-618): what a
//! source task asks of its [`TransactionContext`] is recorded here, and the task loop takes the
//! requests after each poll and ends transactions where they say, as Apache's
//! `WorkerTransactionContext`.

use std::collections::BTreeSet;
use std::sync::{Mutex, MutexGuard};

use kconnect_api::{SourceRecord, TransactionContext};

/// How a transaction the task asked to end ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TransactionEnd {
    /// Committed with the offsets of its records.
    Commit,
    /// Aborted: its records dropped, their offsets still committed.
    Abort,
}

/// The requests a task made for one batch.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct BoundaryRequests {
    commit_batch: bool,
    abort_batch: bool,
    commit_at: BTreeSet<usize>,
    abort_at: BTreeSet<usize>,
}

impl BoundaryRequests {
    /// How the transaction ends after `record`, at `index` of its batch, if the task asked; an
    /// error, with Apache's message, when it asked both.
    pub fn after_record(&self, index: usize, record: &SourceRecord) -> Result<Option<TransactionEnd>, String> {
        let end = Self::end(self.commit_at.contains(&index), self.abort_at.contains(&index));
        end.ok_or_else(|| {
            let partition = record.kafka_partition.map_or("null".to_string(), |p| p.to_string());
            format!(
                "Connector requested both commit and abort of same record against topic/partition {}/{partition}",
                record.topic
            )
        })
    }

    /// How the transaction ends after the batch, if the task asked; an error when it asked both.
    pub fn after_batch(&self) -> Result<Option<TransactionEnd>, String> {
        Self::end(self.commit_batch, self.abort_batch)
            .ok_or_else(|| "Connector requested both commit and abort of same transaction".to_string())
    }

    fn end(commit: bool, abort: bool) -> Option<Option<TransactionEnd>> {
        match (commit, abort) {
            (true, true) => None,
            (true, false) => Some(Some(TransactionEnd::Commit)),
            (false, true) => Some(Some(TransactionEnd::Abort)),
            (false, false) => Some(None),
        }
    }
}

/// The transaction context of one source task.
#[derive(Debug, Default)]
pub struct WorkerTransactionContext {
    requests: Mutex<BoundaryRequests>,
}

impl WorkerTransactionContext {
    fn requests(&self) -> MutexGuard<'_, BoundaryRequests> {
        self.requests.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Takes the requests made for the batch just polled.
    pub(crate) fn take(&self) -> BoundaryRequests {
        std::mem::take(&mut self.requests())
    }
}

impl TransactionContext for WorkerTransactionContext {
    fn commit_transaction(&self) {
        self.requests().commit_batch = true;
    }

    fn commit_transaction_at(&self, index: usize) {
        self.requests().commit_at.insert(index);
    }

    fn abort_transaction(&self) {
        self.requests().abort_batch = true;
    }

    fn abort_transaction_at(&self, index: usize) {
        self.requests().abort_at.insert(index);
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{OffsetMap, RecordCore, SchemaAndValue};

    use super::*;

    fn record() -> SourceRecord {
        SourceRecord::new(
            OffsetMap::new(),
            OffsetMap::new(),
            RecordCore::new("orders", SchemaAndValue::NULL),
        )
    }

    #[test]
    fn requests_apply_to_the_batch_they_were_taken_with() {
        let context = WorkerTransactionContext::default();
        context.commit_transaction_at(2);
        context.abort_transaction_at(4);
        let requests = context.take();
        assert_eq!(requests.after_record(0, &record()), Ok(None));
        assert_eq!(requests.after_record(2, &record()), Ok(Some(TransactionEnd::Commit)));
        assert_eq!(requests.after_record(4, &record()), Ok(Some(TransactionEnd::Abort)));
        assert_eq!(requests.after_batch(), Ok(None));
        assert_eq!(context.take(), BoundaryRequests::default(), "taken once");
        context.abort_transaction();
        assert_eq!(context.take().after_batch(), Ok(Some(TransactionEnd::Abort)));
    }

    #[test]
    fn asking_both_to_commit_and_to_abort_is_an_error() {
        let context = WorkerTransactionContext::default();
        context.commit_transaction_at(1);
        context.abort_transaction_at(1);
        context.commit_transaction();
        context.abort_transaction();
        let requests = context.take();
        let record = requests.after_record(1, &record()).unwrap_err();
        assert!(
            record.ends_with("same record against topic/partition orders/null"),
            "{record}"
        );
        assert_eq!(
            requests.after_batch().unwrap_err(),
            "Connector requested both commit and abort of same transaction"
        );
    }
}
