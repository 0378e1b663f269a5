//! The offset reader handed to a source task.

use std::sync::Arc;

use kconnect_api::{OffsetMap, OffsetStorageReader};

use crate::{OffsetStore, decode_offset, offset_key};

/// Reads the committed offsets of one connector's source partitions.
pub struct ConnectorOffsetReader {
    connector: String,
    store: Arc<dyn OffsetStore>,
}

impl ConnectorOffsetReader {
    /// A reader of `connector`'s offsets in `store`.
    pub fn new(connector: impl Into<String>, store: Arc<dyn OffsetStore>) -> Self {
        Self {
            connector: connector.into(),
            store,
        }
    }
}

impl OffsetStorageReader for ConnectorOffsetReader {
    fn offset(&self, partition: &OffsetMap) -> Option<OffsetMap> {
        let bytes = self.store.get(&offset_key(&self.connector, partition))?;
        let offset = decode_offset(&bytes);
        if offset.is_none() {
            tracing::warn!(connector = %self.connector, "ignoring an offset that is not a JSON object");
        }
        offset
    }
}
