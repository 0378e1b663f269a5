//! The source connectors (S3, GCS, Azure Blob) and their task: objects read in name order, folder
//! by folder, each record produced with its folder as source partition and, as offset, the last
//! object read and how many of its records were produced, so a restart resumes after the last
//! committed record. New objects are picked up at each listing (`poll.interval.ms`).

use std::collections::{BTreeMap, VecDeque};
use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Instant;

use async_trait::async_trait;
use futures::TryStreamExt;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, ConnectError, Connector, ConnectorContext, Headers, OffsetMap, RecordCore,
    Result, SchemaAndValue, SourceConnector, SourceRecord, SourceTask, SourceTaskContext,
};
use object_store::path::Path;
use object_store::{ObjectStore, ObjectStoreExt};
use serde_json::json;

use crate::config::{Backend, SourceConfig};
use crate::listing::{Listed, Selection, ready, task_of};
use crate::store::failed;
use crate::stored::{Part, stored_headers, stored_key};

/// The task configuration keys that split the folders between tasks (kconnect's own).
const TASK_INDEX: &str = "kconnect.task.index";
const TASK_COUNT: &str = "kconnect.task.count";
/// How long an idle poll waits before returning nothing.
const IDLE_WAIT: std::time::Duration = std::time::Duration::from_secs(1);

/// A source connector reading the store `B`.
pub struct ObjectStorageSourceConnector<B> {
    config: ConfigMap,
    backend: PhantomData<B>,
}

impl<B> Default for ObjectStorageSourceConnector<B> {
    fn default() -> Self {
        Self {
            config: ConfigMap::new(),
            backend: PhantomData,
        }
    }
}

#[async_trait]
impl<B: Backend> Connector for ObjectStorageSourceConnector<B> {
    fn config_def(&self) -> ConfigDef {
        SourceConfig::<B>::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        SourceConfig::<B>::validate(config)
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        SourceConfig::<B>::parse(&config)?;
        self.config = config;
        Ok(())
    }

    /// Each task reads the folders that hash to its index.
    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok((0..max_tasks.max(1))
            .map(|index| {
                let mut config = self.config.clone();
                config.insert(TASK_INDEX.into(), index.to_string());
                config.insert(TASK_COUNT.into(), max_tasks.max(1).to_string());
                config
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<B: Backend> SourceConnector for ObjectStorageSourceConnector<B> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(ObjectStorageSourceTask::<B>::default())
    }
}

/// How far a folder has been read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
struct Progress {
    /// The last object records were produced from.
    last: Option<String>,
    /// How many of its records were produced.
    produced: usize,
    /// Whether they were all of them.
    eof: bool,
}

impl Progress {
    fn from_offset(offset: &OffsetMap) -> Self {
        let text = |key: &str| offset.get(key).and_then(|v| v.as_str()).map(str::to_string);
        Self {
            last: text("lastFileRead"),
            produced: text("fileOffset").and_then(|n| n.parse().ok()).unwrap_or(0),
            eof: text("eof").as_deref() == Some("true"),
        }
    }

    /// Whether `name`'s records are still (partly) to be produced.
    fn unread(&self, name: &str) -> bool {
        match &self.last {
            None => true,
            Some(last) => name > last.as_str() || (name == last && !self.eof),
        }
    }

    /// How many of `name`'s records were produced already.
    fn done_in(&self, name: &str) -> usize {
        match &self.last {
            Some(last) if last == name => self.produced,
            _ => 0,
        }
    }
}

/// An object being produced.
struct Reading {
    listed: Listed,
    records: Vec<SchemaAndValue>,
    /// The records' keys, when stored beside the object.
    keys: Option<Vec<SchemaAndValue>>,
    /// The records' headers, when stored beside the object.
    headers: Option<Vec<Headers>>,
    next: usize,
    partition: Arc<OffsetMap>,
}

/// What a started task works with.
struct Running<B> {
    context: Arc<dyn SourceTaskContext>,
    config: SourceConfig<B>,
    store: Arc<dyn ObjectStore>,
    task_index: usize,
    task_count: usize,
    progress: BTreeMap<String, Progress>,
    queue: VecDeque<Listed>,
    reading: Option<Reading>,
    next_listing: Instant,
}

/// The task reading objects.
pub struct ObjectStorageSourceTask<B> {
    running: Option<Running<B>>,
}

impl<B> Default for ObjectStorageSourceTask<B> {
    fn default() -> Self {
        Self { running: None }
    }
}

fn folder_partition(folder: &str) -> OffsetMap {
    let mut partition = OffsetMap::new();
    partition.insert("folder".into(), json!(folder));
    partition
}

fn task_key(config: &ConfigMap, key: &str, default: usize) -> usize {
    config.get(key).and_then(|v| v.parse().ok()).unwrap_or(default)
}

impl<B: Backend> Running<B> {
    /// Lists the store and queues the objects of this task's folders that are still to be read.
    async fn list(&mut self) -> Result<()> {
        let prefix = Path::from(self.config.naming.topics_dir.as_str());
        let prefix = (!self.config.naming.topics_dir.is_empty()).then_some(&prefix);
        let names: std::collections::BTreeSet<String> = self
            .store
            .list(prefix)
            .map_ok(|meta| meta.location.to_string())
            .try_collect()
            .await
            .map_err(|err| failed("cannot list", &Path::from(""), err))?;
        let selection = Selection {
            mode: &self.config.mode,
            naming: &self.config.naming,
            topics: &self.config.topics,
            topic_regexes: &self.config.topic_regexes,
        };
        let mut listed: Vec<Listed> = names
            .iter()
            .filter_map(|name| selection.place(name))
            .filter(|listed| task_of(&listed.folder, self.task_count) == self.task_index)
            .collect();
        listed.sort_by(|a, b| a.name.cmp(&b.name));
        let parts: Vec<Part> = self.config.companions.parts().map(|(part, _)| part).collect();
        let listed = ready(listed, &names, &parts);
        let reader = self.context.offset_storage_reader();
        for object in &listed {
            self.progress.entry(object.folder.clone()).or_insert_with(|| {
                reader
                    .offset(&folder_partition(&object.folder))
                    .map(|offset| Progress::from_offset(&offset))
                    .unwrap_or_default()
            });
        }
        let reading = self.reading.as_ref().map(|r| r.listed.name.clone());
        self.queue = listed
            .into_iter()
            .filter(|object| Some(&object.name) != reading.as_ref())
            .filter(|object| self.progress[&object.folder].unread(&object.name))
            .collect();
        Ok(())
    }

    /// The records of the object `name`, written in `format`.
    async fn read(&self, name: &str, format: &crate::format::FormatSpec) -> Result<Vec<SchemaAndValue>> {
        let path = Path::from(name);
        let bytes = self
            .store
            .get(&path)
            .await
            .map_err(|err| failed("cannot read", &path, err))?
            .bytes()
            .await
            .map_err(|err| failed("cannot read", &path, err))?;
        format.read(name, &bytes)
    }

    /// Downloads and decodes the first queued object, and the keys and headers beside it.
    async fn open_next(&mut self) -> Result<()> {
        let Some(listed) = self.queue.front().cloned() else {
            return Ok(());
        };
        let records = self.read(&listed.name, &self.config.format).await?;
        let (mut keys, mut headers) = (None, None);
        for (part, name) in &listed.companions {
            let Some(format) = self.config.companions.format_of(*part) else {
                continue;
            };
            let stored = self.read(name, format).await?;
            if stored.len() != records.len() {
                return Err(ConnectError::data(format!(
                    "{name} holds {} entries for the {} records of {}",
                    stored.len(),
                    records.len(),
                    listed.name
                )));
            }
            match part {
                Part::Key => keys = Some(stored.into_iter().map(stored_key).collect()),
                _ => headers = Some(stored.iter().map(stored_headers).collect::<Result<Vec<_>>>()?),
            }
        }
        let next = self.progress[&listed.folder].done_in(&listed.name);
        self.queue.pop_front();
        self.reading = Some(Reading {
            partition: Arc::new(folder_partition(&listed.folder)),
            listed,
            records,
            keys,
            headers,
            next,
        });
        Ok(())
    }

    /// Up to a batch of the open object's records, advancing the folder's progress.
    fn take_batch(&mut self) -> Vec<SourceRecord> {
        let Some(reading) = self.reading.as_mut() else {
            return Vec::new();
        };
        let end = (reading.next + self.config.batch_max).min(reading.records.len());
        let total = reading.records.len();
        let mut batch = Vec::with_capacity(end.saturating_sub(reading.next));
        for index in reading.next..end {
            let mut offset = OffsetMap::new();
            offset.insert("lastFileRead".into(), json!(reading.listed.name));
            offset.insert("fileOffset".into(), json!((index + 1).to_string()));
            offset.insert("eof".into(), json!((index + 1 == total).to_string()));
            let value = std::mem::replace(&mut reading.records[index], SchemaAndValue::NULL);
            let mut core = RecordCore::new(reading.listed.topic.clone(), value);
            core.kafka_partition = reading.listed.partition;
            if let Some(keys) = reading.keys.as_mut() {
                core.key = std::mem::replace(&mut keys[index], SchemaAndValue::NULL);
            }
            if let Some(headers) = reading.headers.as_mut() {
                core.headers = std::mem::take(&mut headers[index]);
            }
            batch.push(SourceRecord::new(reading.partition.clone(), offset, core));
        }
        reading.next = end;
        let progress = self.progress.entry(reading.listed.folder.clone()).or_default();
        *progress = Progress {
            last: Some(reading.listed.name.clone()),
            produced: end,
            eof: end == total,
        };
        if end == total {
            self.reading = None;
        }
        batch
    }
}

#[async_trait]
impl<B: Backend> SourceTask for ObjectStorageSourceTask<B> {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = SourceConfig::<B>::parse(context.configs())?;
        let store = config.store.connect()?;
        let (task_index, task_count) = (
            task_key(context.configs(), TASK_INDEX, 0),
            task_key(context.configs(), TASK_COUNT, 1),
        );
        if task_index >= task_count {
            return Err(ConnectError::config(
                TASK_INDEX,
                format!("{task_index} is not below {task_count}"),
            ));
        }
        self.running = Some(Running {
            context,
            config,
            store,
            task_index,
            task_count,
            progress: BTreeMap::new(),
            queue: VecDeque::new(),
            reading: None,
            next_listing: Instant::now(),
        });
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let Some(running) = self.running.as_mut() else {
            return Ok(Vec::new());
        };
        loop {
            let batch = running.take_batch();
            if !batch.is_empty() {
                return Ok(batch);
            }
            if !running.queue.is_empty() {
                running.open_next().await?;
                continue;
            }
            if Instant::now() >= running.next_listing {
                running.list().await?;
                running.next_listing = Instant::now() + running.config.poll_interval;
                if !running.queue.is_empty() {
                    continue;
                }
            }
            tokio::time::sleep(IDLE_WAIT.min(running.next_listing.saturating_duration_since(Instant::now()))).await;
            return Ok(Vec::new());
        }
    }

    async fn stop(&mut self) -> Result<()> {
        self.running = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_resumes_inside_an_unfinished_object() {
        let mut offset = OffsetMap::new();
        offset.insert("lastFileRead".into(), json!("t/p/a+0+0000000010.json"));
        offset.insert("fileOffset".into(), json!("4"));
        offset.insert("eof".into(), json!("false"));
        let progress = Progress::from_offset(&offset);
        assert!(!progress.unread("t/p/a+0+0000000000.json"));
        assert!(progress.unread("t/p/a+0+0000000010.json"));
        assert_eq!(progress.done_in("t/p/a+0+0000000010.json"), 4);
        assert!(progress.unread("t/p/a+0+0000000020.json"));
        assert_eq!(progress.done_in("t/p/a+0+0000000020.json"), 0);
        let finished = Progress { eof: true, ..progress };
        assert!(!finished.unread("t/p/a+0+0000000010.json"));
    }
}
