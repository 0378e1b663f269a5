//! `io.debezium.connector.postgresql.PostgresConnector`: one task, which captures the database's
//! changes in the background and hands them over at each poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, ConnectError, Connector, ConnectorContext, OffsetMap, Result, SourceConnector,
    SourceRecord, SourceTask, SourceTaskContext,
};
use tokio::sync::mpsc;

use crate::capture::Capture;
use crate::config::PostgresCdcConfig;
use crate::offsets::{self, Position};

/// The connector: validates Debezium's keys and runs one task, as Debezium's PostgreSQL connector.
#[derive(Debug, Default)]
pub struct PostgresCdcConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for PostgresCdcConnector {
    fn config_def(&self) -> ConfigDef {
        PostgresCdcConfig::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        PostgresCdcConfig::validate(config)
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        PostgresCdcConfig::parse(&config)?;
        self.config = config;
        Ok(())
    }

    /// One task: a replication slot has one reader.
    fn task_configs(&self, _max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(vec![self.config.clone()])
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SourceConnector for PostgresCdcConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(PostgresCdcTask::default())
    }
}

/// The shortest and longest wait before a failed capture (a database restart, a dropped
/// connection) starts again.
const RETRY_BACKOFF: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(30));

/// The task: polls what its capture produced, and tells it what Kafka has committed. A capture
/// that fails on something passing starts again after a back-off, resuming after the last record
/// polled.
#[derive(Default)]
pub struct PostgresCdcTask {
    config: Option<PostgresCdcConfig>,
    context: Option<Arc<dyn SourceTaskContext>>,
    partition: OffsetMap,
    records: Option<mpsc::Receiver<Result<SourceRecord>>>,
    capture: Option<tokio::task::JoinHandle<()>>,
    confirmed: Arc<AtomicU64>,
    /// The offset of the last record polled: where a capture started again resumes.
    last_polled: Option<OffsetMap>,
    /// When the next capture may start, and the wait after it, after a failure.
    retry: Option<(tokio::time::Instant, Duration)>,
}

impl PostgresCdcTask {
    fn committed(&self) -> Option<Position> {
        let context = self.context.as_ref()?;
        Position::of(context.offset_storage_reader().offset(&self.partition).as_ref())
    }

    /// Starts a capture resuming after `position`.
    fn start_capture(&mut self, config: &PostgresCdcConfig, position: Option<Position>) {
        let (sender, receiver) = mpsc::channel(config.max_queue_size);
        let slot_lag = self
            .context
            .as_ref()
            .and_then(|context| context.plugin_metrics())
            .map(|metrics| metrics.gauge("slot-lag-bytes"));
        let capture = Capture {
            config: config.clone(),
            position,
            records: sender,
            confirmed: self.confirmed.clone(),
            slot_lag,
        };
        self.capture = Some(tokio::spawn(capture.run()));
        self.records = Some(receiver);
    }

    /// Ends the capture after `error` and schedules the next, or fails the task on a fatal one.
    fn capture_failed(&mut self, error: ConnectError) -> Result<Vec<SourceRecord>> {
        if !error.is_retriable() {
            return Err(error);
        }
        if let Some(capture) = self.capture.take() {
            capture.abort();
        }
        self.records = None;
        let wait = self
            .retry
            .map_or(RETRY_BACKOFF.0, |(_, wait)| (wait * 2).min(RETRY_BACKOFF.1));
        tracing::warn!(%error, ?wait, "the capture failed; starting it again");
        self.retry = Some((tokio::time::Instant::now() + wait, wait));
        Ok(Vec::new())
    }
}

#[async_trait]
impl SourceTask for PostgresCdcTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = PostgresCdcConfig::parse(context.configs())?;
        self.partition = offsets::partition(&config.topic_prefix);
        self.context = Some(context);
        let position = self.committed();
        if let Some(position) = &position {
            self.confirmed.store(position.flushable(), Ordering::Relaxed);
            tracing::info!(?position, "resuming from the committed offset");
        }
        self.start_capture(&config, position);
        self.config = Some(config);
        Ok(())
    }

    /// Up to `max.batch.size` records, waiting at most `poll.interval.ms` for the first.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let Some(config) = self.config.clone() else {
            return Ok(Vec::new());
        };
        if self.records.is_none() {
            if let Some((at, _)) = self.retry {
                tokio::time::sleep_until(at).await;
            }
            let position = Position::of(self.last_polled.as_ref()).or_else(|| self.committed());
            self.start_capture(&config, position);
        }
        let records = self.records.as_mut().expect("a capture runs");
        let first = match tokio::time::timeout(config.poll_interval, records.recv()).await {
            Err(_) => return Ok(Vec::new()),
            Ok(None) => return self.capture_failed(ConnectError::Retriable("the capture ended".into())),
            Ok(Some(Err(error))) => return self.capture_failed(error),
            Ok(Some(Ok(record))) => record,
        };
        let mut batch = vec![first];
        let mut failed = None;
        while batch.len() < config.max_batch_size {
            match records.try_recv() {
                Ok(Ok(record)) => batch.push(record),
                Ok(Err(error)) => {
                    failed = Some(error);
                    break;
                }
                Err(_) => break,
            }
        }
        self.retry = None;
        self.last_polled = batch.last().map(|record| record.source_offset.clone());
        if let Some(error) = failed {
            self.capture_failed(error)?;
        }
        Ok(batch)
    }

    /// Lets the server forget the WAL before the last committed event.
    async fn commit(&mut self) -> Result<()> {
        if let Some(position) = self.committed() {
            self.confirmed.fetch_max(position.flushable(), Ordering::Relaxed);
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        self.records = None;
        if let Some(capture) = self.capture.take() {
            capture.abort();
            let _ = capture.await;
        }
        if let Some(config) = self.config.as_ref().filter(|c| c.slot_drop_on_stop) {
            let mut sql = crate::client::connect_sql(&config.connection).await?;
            // The replication session may take a moment to end and release the slot.
            for _ in 0..50 {
                if crate::client::drop_slot(&mut sql, &config.slot_name).await.is_ok() {
                    tracing::info!(slot = %config.slot_name, "dropped the replication slot");
                    break;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        Ok(())
    }
}
