//! The standalone worker's record of each connector's target state (`STARTED`, `PAUSED`,
//! `STOPPED`), so that a paused or stopped connector stays so across a restart.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::{StorageError, write_atomically};

/// Target states by connector name, in a JSON file.
#[derive(Debug)]
pub struct TargetStateFile {
    path: PathBuf,
    states: Mutex<BTreeMap<String, String>>,
}

impl TargetStateFile {
    /// Opens the file at `path`; a missing file holds no states.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, StorageError> {
        let path = path.as_ref().to_path_buf();
        let states = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|err| StorageError::Corrupt {
                path: path.display().to_string(),
                message: err.to_string(),
            })?,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => BTreeMap::new(),
            Err(source) => {
                return Err(StorageError::Io {
                    path: path.display().to_string(),
                    source,
                });
            }
        };
        Ok(Self {
            path,
            states: Mutex::new(states),
        })
    }

    /// The stored state of `connector`.
    pub fn get(&self, connector: &str) -> Option<String> {
        self.states
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(connector)
            .cloned()
    }

    /// Records `state` for `connector` (`None` forgets it) and writes the file.
    pub fn set(&self, connector: &str, state: Option<&str>) -> Result<(), StorageError> {
        let mut states = self.states.lock().unwrap_or_else(|e| e.into_inner());
        match state {
            Some(state) => states.insert(connector.to_string(), state.to_string()),
            None => states.remove(connector),
        };
        let bytes = serde_json::to_vec(&*states).expect("states serialise");
        write_atomically(&self.path, &bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("states.json");
        let file = TargetStateFile::open(&path).unwrap();
        file.set("a", Some("PAUSED")).unwrap();
        file.set("b", Some("STOPPED")).unwrap();
        file.set("b", None).unwrap();
        let reopened = TargetStateFile::open(&path).unwrap();
        assert_eq!(reopened.get("a").as_deref(), Some("PAUSED"));
        assert_eq!(reopened.get("b"), None);
    }
}
