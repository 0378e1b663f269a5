//! What the broker knows of transactions beyond tansu's storage: where each open transaction first
//! wrote in each partition, and the aborted transactions a `read_committed` fetch must skip.
//!
//! Tansu 0.6 writes the commit and abort markers but answers every fetch with an empty list of
//! aborted transactions, so a `read_committed` consumer would deliver aborted records. A Kafka
//! client skips a producer's records from the first offset of an aborted transaction to its abort
//! marker; this state gives it those spans.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

/// A topic and a partition of it.
pub(crate) type Partition = (String, i32);

/// A transaction that has written records and not ended yet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct OpenTxn {
    /// The producer writing it.
    pub producer_id: i64,
    /// The producer's epoch.
    pub producer_epoch: i16,
    /// The offset of its first record in each partition it wrote.
    pub first_offsets: BTreeMap<Partition, i64>,
}

/// An aborted transaction's records in one partition: from its first record to its abort marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct AbortedSpan {
    /// The producer that wrote the records.
    pub producer_id: i64,
    /// The offset of the transaction's first record in the partition.
    pub first_offset: i64,
    /// The offset of its abort marker.
    pub last_offset: i64,
}

/// Open and aborted transactions.
#[derive(Debug, Default)]
pub(crate) struct TxnState {
    open: HashMap<String, OpenTxn>,
    aborted: HashMap<Partition, Vec<AbortedSpan>>,
}

impl TxnState {
    /// Notes that transaction `txn` of a producer wrote to `partition` from `offset`; true when
    /// that lowered (or set) its first offset there. A write of another producer or epoch means the
    /// transaction known so far ended unseen: it is replaced.
    pub fn wrote(
        &mut self,
        txn: &str,
        producer_id: i64,
        producer_epoch: i16,
        partition: Partition,
        offset: i64,
    ) -> bool {
        let open = self.open.entry(txn.to_string()).or_insert_with(|| OpenTxn {
            producer_id,
            producer_epoch,
            first_offsets: BTreeMap::new(),
        });
        if (open.producer_id, open.producer_epoch) != (producer_id, producer_epoch) {
            *open = OpenTxn {
                producer_id,
                producer_epoch,
                first_offsets: BTreeMap::new(),
            };
        }
        match open.first_offsets.get_mut(&partition) {
            Some(first) if *first <= offset => false,
            Some(first) => {
                *first = offset;
                true
            }
            None => {
                open.first_offsets.insert(partition, offset);
                true
            }
        }
    }

    /// The open transaction `txn`, if it wrote anything.
    pub fn open(&self, txn: &str) -> Option<&OpenTxn> {
        self.open.get(txn)
    }

    /// Forgets the open transaction `txn` (it committed, or its aborted spans were recorded).
    pub fn ended(&mut self, txn: &str) {
        self.open.remove(txn);
    }

    /// Records an aborted transaction's span in `partition`.
    pub fn aborted(&mut self, partition: Partition, span: AbortedSpan) {
        let spans = self.aborted.entry(partition).or_default();
        if !spans.contains(&span) {
            spans.push(span);
            spans.sort_by_key(|s| s.first_offset);
        }
    }

    /// Whether any transaction is open.
    pub fn any_open(&self) -> bool {
        !self.open.is_empty()
    }

    /// The first offset of the earliest open transaction in `partition`: what a `read_committed`
    /// consumer may not read yet, from there on.
    pub fn first_open_offset(&self, partition: &Partition) -> Option<i64> {
        self.open
            .values()
            .filter_map(|open| open.first_offsets.get(partition))
            .min()
            .copied()
    }

    /// Whether any transaction was aborted.
    pub fn any_aborted(&self) -> bool {
        !self.aborted.is_empty()
    }

    /// The aborted transactions a `read_committed` fetch of `partition` from `fetch_offset` is told
    /// of: those whose abort marker is at or after it. One that ended before would make the
    /// client skip the same producer's later, committed records.
    pub fn aborted_from(&self, partition: &Partition, fetch_offset: i64) -> Vec<AbortedSpan> {
        self.aborted
            .get(partition)
            .map(|spans| {
                spans
                    .iter()
                    .filter(|s| s.last_offset >= fetch_offset)
                    .copied()
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Every open transaction, to write a journal afresh.
    pub fn open_transactions(&self) -> impl Iterator<Item = (&String, &OpenTxn)> {
        self.open.iter()
    }

    /// Every aborted span, to write a journal afresh.
    pub fn aborted_spans(&self) -> impl Iterator<Item = (&Partition, &AbortedSpan)> {
        self.aborted
            .iter()
            .flat_map(|(partition, spans)| spans.iter().map(move |span| (partition, span)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn partition(n: i32) -> Partition {
        ("orders".to_string(), n)
    }

    #[test]
    fn the_first_write_in_a_partition_is_where_the_transaction_starts() {
        let mut state = TxnState::default();
        assert!(state.wrote("t", 7, 0, partition(0), 10));
        assert!(!state.wrote("t", 7, 0, partition(0), 12));
        assert!(state.wrote("t", 7, 0, partition(1), 3));
        // A request that reached storage after a later one still lowers the start.
        assert!(state.wrote("t", 7, 0, partition(0), 9));
        let open = state.open("t").expect("open");
        assert_eq!(open.first_offsets[&partition(0)], 9);
        assert_eq!(open.first_offsets[&partition(1)], 3);
    }

    #[test]
    fn a_new_epoch_replaces_the_transaction_known_so_far() {
        let mut state = TxnState::default();
        state.wrote("t", 7, 0, partition(0), 10);
        state.wrote("t", 7, 1, partition(1), 20);
        let open = state.open("t").expect("open");
        assert_eq!(open.producer_epoch, 1);
        assert_eq!(open.first_offsets.keys().collect::<Vec<_>>(), vec![&partition(1)]);
        state.wrote("u", 8, 0, partition(1), 15);
        assert_eq!(state.first_open_offset(&partition(1)), Some(15));
        state.wrote("u", 8, 0, partition(1), 12);
        assert_eq!(state.first_open_offset(&partition(1)), Some(12));
        assert_eq!(state.first_open_offset(&partition(0)), None);
        state.ended("t");
        assert!(state.open("t").is_none());
        assert!(state.any_open());
    }

    #[test]
    fn a_fetch_is_told_only_of_aborts_whose_marker_it_has_not_passed() {
        let mut state = TxnState::default();
        assert!(!state.any_aborted());
        let early = AbortedSpan {
            producer_id: 7,
            first_offset: 0,
            last_offset: 5,
        };
        let late = AbortedSpan {
            producer_id: 7,
            first_offset: 10,
            last_offset: 15,
        };
        state.aborted(partition(0), late);
        state.aborted(partition(0), early);
        state.aborted(partition(0), early);
        assert!(state.any_aborted());
        assert_eq!(state.aborted_from(&partition(0), 0), vec![early, late]);
        assert_eq!(state.aborted_from(&partition(0), 5), vec![early, late]);
        assert_eq!(state.aborted_from(&partition(0), 6), vec![late]);
        assert_eq!(state.aborted_from(&partition(0), 16), vec![]);
        assert_eq!(state.aborted_from(&partition(1), 0), vec![]);
    }
}
