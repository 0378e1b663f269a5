//! The objects of one Kafka partition, as Confluent's TopicPartitionWriter keeps them: records go
//! into one open object per encoded partition; once `flush.size` records are written (or the time
//! or the schema says so) every open object is finished together, and the offset after the last
//! record becomes safe to commit. A replay from that offset cuts the same objects again.

use std::collections::{BTreeMap, VecDeque};

use kconnect_api::{ConnectError, Result, SchemaRef, SinkRecord, TopicPartition};

use crate::compatibility::{Compatibility, Fit, projected, same_schema};
use crate::config::{NullValues, Rotation};
use crate::open_object::OpenObject;
use crate::partitioner::Placement;
use crate::record_objects::RecordObjects;
use crate::schedule::next_rotation;
use crate::sink_settings::SinkSettings;

/// Objects finished together, to be uploaded and then reported by their sequence number.
pub(crate) struct Rotated {
    /// The objects.
    pub objects: Vec<OpenObject>,
    /// Which rotation of the partition they are.
    pub seq: u64,
}

/// A rotation whose objects are not all uploaded yet.
struct Pending {
    seq: u64,
    /// The offset safe to commit once it and every rotation before it are uploaded.
    commit: i64,
    uploaded: bool,
}

/// One Kafka partition's open objects.
pub(crate) struct PartitionWriter {
    partition: TopicPartition,
    objects: BTreeMap<String, RecordObjects>,
    /// Records written since the last rotation.
    count: u64,
    /// The offset after the last record seen.
    next: Option<i64>,
    /// The timestamp of the first record since the last rotation (time-based partitioners).
    base_timestamp: Option<i64>,
    /// The encoded partition of the last record (time-based partitioners).
    current_encoded: Option<String>,
    /// The schemas of the records since the last rotation.
    schemas: Option<Schemas>,
    /// When the scheduled rotation is due (`rotate.schedule.interval.ms`).
    scheduled: Option<i64>,
    /// The offset that is safe to commit: every record before it is in an uploaded object.
    committable: i64,
    /// Objects rotated and not yet handed over for upload, oldest first.
    rotated: Vec<Rotated>,
    /// Rotations not yet uploaded, oldest first.
    pending: VecDeque<Pending>,
    /// The sequence number of the next rotation.
    next_seq: u64,
    /// Bumped when the writer abandons its objects: uploads of an older generation are stale.
    generation: u64,
}

/// The schemas an object's records share: the value's, and the key's when keys are stored.
struct Schemas {
    value: Option<SchemaRef>,
    key: Option<SchemaRef>,
}

impl Schemas {
    fn of(record: &SinkRecord, settings: &SinkSettings) -> Self {
        Self {
            value: record.core.value.schema.clone(),
            key: settings
                .companions
                .keys
                .as_ref()
                .and_then(|_| record.core.key.schema.clone()),
        }
    }

    /// How a record of `other`'s schemas fits objects of these (a changed key schema always
    /// needs objects of its own).
    fn fit(&self, other: &Self, compatibility: Compatibility) -> Result<Fit> {
        if !same_schema(self.key.as_ref(), other.key.as_ref()) {
            return Ok(Fit::NewObjects);
        }
        compatibility.fit(other.value.as_ref(), self.value.as_ref())
    }
}

impl PartitionWriter {
    /// A writer with nothing open, whose first record is at `first_offset` (the runtime delivers
    /// from the committed offset, so that offset is committable from the start); its uploads
    /// belong to `generation`, which no other writer of the task has had.
    pub fn new(partition: TopicPartition, first_offset: i64, generation: u64) -> Self {
        Self {
            partition,
            objects: BTreeMap::new(),
            count: 0,
            next: None,
            base_timestamp: None,
            current_encoded: None,
            schemas: None,
            scheduled: None,
            committable: first_offset,
            rotated: Vec::new(),
            pending: VecDeque::new(),
            next_seq: 0,
            generation,
        }
    }

    /// The offset safe to commit.
    pub fn committable(&self) -> i64 {
        self.committable
    }

    /// The open objects.
    pub fn objects(&self) -> impl Iterator<Item = &OpenObject> {
        self.objects.values().flat_map(RecordObjects::iter)
    }

    /// The open objects, to ship parts of.
    pub fn objects_mut(&mut self) -> impl Iterator<Item = &mut OpenObject> {
        self.objects.values_mut().flat_map(RecordObjects::iter_mut)
    }

    /// The generation uploads handed over now belong to.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Rotation `seq` is uploaded: the committable offset advances past every rotation uploaded
    /// in order.
    pub fn uploaded(&mut self, seq: u64) {
        if let Some(pending) = self.pending.iter_mut().find(|p| p.seq == seq) {
            pending.uploaded = true;
        }
        while self.pending.front().is_some_and(|p| p.uploaded) {
            let done = self.pending.pop_front().expect("checked above");
            self.committable = self.committable.max(done.commit);
        }
    }

    /// Gives up every open and rotated object (on revocation, or after a failed upload): the
    /// records from the committable offset on are to be read again, and uploads still running
    /// no longer count, the writer going on in a new `generation`.
    pub fn abandon(&mut self, generation: u64) -> Vec<OpenObject> {
        self.next = Some(self.committable);
        self.generation = generation;
        self.pending.clear();
        let mut objects = self.take_open();
        objects.extend(self.rotated.drain(..).flat_map(|rotated| rotated.objects));
        objects
    }

    /// Closes the batch: its open objects, and what it tracked about them.
    fn take_open(&mut self) -> Vec<OpenObject> {
        self.count = 0;
        self.base_timestamp = None;
        self.current_encoded = None;
        self.schemas = None;
        self.scheduled = None;
        std::mem::take(&mut self.objects)
            .into_values()
            .flat_map(RecordObjects::into_objects)
            .collect()
    }

    /// Finishes every open object together.
    fn rotate(&mut self) {
        let Some(commit) = self.next else {
            return;
        };
        let objects = self.take_open();
        if !objects.is_empty() {
            let seq = self.next_seq;
            self.next_seq += 1;
            self.rotated.push(Rotated { objects, seq });
            self.pending.push_back(Pending {
                seq,
                commit,
                uploaded: false,
            });
        }
    }

    /// Takes the rotated objects, oldest first, to upload and then report with
    /// [`PartitionWriter::uploaded`].
    pub fn take_rotated(&mut self) -> Vec<Rotated> {
        std::mem::take(&mut self.rotated)
    }

    /// How a record of `schemas` fits the open objects.
    fn fit(&self, schemas: &Schemas, settings: &SinkSettings) -> Result<Fit> {
        match &self.schemas {
            Some(current) if self.count > 0 => current.fit(schemas, settings.compatibility),
            _ => Ok(Fit::Same),
        }
    }

    /// Whether the open objects are due by time before `placement` is written (Confluent's rules).
    fn due_before(&self, placement: &Placement, settings: &SinkSettings) -> bool {
        if self.count == 0 {
            return false;
        }
        let rotation: &Rotation = &settings.rotation;
        match (rotation.interval_ms, placement.timestamp, self.base_timestamp) {
            (Some(interval), Some(timestamp), Some(base)) if settings.partitioner.is_time_based() => {
                timestamp - base >= interval || self.current_encoded.as_deref() != Some(placement.encoded.as_str())
            }
            _ => false,
        }
    }

    /// Writes `record`, rotating before it or after it as the rules say; a null value is skipped
    /// or fails the task, as `behavior.on.null.values` says. A record that the partitioner or the
    /// format rejects is a data error and changes nothing.
    pub fn write(&mut self, record: &SinkRecord, settings: &SinkSettings, now_ms: i64) -> Result<()> {
        let offset = record.original_kafka_offset;
        if record.core.value.value.is_null() {
            return match settings.null_values {
                NullValues::Ignore => {
                    self.skip(offset);
                    Ok(())
                }
                NullValues::Fail => Err(ConnectError::Fatal(format!(
                    "null value at {}-{} offset {offset}; set behavior.on.null.values=ignore to skip such records",
                    self.partition.topic, self.partition.partition
                ))),
            };
        }
        let placement = settings.partitioner.place(record, now_ms)?;
        let schemas = Schemas::of(record, settings);
        let mut fit = self.fit(&schemas, settings)?;
        if fit == Fit::NewObjects || self.due_before(&placement, settings) {
            self.rotate();
            fit = Fit::Same;
        }
        let projection;
        let record = match (fit, self.schemas.as_ref().and_then(|current| current.value.as_ref())) {
            (Fit::Projected, Some(current)) => {
                projection = projected(record, current)?;
                &projection
            }
            _ => record,
        };
        let created = !self.objects.contains_key(&placement.encoded);
        if created {
            // Named after the record's topic and partition as transformations left them (a
            // RegexRouter renames the objects), as Confluent's.
            let partition = record.core.kafka_partition.unwrap_or(self.partition.partition);
            let objects = RecordObjects::open(record, settings, |extension| {
                settings
                    .naming
                    .object_name(&record.core.topic, &placement.encoded, partition, offset, extension)
            })?;
            self.objects.insert(placement.encoded.clone(), objects);
        }
        let object = self.objects.get_mut(&placement.encoded).expect("opened above");
        if let Err(err) = object.write(record) {
            if created {
                self.objects.remove(&placement.encoded);
            }
            return Err(err);
        }
        if self.count == 0 {
            self.base_timestamp = placement.timestamp;
            self.schemas = Some(schemas);
            self.scheduled = next_rotation(&settings.rotation, now_ms);
        }
        self.current_encoded = Some(placement.encoded);
        self.count += 1;
        self.next = Some(offset + 1);
        if self.count >= settings.flush_size {
            self.rotate();
        }
        Ok(())
    }

    /// A record that writes nothing (skipped, or reported as errant). With no object open, the
    /// offset after it is safe to commit as soon as what was rotated before it is uploaded.
    pub fn skip(&mut self, offset: i64) {
        self.next = Some(offset + 1);
        if self.count > 0 {
            return;
        }
        match self.pending.back_mut() {
            Some(last) => last.commit = offset + 1,
            None => self.committable = self.committable.max(offset + 1),
        }
    }

    /// Rotates when the wall clock says so: the scheduled rotation is due, or (time-based
    /// partitioning by wall clock) `rotate.interval.ms` has passed since the first record.
    pub fn tick(&mut self, settings: &SinkSettings, now_ms: i64) {
        if self.count == 0 {
            return;
        }
        let scheduled = self.scheduled.is_some_and(|due| now_ms >= due);
        let by_wall_clock = settings.partitioner.by_wall_clock()
            && matches!((settings.rotation.interval_ms, self.base_timestamp),
                (Some(interval), Some(base)) if now_ms - base >= interval);
        if scheduled || by_wall_clock {
            self.rotate();
        }
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::config::PluginConfig;
    use kconnect_api::record::TimestampType;
    use kconnect_api::{ConfigMap, RecordCore, SchemaAndValue, Value};

    use super::*;
    use crate::config::{S3, SinkConfig};

    fn settings() -> SinkSettings {
        let config: ConfigMap = [
            ("s3.bucket.name", "b"),
            ("flush.size", "2"),
            ("format.class", "JsonFormat"),
            ("behavior.on.null.values", "ignore"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        SinkSettings::new(SinkConfig::<S3>::parse(&config).unwrap()).unwrap()
    }

    fn record(offset: i64, value: Value) -> SinkRecord {
        let core = RecordCore::new("t", SchemaAndValue::new(None, value));
        SinkRecord::new(core, 0, offset, TimestampType::CreateTime)
    }

    fn writer_with_two_rotations(settings: &SinkSettings) -> (PartitionWriter, Vec<Rotated>) {
        let mut writer = PartitionWriter::new(TopicPartition::new("t", 0), 10, 1);
        for offset in 10..14 {
            writer
                .write(&record(offset, Value::Int64(offset)), settings, 0)
                .unwrap();
        }
        let rotated = writer.take_rotated();
        (writer, rotated)
    }

    #[test]
    fn offsets_advance_only_past_rotations_uploaded_in_order() {
        let settings = settings();
        let (mut writer, rotated) = writer_with_two_rotations(&settings);
        assert_eq!(rotated.iter().map(|r| r.seq).collect::<Vec<_>>(), [0, 1]);
        assert_eq!(writer.committable(), 10);
        writer.uploaded(1);
        assert_eq!(writer.committable(), 10, "the second rotation is up, the first is not");
        writer.uploaded(0);
        assert_eq!(writer.committable(), 14);
    }

    #[test]
    fn a_skipped_record_after_a_rotation_commits_with_it() {
        let settings = settings();
        let (mut writer, _) = writer_with_two_rotations(&settings);
        writer.write(&record(14, Value::Null), &settings, 0).unwrap();
        assert_eq!(writer.committable(), 10, "not before the rotations are uploaded");
        writer.uploaded(0);
        writer.uploaded(1);
        assert_eq!(writer.committable(), 15);
    }

    #[test]
    fn an_abandoned_writer_reads_again_from_its_committable_offset() {
        let settings = settings();
        let (mut writer, _) = writer_with_two_rotations(&settings);
        writer.uploaded(0);
        writer.write(&record(14, Value::Int64(14)), &settings, 0).unwrap();
        assert_eq!(writer.abandon(2).len(), 1, "the open object");
        assert_eq!((writer.committable(), writer.generation()), (12, 2));
        writer.uploaded(1);
        assert_eq!(writer.committable(), 12, "the abandoned rotation no longer counts");
    }
}
