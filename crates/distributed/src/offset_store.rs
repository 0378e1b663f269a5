//! Source offsets in the offsets topic, keyed and partitioned exactly as Apache's
//! `KafkaOffsetBackingStore` (murmur2 of the key bytes), cached from the topic in memory.

use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use kconnect_storage::{OffsetStore, OffsetWrite, StorageError};

use crate::kafka_log::{KafkaLog, LogClient, LogError, TopicSpec};

type Entries = Arc<RwLock<BTreeMap<Vec<u8>, Vec<u8>>>>;

/// The offsets topic as an [`OffsetStore`].
pub struct KafkaOffsetStore {
    log: KafkaLog,
    entries: Entries,
}

fn apply(entries: &Entries, key: Vec<u8>, value: Option<Vec<u8>>) {
    let mut entries = entries.write().unwrap_or_else(|e| e.into_inner());
    match value {
        Some(value) => entries.insert(key, value),
        None => entries.remove(&key),
    };
}

impl KafkaOffsetStore {
    /// Starts reading the offsets topic (creating it when missing) and waits until it is read.
    pub async fn start(client: &LogClient, topic: TopicSpec) -> Result<Self, LogError> {
        let entries = Entries::default();
        let cache = entries.clone();
        let log = KafkaLog::start(client, topic, move |record| {
            if let Some(key) = record.key {
                apply(&cache, key, record.value);
            }
        })
        .await?;
        let store = Self { log, entries };
        store.read_to_end().await?;
        Ok(store)
    }

    /// Waits until every offset written so far, by any worker, is in the cache.
    pub async fn read_to_end(&self) -> Result<(), LogError> {
        self.log.read_to_end(Duration::from_secs(30)).await.map(|_| ())
    }
}

impl OffsetStore for KafkaOffsetStore {
    fn get(&self, key: &[u8]) -> Option<Vec<u8>> {
        self.entries.read().ok()?.get(key).cloned()
    }

    fn set(&self, writes: Vec<OffsetWrite>) -> Result<(), StorageError> {
        let sent =
            tokio::task::block_in_place(|| tokio::runtime::Handle::current().block_on(self.log.send(writes.clone())));
        sent.map_err(|err| StorageError::Io {
            path: self.log.topic().to_string(),
            source: std::io::Error::other(err.to_string()),
        })?;
        for (key, value) in writes {
            apply(&self.entries, key, value);
        }
        Ok(())
    }

    fn entries(&self) -> Vec<(Vec<u8>, Vec<u8>)> {
        let entries = self.entries.read().unwrap_or_else(|e| e.into_inner());
        entries.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn kafka_topic(&self) -> Option<String> {
        Some(self.log.topic().to_string())
    }

    fn written_in_transaction(&self, writes: Vec<OffsetWrite>) {
        for (key, value) in writes {
            apply(&self.entries, key, value);
        }
    }
}
