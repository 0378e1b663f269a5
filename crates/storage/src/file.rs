//! The standalone worker's offset file (`offset.storage.file.filename`).
//!
//! The file holds a JSON document `{"version":1,"offsets":[[key,value],…]}` where key and value are
//! the offset bytes as UTF-8 text. Every write goes to a temporary file that is synced and then
//! renamed over the old one, so a kill -9 at any moment leaves either the old or the new offsets,
//! never a torn file.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::atomic::write_atomically;
use crate::memory::MemoryOffsetStore;
use crate::{OffsetStore, OffsetWrite, StorageError};

#[derive(Serialize, Deserialize)]
struct OffsetFile {
    version: u32,
    offsets: Vec<(String, String)>,
}

/// Offsets in a file, cached in memory.
#[derive(Debug)]
pub struct FileOffsetStore {
    path: PathBuf,
    entries: Mutex<BTreeMap<Vec<u8>, Vec<u8>>>,
}

impl FileOffsetStore {
    /// Opens the store at `path`, reading the offsets already there; a missing file is an empty store.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let path = path.as_ref().to_path_buf();
        let shown = path.display().to_string();
        let entries = match fs::read(&path) {
            Ok(bytes) => {
                let file: OffsetFile = serde_json::from_slice(&bytes).map_err(|err| StorageError::Corrupt {
                    path: shown.clone(),
                    message: err.to_string(),
                })?;
                file.offsets
                    .into_iter()
                    .map(|(k, v)| (k.into_bytes(), v.into_bytes()))
                    .collect()
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => return Err(StorageError::Io { path: shown, source }),
        };
        Ok(Self {
            path,
            entries: Mutex::new(entries),
        })
    }

    fn persist(&self, entries: &BTreeMap<Vec<u8>, Vec<u8>>) -> Result<(), StorageError> {
        let file = OffsetFile {
            version: 1,
            offsets: entries
                .iter()
                .map(|(k, v)| {
                    (
                        String::from_utf8_lossy(k).into_owned(),
                        String::from_utf8_lossy(v).into_owned(),
                    )
                })
                .collect(),
        };
        let bytes = serde_json::to_vec(&file).expect("offsets serialise");
        write_atomically(&self.path, &bytes)
    }
}

impl OffsetStore for FileOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.lock().ok()?.get(key).cloned()
    }

    fn set(&self, writes: Vec<OffsetWrite>) -> Result<(), StorageError> {
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        let mut updated = entries.clone();
        MemoryOffsetStore::apply(&mut updated, writes);
        self.persist(&updated)?;
        *entries = updated;
        Ok(())
    }

    fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/connect.offsets");
        let store = FileOffsetStore::open(&path).unwrap();
        store
            .set(vec![(b"[\"c\",{}]".to_vec(), Some(b"{\"position\":5}".to_vec()))])
            .unwrap();
        let reopened = FileOffsetStore::open(&path).unwrap();
        assert_eq!(reopened.get(b"[\"c\",{}]"), Some(b"{\"position\":5}".to_vec()));
        assert!(!path.with_extension("tmp").exists());
    }

    #[test]
    fn corrupt_files_are_reported_with_their_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.offsets");
        fs::write(&path, b"garbage").unwrap();
        let err = FileOffsetStore::open(&path).unwrap_err().to_string();
        assert!(err.contains("bad.offsets") && err.contains("corrupt"), "{err}");
    }
}
