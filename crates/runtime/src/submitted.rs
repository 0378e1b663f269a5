//! Source records sent to Kafka and not yet committed, per source partition in submission order.
//!
//! A source offset becomes committable only when the record carrying it and every record before it
//! in the same source partition were acknowledged, as Apache's `SubmittedRecords`.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use kconnect_api::{OffsetMap, RecordMetadata, SourceRecord};

/// Identifies a submitted record in the delivery callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    partition: usize,
    seq: u64,
}

struct Entry {
    record: SourceRecord,
    acked: Option<Option<RecordMetadata>>,
}

struct PartitionQueue {
    partition: Arc<OffsetMap>,
    front_seq: u64,
    entries: VecDeque<Entry>,
    committable: Option<OffsetMap>,
}

/// The in-flight records of one source task.
#[derive(Default)]
pub struct SubmittedRecords {
    partitions: Vec<PartitionQueue>,
    index: HashMap<Vec<u8>, usize>,
    last: Option<(Arc<OffsetMap>, usize)>,
    in_flight: usize,
    /// Records acknowledged and not yet drained: the size of the next `drain_acked`, at most.
    undrained: usize,
}

impl SubmittedRecords {
    /// No records.
    pub fn new() -> Self {
        Self::default()
    }

    fn partition_index(&mut self, partition: &Arc<OffsetMap>) -> usize {
        if let Some((last, index)) = &self.last
            && (Arc::ptr_eq(last, partition) || last == partition)
        {
            return *index;
        }
        let key = serde_json::to_vec(partition.as_ref()).expect("offset maps serialise");
        let next = self.partitions.len();
        let index = *self.index.entry(key).or_insert(next);
        if index == next {
            self.partitions.push(PartitionQueue {
                partition: partition.clone(),
                front_seq: 0,
                entries: VecDeque::new(),
                committable: None,
            });
        }
        self.last = Some((partition.clone(), index));
        index
    }

    /// Adds a record about to be sent; the ticket identifies it when Kafka answers.
    pub fn submit(&mut self, record: SourceRecord) -> Ticket {
        let partition = self.partition_index(&record.source_partition);
        let queue = &mut self.partitions[partition];
        let seq = queue.front_seq + queue.entries.len() as u64;
        queue.entries.push_back(Entry { record, acked: None });
        self.in_flight += 1;
        Ticket { partition, seq }
    }

    /// Marks a record acknowledged (`None` metadata for a record that was dropped, not sent).
    pub fn ack(&mut self, ticket: Ticket, metadata: Option<RecordMetadata>) {
        let Some(queue) = self.partitions.get_mut(ticket.partition) else {
            return;
        };
        let Some(position) = ticket.seq.checked_sub(queue.front_seq) else {
            return;
        };
        if let Some(entry) = queue.entries.get_mut(position as usize)
            && entry.acked.is_none()
        {
            entry.acked = Some(metadata);
            self.in_flight -= 1;
            self.undrained += 1;
        }
    }

    /// Removes the acknowledged records at the head of each partition, making their offsets
    /// committable, and returns them in order for `SourceTask::commit_record`.
    pub fn drain_acked(&mut self) -> Vec<(SourceRecord, Option<RecordMetadata>)> {
        let mut done = Vec::with_capacity(self.undrained);
        for queue in &mut self.partitions {
            let before = done.len();
            while queue.entries.front().is_some_and(|e| e.acked.is_some()) {
                let entry = queue.entries.pop_front().expect("front checked");
                queue.front_seq += 1;
                done.push((entry.record, entry.acked.flatten()));
            }
            if let Some((last, _)) = done[before..].last() {
                queue.committable = Some(last.source_offset.clone());
            }
        }
        self.undrained -= done.len();
        done
    }

    /// Takes the offsets that became committable since the last call: (partition, offset).
    pub fn take_committable(&mut self) -> Vec<(Arc<OffsetMap>, OffsetMap)> {
        self.partitions
            .iter_mut()
            .filter_map(|q| q.committable.take().map(|offset| (q.partition.clone(), offset)))
            .collect()
    }

    /// Records sent and not yet acknowledged.
    pub fn in_flight(&self) -> usize {
        self.in_flight
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{RecordCore, SchemaAndValue};

    use super::*;

    fn record(file: &str, position: u64) -> SourceRecord {
        let mut partition = OffsetMap::new();
        partition.insert("filename".into(), file.into());
        let mut offset = OffsetMap::new();
        offset.insert("position".into(), position.into());
        SourceRecord::new(partition, offset, RecordCore::new("t", SchemaAndValue::NULL))
    }

    fn position(offsets: &[(Arc<OffsetMap>, OffsetMap)], file: &str) -> Option<u64> {
        offsets
            .iter()
            .find(|(p, _)| p["filename"] == file)
            .map(|(_, o)| o["position"].as_u64().unwrap())
    }

    #[test]
    fn commits_only_the_acknowledged_prefix_per_partition() {
        let mut submitted = SubmittedRecords::new();
        let a1 = submitted.submit(record("a", 10));
        let a2 = submitted.submit(record("a", 20));
        let b1 = submitted.submit(record("b", 5));
        let a3 = submitted.submit(record("a", 30));
        submitted.ack(a2, None);
        submitted.ack(b1, None);
        assert_eq!(submitted.drain_acked().len(), 1);
        let offsets = submitted.take_committable();
        assert_eq!(position(&offsets, "a"), None, "a1 is not acknowledged yet");
        assert_eq!(position(&offsets, "b"), Some(5));
        submitted.ack(a1, None);
        assert_eq!(submitted.drain_acked().len(), 2);
        assert_eq!(position(&submitted.take_committable(), "a"), Some(20));
        assert_eq!(submitted.in_flight(), 1);
        submitted.ack(a3, None);
        submitted.ack(a3, None);
        submitted.drain_acked();
        assert_eq!(position(&submitted.take_committable(), "a"), Some(30));
        assert_eq!(submitted.in_flight(), 0);
        assert!(submitted.take_committable().is_empty());
    }
}
