//! The sink connectors (S3, GCS, Azure Blob) and their task: records into objects, offsets
//! committed only for records in objects already completely uploaded.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::metrics::Gauge;
use kconnect_api::sink::CommitOffsets;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, ConnectError, Connector, ConnectorContext, OffsetMap, Result, SinkConnector,
    SinkRecord, SinkTask, SinkTaskContext, TopicPartition,
};
use object_store::ObjectStore;
use object_store::path::Path;

use crate::config::{Backend, SinkConfig};
use crate::sink_settings::SinkSettings;
use crate::writers::Writers;

/// The longest wait between attempts after an upload failed.
const MAX_BACKOFF: Duration = Duration::from_secs(30);

/// A sink connector writing to the store `B`: `tasks.max` identical tasks.
pub struct ObjectStorageSinkConnector<B> {
    config: ConfigMap,
    backend: PhantomData<B>,
}

impl<B> Default for ObjectStorageSinkConnector<B> {
    fn default() -> Self {
        Self {
            config: ConfigMap::new(),
            backend: PhantomData,
        }
    }
}

#[async_trait]
impl<B: Backend> Connector for ObjectStorageSinkConnector<B> {
    fn config_def(&self) -> ConfigDef {
        SinkConfig::<B>::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        SinkConfig::<B>::validate(config)
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        SinkConfig::<B>::parse(&config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(vec![self.config.clone(); max_tasks])
    }

    /// The consumer group's offsets are the whole story: the objects are named after them.
    fn alter_offsets(&self, _config: &ConfigMap, _offsets: &[(OffsetMap, Option<OffsetMap>)]) -> Result<bool> {
        Ok(true)
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<B: Backend> SinkConnector for ObjectStorageSinkConnector<B> {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(ObjectStorageSinkTask::<B>::default())
    }
}

/// What a started task works with.
struct Running {
    context: Arc<dyn SinkTaskContext>,
    writers: Writers,
    /// The `buffered-bytes` gauge (`/metrics`, group `plugins`), where metrics are shown.
    buffered_bytes: Option<Arc<Gauge>>,
    /// How long to wait before the next attempt after a failed upload; zero when none failed.
    backoff: Duration,
}

/// The task writing objects.
pub struct ObjectStorageSinkTask<B> {
    running: Option<Running>,
    backend: PhantomData<B>,
}

impl<B> Default for ObjectStorageSinkTask<B> {
    fn default() -> Self {
        Self {
            running: None,
            backend: PhantomData,
        }
    }
}

fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Checks that the bucket or container answers, so that a wrong name or credentials fail the
/// task at start with the store's own words. A server that cannot list (some emulators) is only
/// warned about: writes may still work.
async fn check_reachable(store: &dyn ObjectStore, topics_dir: &str) -> Result<()> {
    let prefix = Path::from(topics_dir);
    match store.list_with_delimiter(Some(&prefix)).await {
        Ok(_) => Ok(()),
        Err(
            err @ (object_store::Error::NotFound { .. }
            | object_store::Error::PermissionDenied { .. }
            | object_store::Error::Unauthenticated { .. }),
        ) => Err(ConnectError::Fatal(format!(
            "cannot list the bucket or container: {err}"
        ))),
        Err(err) => {
            tracing::warn!(error = %err, "cannot list the bucket or container; going on, as writes may still work");
            Ok(())
        }
    }
}

impl Running {
    /// Uploads what is due. A partition whose upload failed is read again from its committable
    /// offset after a back-off, rebuilding the same objects.
    async fn upload(&mut self) {
        let failed = self.writers.upload().await;
        if failed.is_empty() {
            self.backoff = Duration::ZERO;
        } else {
            for failure in failed {
                tracing::warn!(
                    partition = ?failure.partition,
                    from = failure.from,
                    error = %failure.error,
                    "an upload failed; the partition's records are read again from the last committable offset"
                );
                self.context.offset(failure.partition, failure.from);
            }
            self.backoff = (self.backoff * 2).clamp(Duration::from_secs(1), MAX_BACKOFF);
            tokio::time::sleep(self.backoff).await;
        }
        if let Some(gauge) = &self.buffered_bytes {
            gauge.set(self.writers.buffered() as f64);
        }
    }
}

#[async_trait]
impl<B: Backend> SinkTask for ObjectStorageSinkTask<B> {
    async fn start(&mut self, context: Arc<dyn SinkTaskContext>) -> Result<()> {
        let settings = SinkSettings::new(SinkConfig::<B>::parse(context.configs())?)?;
        let store = settings.store.connect()?;
        check_reachable(store.as_ref(), &settings.naming.topics_dir).await?;
        let buffered_bytes = context.plugin_metrics().map(|metrics| {
            metrics.gauge("memory-max-bytes").set(settings.memory_max_bytes as f64);
            metrics.gauge("buffered-bytes")
        });
        self.running = Some(Running {
            context,
            writers: Writers::new(settings, store),
            buffered_bytes,
            backoff: Duration::ZERO,
        });
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        let Some(running) = self.running.as_mut() else {
            return Ok(());
        };
        let now = now_ms();
        for record in records {
            match running.writers.write(record, now) {
                Ok(_) => {}
                Err(err) if err.is_data() => {
                    running.context.report_errant(record, err);
                    running.writers.skip(record);
                }
                Err(err) => return Err(err),
            }
        }
        running.writers.tick(now);
        running.upload().await;
        Ok(())
    }

    async fn pre_commit(&mut self, offsets: CommitOffsets) -> Result<CommitOffsets> {
        let Some(running) = self.running.as_mut() else {
            return Ok(CommitOffsets::new());
        };
        running.writers.tick(now_ms());
        running.upload().await;
        Ok(running
            .writers
            .committable()
            .filter(|(partition, _)| offsets.contains_key(*partition))
            .map(|(partition, offset)| (partition.clone(), offset))
            .collect())
    }

    async fn close(&mut self, partitions: &[TopicPartition]) -> Result<()> {
        if let Some(running) = self.running.as_mut() {
            running.writers.close(partitions);
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(mut running) = self.running.take() {
            let assigned: Vec<TopicPartition> = running.context.assignment().into_iter().collect();
            running.writers.close(&assigned);
        }
        Ok(())
    }
}
