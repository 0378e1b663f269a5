//! `io.debezium.connector.postgresql.PostgresConnector`: one task, which captures the database's
//! changes in the background and hands them over at each poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{Result, SourceRecord, SourceTask, SourceTaskContext};
use kconnect_cdc::connector::CdcConnector;
use kconnect_cdc::pump::Pump;

use crate::capture::Capture;
use crate::config::PostgresCdcConfig;
use crate::offsets::Position;

/// The connector: validates Debezium's keys and runs one task, as Debezium's PostgreSQL connector.
pub type PostgresCdcConnector = CdcConnector<PostgresCdcConfig>;

/// The task: polls what its capture produced, and tells it what Kafka has committed.
#[derive(Default)]
pub struct PostgresCdcTask {
    config: Option<PostgresCdcConfig>,
    context: Option<Arc<dyn SourceTaskContext>>,
    pump: Pump,
    confirmed: Arc<AtomicU64>,
}

impl PostgresCdcTask {
    fn committed(&self) -> Option<Position> {
        Position::of(self.pump.committed().as_ref())
    }

    /// Starts a capture from where the task left off.
    fn start_capture(&mut self, config: &PostgresCdcConfig) {
        let position = Position::of(self.pump.resume_point().as_ref());
        let slot_lag = self
            .context
            .as_ref()
            .and_then(|context| context.plugin_metrics())
            .map(|metrics| metrics.gauge("slot-lag-bytes"));
        let (config, confirmed) = (config.clone(), self.confirmed.clone());
        self.pump.start(config.common.max_queue_size, move |outbox| {
            Capture {
                config,
                position,
                outbox,
                confirmed,
                slot_lag,
            }
            .capture()
        });
    }
}

#[async_trait]
impl SourceTask for PostgresCdcTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = PostgresCdcConfig::parse(context.configs())?;
        self.pump.attach(context.clone(), &config.common.topic_prefix);
        self.context = Some(context);
        if let Some(position) = self.committed() {
            self.confirmed.store(position.flushable(), Ordering::Relaxed);
        }
        self.start_capture(&config);
        self.config = Some(config);
        Ok(())
    }

    /// Up to `max.batch.size` records, waiting at most `poll.interval.ms` for the first.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let Some(config) = self.config.clone() else {
            return Ok(Vec::new());
        };
        if self.pump.due_for_restart().await {
            self.start_capture(&config);
        }
        self.pump
            .poll(config.common.poll_interval, config.common.max_batch_size)
            .await
    }

    /// Lets the server forget the WAL before the last committed event.
    async fn commit(&mut self) -> Result<()> {
        if let Some(position) = self.committed() {
            self.confirmed.fetch_max(position.flushable(), Ordering::Relaxed);
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        self.pump.stop().await;
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
