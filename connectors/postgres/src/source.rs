//! `io.debezium.connector.postgresql.PostgresConnector`: one task, which captures the database's
//! changes in the background and hands them over at each poll.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use futures::future::BoxFuture;
use kconnect_api::config::PluginConfig;
use kconnect_api::metrics::Gauge;
use kconnect_api::{OffsetMap, Result, SourceTaskContext};
use kconnect_cdc::config::CommonConfig;
use kconnect_cdc::connector::CdcConnector;
use kconnect_cdc::pump::Outbox;
use kconnect_cdc::task::{Capturing, CdcTask};

use crate::capture::Capture;
use crate::config::PostgresCdcConfig;
use crate::offsets::Position;

/// The connector: validates Debezium's keys and runs one task, as Debezium's PostgreSQL connector.
pub type PostgresCdcConnector = CdcConnector<PostgresCdcConfig>;

/// The task: captures the database's changes, and tells the slot what Kafka has committed.
pub type PostgresCdcTask = CdcTask<PostgresCapturing>;

/// What a PostgreSQL task runs: its capture, the LSN up to which Kafka has its events (the slot's
/// confirmed position), and where the slot's lag is reported.
#[derive(Default)]
pub struct PostgresCapturing {
    confirmed: Arc<AtomicU64>,
    slot_lag: Option<Arc<Gauge>>,
}

#[async_trait]
impl Capturing for PostgresCapturing {
    type Config = PostgresCdcConfig;
    type Capture = BoxFuture<'static, Result<()>>;

    fn configure(&mut self, context: &Arc<dyn SourceTaskContext>) -> Result<PostgresCdcConfig> {
        self.slot_lag = context.plugin_metrics().map(|metrics| metrics.gauge("slot-lag-bytes"));
        PostgresCdcConfig::parse(context.configs())
    }

    fn common(config: &PostgresCdcConfig) -> &CommonConfig {
        &config.common
    }

    fn capture(&self, config: PostgresCdcConfig, resume: Option<OffsetMap>, outbox: Outbox) -> Self::Capture {
        Capture {
            config,
            position: Position::of(resume.as_ref()),
            outbox,
            confirmed: self.confirmed.clone(),
            slot_lag: self.slot_lag.clone(),
        }
        .capture()
        .boxed()
    }

    /// Lets the server forget the WAL before the last committed event.
    fn committed(&self, offset: Option<OffsetMap>) {
        if let Some(position) = Position::of(offset.as_ref()) {
            self.confirmed.fetch_max(position.flushable(), Ordering::Relaxed);
        }
    }

    /// Drops the slot when `slot.drop.on.stop` says so.
    async fn stopped(&self, config: &PostgresCdcConfig) -> Result<()> {
        if !config.slot_drop_on_stop {
            return Ok(());
        }
        let mut sql = crate::client::connect_sql(&config.connection).await?;
        // The replication session may take a moment to end and release the slot.
        for _ in 0..50 {
            if crate::client::drop_slot(&mut sql, &config.slot_name).await.is_ok() {
                tracing::info!(slot = %config.slot_name, "dropped the replication slot");
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Ok(())
    }
}
