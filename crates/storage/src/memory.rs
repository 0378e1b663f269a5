//! An offset store that lives only as long as the process.

use std::collections::BTreeMap;
use std::sync::RwLock;

use crate::{OffsetStore, OffsetWrite, StorageError};

/// Offsets in memory.
#[derive(Debug, Default)]
pub struct MemoryOffsetStore {
    entries: RwLock<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl MemoryOffsetStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Applies writes to a map, shared by every store that caches its entries.
    pub(crate) fn apply(entries: &mut BTreeMap<Vec<u8>, Vec<u8>>, writes: Vec<OffsetWrite>) {
        for (key, value) in writes {
            match value {
                Some(value) => entries.insert(key, value),
                None => entries.remove(&key),
            };
        }
    }
}

impl OffsetStore for MemoryOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.read().ok()?.get(key).cloned()
    }

    fn set(&self, writes: Vec<OffsetWrite>) -> Result<(), StorageError> {
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        Self::apply(&mut entries, writes);
        Ok(())
    }

    fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_and_tombstones() {
        let store = MemoryOffsetStore::new();
        store.set(vec![(b"k".to_vec(), Some(b"v".to_vec()))]).unwrap();
        assert_eq!(store.get(b"k"), Some(b"v".to_vec()));
        store.set(vec![(b"k".to_vec(), None)]).unwrap();
        assert_eq!(store.get(b"k"), None);
    }
}
