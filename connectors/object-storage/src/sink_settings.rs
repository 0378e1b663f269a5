//! What a sink task works from: its configuration turned into the parts that act on records.

use kconnect_api::Result;

use crate::compatibility::Compatibility;
use crate::config::{Backend, Naming, NullValues, Rotation, SinkConfig};
use crate::format::FormatSpec;
use crate::partitioner::Partitioner;
use crate::store::StoreSettings;
use crate::stored::{Companions, Part};

/// A task's settings, the same for every partition it writes.
pub(crate) struct SinkSettings {
    /// Where the objects go.
    pub store: StoreSettings,
    /// Records per rotation.
    pub flush_size: u64,
    /// Time and schedule rotation.
    pub rotation: Rotation,
    /// Object names.
    pub naming: Naming,
    /// The directory of each record.
    pub partitioner: Partitioner,
    /// The record format.
    pub format: FormatSpec,
    /// The keys and headers stored beside the values.
    pub companions: Companions,
    /// How value schema changes are written.
    pub compatibility: Compatibility,
    /// Null values.
    pub null_values: NullValues,
    /// Bytes per multipart part.
    pub part_size: usize,
    /// Bytes the open objects may hold.
    pub memory_max_bytes: usize,
}

impl SinkSettings {
    /// The settings of `config`.
    pub fn new<B: Backend>(config: SinkConfig<B>) -> Result<Self> {
        Ok(Self {
            partitioner: Partitioner::new(&config.partitioner, &config.naming.directory_delim)?,
            store: config.store,
            flush_size: config.flush_size,
            rotation: config.rotation,
            naming: config.naming,
            format: config.format,
            companions: config.companions,
            compatibility: config.compatibility,
            null_values: config.null_values,
            part_size: config.part_size,
            memory_max_bytes: config.memory_max_bytes,
        })
    }

    /// Each part of a record the objects hold, with its format: the value's first.
    pub fn parts(&self) -> impl Iterator<Item = (Part, &FormatSpec)> {
        std::iter::once((Part::Value, &self.format)).chain(self.companions.parts())
    }
}
