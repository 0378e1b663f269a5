//! Offset stores of their own for source connectors that ask for one: distributed mode's
//! per-connector `offsets.storage.topic` (KIP-618).

use std::sync::Arc;

use kconnect_api::ConfigMap;
use kconnect_storage::OffsetStore;

use crate::error::RuntimeError;

/// The connector key naming a source connector's own offsets topic.
pub const OFFSETS_STORAGE_TOPIC: &str = "offsets.storage.topic";

/// Hands out the offset store of a source connector that asks for its own.
pub trait ConnectorOffsetStores: Send + Sync {
    /// The store for a source connector configured with `config`, or `None` when it uses the
    /// worker's.
    fn store_for(&self, config: &ConfigMap) -> Result<Option<Arc<dyn OffsetStore>>, RuntimeError>;
}
