//! Where kconnect keeps source offsets.
//!
//! Keys and values are the exact bytes Apache Kafka Connect uses: the key is the compact JSON of
//! `["<connector>",{partition}]`, the value the compact JSON of the offset map, `None` a tombstone.

mod atomic;
mod codec;
mod file;
mod memory;
mod reader;
mod target_states;

pub use atomic::write_atomically;
pub use codec::{decode_offset, offset_key, offset_value};
pub use file::FileOffsetStore;
pub use memory::MemoryOffsetStore;
pub use reader::ConnectorOffsetReader;
pub use target_states::TargetStateFile;

use thiserror::Error;

/// A failure to read or persist offsets.
#[derive(Debug, Error)]
pub enum StorageError {
    /// The store's file could not be read or written.
    #[error("offset file {path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The store's file is not what kconnect writes.
    #[error("offset file {path} is corrupt: {message}")]
    Corrupt {
        /// The file.
        path: String,
        /// What is wrong.
        message: String,
    },
}

/// One offset write: a key and its new value, `None` to delete it.
pub type OffsetWrite = (Vec<u8>, Option<Vec<u8>>);

/// A key-value store of source offsets.
pub trait OffsetStore: Send + Sync {
    /// The value stored under `key`.
    fn get(&self, key: &[u8]) -> Option<Vec<u8>>;
    /// Applies `writes` atomically and durably: after it returns, a crash of the process loses none
    /// of them.
    fn set(&self, writes: Vec<OffsetWrite>) -> Result<(), StorageError>;
    /// Every entry, in key order.
    fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)>;
    /// The Kafka topic these offsets are kept in, which a source task with exactly-once delivery
    /// writes inside its own transactions; `None` for a store outside Kafka.
    fn kafka_topic(&self) -> Option<String> {
        None
    }
    /// Takes `writes` that a committed transaction wrote to [`OffsetStore::kafka_topic`], before
    /// the store reads them back.
    fn written_in_transaction(&self, _writes: Vec<OffsetWrite>) {}
}
