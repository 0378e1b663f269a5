//! Source records sent to Kafka and not yet committed, per source partition in submission order.
//!
//! A source offset becomes committable only when the record carrying it and every record before it
//! in the same source partition were acknowledged, as Apache's `SubmittedRecords`. A partition with
//! nothing in flight and nothing to commit is forgotten, so a task that moves through many source
//! partitions holds only the ones it is working on.

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;

use kconnect_api::{Headers, OffsetMap, RecordMetadata, SchemaAndValue, SourceRecord};

/// `record` with its key, value and headers released: what a sent record is kept as until Kafka
/// acknowledges it (its topic, partition, timestamp and source offset).
pub fn without_body(mut record: SourceRecord) -> SourceRecord {
    record.core.key = SchemaAndValue::NULL;
    record.core.value = SchemaAndValue::NULL;
    record.core.headers = Headers::new();
    record
}

/// Identifies a submitted record in the delivery callback.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ticket {
    partition: u64,
    seq: u64,
}

struct Entry {
    record: SourceRecord,
    acked: Option<Option<RecordMetadata>>,
}

struct PartitionQueue {
    partition: Arc<OffsetMap>,
    /// The partition's key in the index.
    key: Vec<u8>,
    front_seq: u64,
    entries: VecDeque<Entry>,
    committable: Option<Arc<OffsetMap>>,
}

/// The in-flight records of one source task.
#[derive(Default)]
pub struct SubmittedRecords {
    /// By id, in the order the partitions were first seen.
    partitions: BTreeMap<u64, PartitionQueue>,
    index: HashMap<Vec<u8>, u64>,
    next_id: u64,
    last: Option<(Arc<OffsetMap>, u64)>,
    in_flight: usize,
    /// Records acknowledged and not yet drained: the size of the next `drain_acked`, at most.
    undrained: usize,
}

impl SubmittedRecords {
    /// No records.
    pub fn new() -> Self {
        Self::default()
    }

    fn partition_index(&mut self, partition: &Arc<OffsetMap>) -> u64 {
        if let Some((last, index)) = &self.last
            && (Arc::ptr_eq(last, partition) || last == partition)
        {
            return *index;
        }
        let key = serde_json::to_vec(partition.as_ref()).expect("offset maps serialise");
        let index = match self.index.get(&key) {
            Some(index) => *index,
            None => {
                let index = self.next_id;
                self.next_id += 1;
                self.index.insert(key.clone(), index);
                self.partitions.insert(
                    index,
                    PartitionQueue {
                        partition: partition.clone(),
                        key,
                        front_seq: 0,
                        entries: VecDeque::new(),
                        committable: None,
                    },
                );
                index
            }
        };
        self.last = Some((partition.clone(), index));
        index
    }

    fn queue(&mut self, index: u64) -> &mut PartitionQueue {
        self.partitions.get_mut(&index).expect("a partition in use is kept")
    }

    /// Adds a record about to be sent; the ticket identifies it when Kafka answers.
    pub fn submit(&mut self, record: SourceRecord) -> Ticket {
        let partition = self.partition_index(&record.source_partition);
        let queue = self.queue(partition);
        let seq = queue.front_seq + queue.entries.len() as u64;
        queue.entries.push_back(Entry { record, acked: None });
        self.in_flight += 1;
        Ticket { partition, seq }
    }

    /// Marks a record acknowledged (`None` metadata for a record that was dropped, not sent).
    pub fn ack(&mut self, ticket: Ticket, metadata: Option<RecordMetadata>) {
        let Some(queue) = self.partitions.get_mut(&ticket.partition) else {
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
        for queue in self.partitions.values_mut() {
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
    /// Partitions left with nothing in flight are forgotten.
    pub fn take_committable(&mut self) -> Vec<(Arc<OffsetMap>, OffsetMap)> {
        let taken = self
            .partitions
            .values_mut()
            .filter_map(|q| {
                q.committable
                    .take()
                    .map(|offset| (q.partition.clone(), Arc::unwrap_or_clone(offset)))
            })
            .collect();
        let idle: Vec<u64> = self
            .partitions
            .iter()
            .filter(|(_, q)| q.entries.is_empty())
            .map(|(index, _)| *index)
            .collect();
        for index in idle {
            if let Some(queue) = self.partitions.remove(&index) {
                self.index.remove(&queue.key);
            }
            if self.last.as_ref().is_some_and(|(_, last)| *last == index) {
                self.last = None;
            }
        }
        taken
    }

    /// Gives back offsets that `take_committable` returned but could not be written, so the next
    /// commit writes them; a partition that has a newer committable offset keeps the newer one.
    pub fn restore_committable(&mut self, offsets: Vec<(Arc<OffsetMap>, OffsetMap)>) {
        for (partition, offset) in offsets {
            let index = self.partition_index(&partition);
            self.queue(index).committable.get_or_insert(Arc::new(offset));
        }
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

    #[test]
    fn offsets_that_could_not_be_written_come_back_unless_newer_ones_exist() {
        let mut submitted = SubmittedRecords::new();
        let a1 = submitted.submit(record("a", 10));
        let b1 = submitted.submit(record("b", 5));
        submitted.ack(a1, None);
        submitted.ack(b1, None);
        submitted.drain_acked();
        let failed = submitted.take_committable();
        let a2 = submitted.submit(record("a", 20));
        submitted.ack(a2, None);
        submitted.drain_acked();
        submitted.restore_committable(failed);
        let offsets = submitted.take_committable();
        assert_eq!(position(&offsets, "a"), Some(20), "the newer offset wins");
        assert_eq!(
            position(&offsets, "b"),
            Some(5),
            "the failed offset is written next time"
        );
    }

    #[test]
    fn partitions_with_nothing_in_flight_are_forgotten_once_committed() {
        let mut submitted = SubmittedRecords::new();
        for file in 0..100 {
            let ticket = submitted.submit(record(&format!("f{file}"), 1));
            submitted.ack(ticket, None);
        }
        let busy = submitted.submit(record("busy", 1));
        submitted.drain_acked();
        assert_eq!(submitted.take_committable().len(), 100);
        assert_eq!(
            submitted.partitions.len(),
            1,
            "only the partition with a record in flight"
        );
        submitted.ack(busy, None);
        submitted.drain_acked();
        assert_eq!(position(&submitted.take_committable(), "busy"), Some(1));
        assert!(submitted.partitions.is_empty() && submitted.index.is_empty());
        let again = submitted.submit(record("f0", 2));
        submitted.ack(again, None);
        submitted.drain_acked();
        assert_eq!(position(&submitted.take_committable(), "f0"), Some(2));
    }
}
