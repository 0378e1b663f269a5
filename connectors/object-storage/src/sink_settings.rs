//! What a sink task works from: its configuration turned into the parts that act on records.

use kconnect_api::Result;

use crate::config::{Backend, Naming, NullValues, Rotation, SinkConfig};
use crate::format::FormatSpec;
use crate::partitioner::Partitioner;
use crate::store::StoreSettings;

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
    /// The objects' extension.
    pub extension: String,
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
            extension: config.format.extension(),
            store: config.store,
            flush_size: config.flush_size,
            rotation: config.rotation,
            naming: config.naming,
            format: config.format,
            null_values: config.null_values,
            part_size: config.part_size,
            memory_max_bytes: config.memory_max_bytes,
        })
    }
}
