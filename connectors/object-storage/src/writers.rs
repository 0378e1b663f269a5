//! A task's partition writers, and what moves their bytes to the store: finished objects uploaded
//! in the background while records keep coming (bounded by the memory budget), parts shipped early
//! when an object outgrows a part or the task its budget, and a partition whose upload failed
//! started again from its committable offset.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use futures::future::join_all;
use kconnect_api::{ConnectError, Result, SinkRecord, TopicPartition};
use object_store::ObjectStore;
use tokio::task::JoinSet;

use crate::config::MIN_PART_SIZE;
use crate::open_object::OpenObject;
use crate::partition_writer::PartitionWriter;
use crate::sink_settings::SinkSettings;
use crate::store::Written;

/// An upload that ended.
struct Uploaded {
    partition: TopicPartition,
    generation: u64,
    seq: u64,
    bytes: usize,
    result: Result<()>,
}

/// Finishes a rotation's objects together.
async fn finish_all(objects: Vec<OpenObject>, store: Arc<dyn ObjectStore>, partition: &TopicPartition) -> Result<()> {
    let finished = join_all(objects.into_iter().map(|object| object.finish(store.clone()))).await;
    for result in finished {
        if result? == Written::AlreadyThere {
            tracing::info!(partition = ?partition, "an object of this batch was already written by an earlier run; kept as it was");
        }
    }
    Ok(())
}

/// Every partition writer of a task, and the uploads running in the background.
pub(crate) struct Writers {
    settings: SinkSettings,
    store: Arc<dyn ObjectStore>,
    writers: BTreeMap<TopicPartition, PartitionWriter>,
    /// Uploads running on their own tasks, so that they go on between calls (aborted when the
    /// writers are dropped).
    in_flight: JoinSet<Uploaded>,
    in_flight_bytes: usize,
    /// The last generation handed to a writer: each new writer and each abandon takes the next,
    /// so that an upload of a writer abandoned or revoked since never counts for another.
    generation: u64,
}

/// A partition whose upload failed: to be read again from `from`.
pub(crate) struct Failed {
    /// The partition.
    pub partition: TopicPartition,
    /// The offset to read again from.
    pub from: i64,
    /// What failed.
    pub error: ConnectError,
}

/// The partition a record was consumed from, whose offsets the runtime commits (transformations
/// may have renamed its topic since).
fn consumed_from(record: &SinkRecord) -> TopicPartition {
    TopicPartition::new(&record.original_topic, record.original_kafka_partition)
}

/// Aborts the multipart uploads of given-up objects without waiting for the store.
fn abandon_in_background(objects: Vec<OpenObject>) {
    for object in objects {
        tokio::spawn(object.abandon());
    }
}

/// The next of a counter.
fn next(counter: &mut u64) -> u64 {
    *counter += 1;
    *counter
}

/// The writer of the partition `record` was consumed from, made (in a new generation) at its
/// first record.
fn writer_of<'a>(
    writers: &'a mut BTreeMap<TopicPartition, PartitionWriter>,
    generation: &mut u64,
    record: &SinkRecord,
) -> &'a mut PartitionWriter {
    writers.entry(consumed_from(record)).or_insert_with_key(|partition| {
        PartitionWriter::new(partition.clone(), record.original_kafka_offset, next(generation))
    })
}

impl Writers {
    /// Writers for `settings`, uploading to `store`.
    pub fn new(settings: SinkSettings, store: Arc<dyn ObjectStore>) -> Self {
        Self {
            settings,
            store,
            writers: BTreeMap::new(),
            in_flight: JoinSet::new(),
            in_flight_bytes: 0,
            generation: 0,
        }
    }

    /// Writes one record into its partition's objects.
    pub fn write(&mut self, record: &SinkRecord, now_ms: i64) -> Result<()> {
        writer_of(&mut self.writers, &mut self.generation, record).write(record, &self.settings, now_ms)
    }

    /// A record that wrote nothing (reported as errant).
    pub fn skip(&mut self, record: &SinkRecord) {
        writer_of(&mut self.writers, &mut self.generation, record).skip(record.original_kafka_offset);
    }

    /// Rotates what the wall clock says is due.
    pub fn tick(&mut self, now_ms: i64) {
        for writer in self.writers.values_mut() {
            writer.tick(&self.settings, now_ms);
        }
    }

    /// The bytes held by every open object.
    pub fn buffered(&self) -> usize {
        self.writers
            .values()
            .flat_map(PartitionWriter::objects)
            .map(|object| object.buffered())
            .sum()
    }

    /// The offsets safe to commit.
    pub fn committable(&self) -> impl Iterator<Item = (&TopicPartition, i64)> {
        self.writers
            .iter()
            .map(|(partition, writer)| (partition, writer.committable()))
    }

    /// Hands every rotated object to the uploads running in the background, takes the results
    /// of those that ended, and waits for some while the bytes in flight and in open objects
    /// pass the budget; then ships parts where an object holds a part's worth or the open
    /// objects together hold more than the budget. A partition whose upload failed is abandoned
    /// and returned, to be read again from its committable offset.
    pub async fn upload(&mut self) -> Vec<Failed> {
        for (partition, writer) in &mut self.writers {
            let generation = writer.generation();
            for rotated in writer.take_rotated() {
                let bytes: usize = rotated.objects.iter().map(OpenObject::buffered).sum();
                let (store, partition, seq) = (self.store.clone(), partition.clone(), rotated.seq);
                self.in_flight_bytes += bytes;
                self.in_flight.spawn(async move {
                    let result = finish_all(rotated.objects, store, &partition).await;
                    Uploaded {
                        partition,
                        generation,
                        seq,
                        bytes,
                        result,
                    }
                });
            }
        }
        let mut failed = Vec::new();
        while let Some(done) = self.in_flight.try_join_next() {
            failed.extend(self.take(done));
        }
        while self.in_flight_bytes + self.buffered() > self.settings.memory_max_bytes {
            let Some(done) = self.in_flight.join_next().await else {
                break;
            };
            failed.extend(self.take(done));
        }
        failed.extend(self.ship_parts().await);
        failed
    }

    /// Takes an ended upload's result: its rotation counts as uploaded, or its partition is
    /// abandoned. A stale one (its partition abandoned or revoked since) changes nothing.
    fn take(&mut self, done: std::result::Result<Uploaded, tokio::task::JoinError>) -> Option<Failed> {
        let done = match done {
            Ok(done) => done,
            Err(panicked) => panic!("an upload task failed: {panicked}"),
        };
        self.in_flight_bytes -= done.bytes;
        let writer = self.writers.get_mut(&done.partition)?;
        if writer.generation() != done.generation {
            return None;
        }
        match done.result {
            Ok(()) => {
                writer.uploaded(done.seq);
                None
            }
            Err(error) => Some(self.abandon_one(done.partition, error)),
        }
    }

    fn abandon_one(&mut self, partition: TopicPartition, error: ConnectError) -> Failed {
        let generation = next(&mut self.generation);
        let writer = self.writers.get_mut(&partition).expect("a writer of the task");
        let from = writer.committable();
        abandon_in_background(writer.abandon(generation));
        Failed { partition, from, error }
    }

    /// Ships a part of each object that holds a part's worth, then of the largest objects while
    /// the open objects together hold more than the budget (a part is at least 5 MiB); the parts
    /// of different objects go up together.
    async fn ship_parts(&mut self) -> Vec<Failed> {
        let part_size = self.settings.part_size;
        let budget = self.settings.memory_max_bytes;
        let mut total = self.buffered();
        let mut sizes: Vec<(usize, TopicPartition, usize)> = self
            .writers
            .iter()
            .flat_map(|(partition, writer)| {
                writer
                    .objects()
                    .enumerate()
                    .map(move |(index, object)| (object.buffered(), partition.clone(), index))
            })
            .filter(|(size, _, _)| *size as i64 >= MIN_PART_SIZE)
            .collect();
        sizes.sort_by_key(|(size, _, _)| std::cmp::Reverse(*size));
        let mut chosen: BTreeSet<(TopicPartition, usize)> = BTreeSet::new();
        for (size, partition, index) in sizes {
            if size >= part_size || total > budget {
                total -= size;
                chosen.insert((partition, index));
            }
        }
        if chosen.is_empty() {
            return Vec::new();
        }
        let store = self.store.as_ref();
        let shipping = self.writers.iter_mut().flat_map(|(partition, writer)| {
            let chosen = &chosen;
            writer
                .objects_mut()
                .enumerate()
                .filter(move |(index, _)| chosen.contains(&(partition.clone(), *index)))
                .map(move |(_, object)| async move { (partition.clone(), object.ship_part(store).await) })
        });
        let shipped = join_all(shipping).await;
        let mut failed: Vec<Failed> = Vec::new();
        for (partition, result) in shipped {
            if let Err(error) = result
                && !failed.iter().any(|f| f.partition == partition)
            {
                failed.push(self.abandon_one(partition, error));
            }
        }
        failed
    }

    /// Gives up the objects of `partitions` (revoked: their next owner reads them again).
    pub fn close(&mut self, partitions: &[TopicPartition]) {
        for partition in partitions {
            if let Some(mut writer) = self.writers.remove(partition) {
                // Removed: its generation no longer matters, its uploads find no writer.
                abandon_in_background(writer.abandon(0));
            }
        }
    }
}
