//! A task's partition writers, and what moves their bytes to the store: finished objects uploaded
//! together, parts shipped early when an object outgrows a part or the task its memory budget, and
//! a partition whose upload failed started again from its committable offset.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::future::join_all;
use kconnect_api::{ConnectError, Result, SinkRecord, TopicPartition};
use object_store::ObjectStore;

use crate::config::MIN_PART_SIZE;
use crate::partition_writer::{Outcome, PartitionWriter};
use crate::sink_settings::SinkSettings;
use crate::store::Written;

/// Every partition writer of a task.
pub(crate) struct Writers {
    settings: SinkSettings,
    store: Arc<dyn ObjectStore>,
    writers: BTreeMap<TopicPartition, PartitionWriter>,
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

impl Writers {
    /// Writers for `settings`, uploading to `store`.
    pub fn new(settings: SinkSettings, store: Arc<dyn ObjectStore>) -> Self {
        Self {
            settings,
            store,
            writers: BTreeMap::new(),
        }
    }

    /// Writes one record into its partition's objects.
    pub fn write(&mut self, record: &SinkRecord, now_ms: i64) -> Result<Outcome> {
        let partition = TopicPartition::new(&record.core.topic, record.core.kafka_partition.unwrap_or_default());
        self.writers
            .entry(partition.clone())
            .or_insert_with(|| PartitionWriter::new(partition, record.kafka_offset))
            .write(record, &self.settings, now_ms)
    }

    /// A record that wrote nothing (reported as errant).
    pub fn skip(&mut self, record: &SinkRecord) {
        let partition = TopicPartition::new(&record.core.topic, record.core.kafka_partition.unwrap_or_default());
        self.writers
            .entry(partition.clone())
            .or_insert_with(|| PartitionWriter::new(partition, record.kafka_offset))
            .skip(record.kafka_offset);
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

    /// Uploads every rotated object, and ships parts where an object holds a part's worth or the
    /// open objects together hold more than the budget. Partitions whose uploads all succeeded
    /// advance their committable offsets; the others are abandoned and returned, to be read again.
    pub async fn upload(&mut self) -> Vec<Failed> {
        let store = self.store.as_ref();
        let uploads = self.writers.iter_mut().map(|(partition, writer)| async move {
            for rotated in writer.take_rotated() {
                let finished = join_all(rotated.objects.into_iter().map(|object| object.finish(store))).await;
                for result in finished {
                    match result {
                        Ok(Written::Created) => {}
                        Ok(Written::AlreadyThere) => {
                            tracing::info!(partition = ?partition, "an object of this batch was already written by an earlier run; kept as it was");
                        }
                        Err(error) => return Err(error),
                    }
                }
                writer.uploaded(rotated.commit);
            }
            Ok(())
        });
        let results = join_all(uploads).await;
        let mut failed = self.failures(results);
        failed.extend(self.ship_parts().await);
        failed
    }

    /// The partitions whose result is an error, abandoned.
    fn failures(&mut self, results: Vec<Result<()>>) -> Vec<Failed> {
        let partitions: Vec<TopicPartition> = self.writers.keys().cloned().collect();
        let mut failed = Vec::new();
        for (partition, result) in partitions.into_iter().zip(results) {
            if let Err(error) = result {
                failed.push(self.abandon_one(partition, error));
            }
        }
        failed
    }

    fn abandon_one(&mut self, partition: TopicPartition, error: ConnectError) -> Failed {
        let writer = self.writers.get_mut(&partition).expect("a writer of the task");
        let from = writer.committable();
        for object in writer.abandon() {
            tokio::spawn(object.abandon());
        }
        Failed { partition, from, error }
    }

    /// Ships a part of each object that holds a part's worth, then of the largest objects while
    /// the open objects together hold more than the budget (a part is at least 5 MiB).
    async fn ship_parts(&mut self) -> Vec<Failed> {
        let part_size = self.settings.part_size;
        let budget = self.settings.memory_max_bytes;
        let mut total = self.buffered();
        let mut chosen: Vec<(TopicPartition, usize)> = Vec::new();
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
        for (size, partition, index) in sizes {
            if size >= part_size || total > budget {
                total -= size;
                chosen.push((partition, index));
            }
        }
        let mut failed: Vec<Failed> = Vec::new();
        for (partition, index) in chosen {
            if failed.iter().any(|f| f.partition == partition) {
                continue;
            }
            let store = self.store.as_ref();
            let writer = self.writers.get_mut(&partition).expect("chosen above");
            let Some(object) = writer.objects_mut().nth(index) else {
                continue;
            };
            if let Err(error) = object.ship_part(store).await {
                failed.push(self.abandon_one(partition, error));
            }
        }
        failed
    }

    /// Gives up the objects of `partitions` (revoked: their next owner reads them again).
    pub fn close(&mut self, partitions: &[TopicPartition]) {
        for partition in partitions {
            if let Some(mut writer) = self.writers.remove(partition) {
                for object in writer.abandon() {
                    tokio::spawn(object.abandon());
                }
            }
        }
    }
}
