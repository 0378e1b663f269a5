//! Per-connector offsets topics (KIP-618): a source connector with `offsets.storage.topic` keeps
//! its offsets in that topic, created like the worker's offsets topic when missing. Reads merge
//! the worker's topic with the connector's (the connector's wins); writes go to the connector's
//! topic and then, best effort, to the worker's, with tombstones written to the worker's topic
//! first so that a reset cannot leave an old offset behind there.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use kconnect_runtime::connector_offsets::{ConnectorOffsetStores, OFFSETS_STORAGE_TOPIC};
use kconnect_runtime::{ConfigMap, RuntimeError};
use kconnect_storage::{OffsetStore, OffsetWrite, StorageError};

use crate::kafka_log::{LogClient, LogError, TopicSpec};
use crate::offset_store::KafkaOffsetStore;

/// A connector's own offsets topic in front of the worker's.
pub struct MergedOffsetStore {
    own: Arc<dyn OffsetStore>,
    worker: Arc<dyn OffsetStore>,
}

impl OffsetStore for MergedOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.own.get(key).or_else(|| self.worker.get(key))
    }

    fn set(&self, writes: Vec<OffsetWrite>) -> Result<(), StorageError> {
        let (tombstones, values): (Vec<OffsetWrite>, Vec<OffsetWrite>) =
            writes.iter().cloned().partition(|(_, value)| value.is_none());
        if !tombstones.is_empty() {
            self.worker.set(tombstones)?;
        }
        self.own.set(writes)?;
        if !values.is_empty()
            && let Err(err) = self.worker.set(values)
        {
            tracing::warn!(error = %err, "offsets not copied to the worker's offsets topic");
        }
        Ok(())
    }

    fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let mut merged: BTreeMap<Vec<u8>, Vec<u8>> = self.worker.entries().into_iter().collect();
        merged.extend(self.own.entries());
        merged.into_iter().collect()
    }

    /// The connector's own topic: an exactly-once task's offsets go there, in its transactions.
    fn kafka_topic(&self) -> Option<String> {
        self.own.kafka_topic()
    }

    fn written_in_transaction(&self, writes: Vec<OffsetWrite>) {
        self.own.written_in_transaction(writes);
    }
}

/// The connectors' own offsets topics, opened on first use.
pub struct ConnectorOffsetTopics {
    client: LogClient,
    /// The worker's offsets topic: its name, and how a connector's topic is created.
    template: TopicSpec,
    worker: Arc<dyn OffsetStore>,
    open: Mutex<BTreeMap<String, Arc<KafkaOffsetStore>>>,
}

impl ConnectorOffsetTopics {
    /// Opens connectors' topics with `client`, created like `template`, in front of `worker`.
    pub fn new(client: LogClient, template: TopicSpec, worker: Arc<dyn OffsetStore>) -> Self {
        Self {
            client,
            template,
            worker,
            open: Mutex::default(),
        }
    }

    /// The connector's own topic, unless it has none or names the worker's.
    fn topic_of<'a>(&self, config: &'a ConfigMap) -> Option<&'a str> {
        config
            .get(OFFSETS_STORAGE_TOPIC)
            .map(|topic| topic.trim())
            .filter(|topic| !topic.is_empty() && *topic != self.template.name)
    }

    /// Waits until the connector's own topic, when open, holds every offset written so far.
    pub async fn read_to_end(&self, config: &ConfigMap) -> Result<(), LogError> {
        let open = self
            .topic_of(config)
            .and_then(|topic| self.open.lock().unwrap_or_else(|e| e.into_inner()).get(topic).cloned());
        match open {
            Some(store) => store.read_to_end().await,
            None => Ok(()),
        }
    }
}

impl ConnectorOffsetStores for ConnectorOffsetTopics {
    fn store_for(&self, config: &ConfigMap) -> Result<Option<Arc<dyn OffsetStore>>, RuntimeError> {
        let Some(topic) = self.topic_of(config) else {
            return Ok(None);
        };
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        let own = match open.get(topic) {
            Some(store) => store.clone(),
            None => {
                let spec = TopicSpec {
                    name: topic.to_string(),
                    ..self.template.clone()
                };
                let started = tokio::task::block_in_place(|| {
                    tokio::runtime::Handle::current().block_on(KafkaOffsetStore::start(&self.client, spec))
                });
                let store = Arc::new(started.map_err(|err| RuntimeError::Kafka(err.to_string()))?);
                tracing::info!(topic, "opened a connector's own offsets topic");
                open.insert(topic.to_string(), store.clone());
                store
            }
        };
        Ok(Some(Arc::new(MergedOffsetStore {
            own: own as Arc<dyn OffsetStore>,
            worker: self.worker.clone(),
        })))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_storage::FileOffsetStore;

    use super::*;

    fn file_store(dir: &tempfile::TempDir, name: &str) -> Arc<dyn OffsetStore> {
        Arc::new(FileOffsetStore::open(dir.path().join(name)).unwrap())
    }

    fn write(key: &str, value: Option<&str>) -> OffsetWrite {
        (key.as_bytes().to_vec(), value.map(|v| v.as_bytes().to_vec()))
    }

    #[test]
    fn reads_prefer_the_connectors_topic_and_writes_reach_both() {
        let dir = tempfile::tempdir().unwrap();
        let (own, worker) = (file_store(&dir, "own"), file_store(&dir, "worker"));
        worker.set(vec![write("a", Some("1")), write("b", Some("1"))]).unwrap();
        let merged = MergedOffsetStore {
            own: own.clone(),
            worker: worker.clone(),
        };
        merged.set(vec![write("a", Some("2"))]).unwrap();
        assert_eq!(merged.get(b"a"), Some(b"2".to_vec()));
        assert_eq!(
            merged.get(b"b"),
            Some(b"1".to_vec()),
            "the worker's topic fills the gaps"
        );
        assert_eq!(worker.get(b"a"), Some(b"2".to_vec()), "copied to the worker's topic");
        let keys: Vec<Vec<u8>> = merged.entries().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, [b"a".to_vec(), b"b".to_vec()]);
    }

    #[test]
    fn a_reset_removes_the_offset_from_both_topics() {
        let dir = tempfile::tempdir().unwrap();
        let (own, worker) = (file_store(&dir, "own"), file_store(&dir, "worker"));
        let merged = MergedOffsetStore {
            own: own.clone(),
            worker: worker.clone(),
        };
        merged.set(vec![write("a", Some("1"))]).unwrap();
        merged.set(vec![write("a", None)]).unwrap();
        assert_eq!(merged.get(b"a"), None);
        assert!(own.entries().is_empty() && worker.entries().is_empty());
    }
}
