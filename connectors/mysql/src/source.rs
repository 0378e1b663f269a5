//! `io.debezium.connector.mysql.MySqlConnector` and `io.debezium.connector.mariadb.MariaDbConnector`:
//! one task, which captures the server's changes in the background and hands them over at each
//! poll.

use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::{Result, SourceRecord, SourceTask, SourceTaskContext};
use kconnect_cdc::connector::CdcConnector;
use kconnect_cdc::pump::Pump;

use crate::capture::Capture;
use crate::config::{Flavor, MySqlCdcConfig};
use crate::offsets::Position;

/// The connector: validates Debezium's keys and runs one task, as Debezium's MySQL connector.
pub type MySqlCdcConnector = CdcConnector<MySqlCdcConfig>;

/// The connector written for `flavor`'s servers.
pub fn connector(flavor: Flavor) -> MySqlCdcConnector {
    CdcConnector::new(move || {
        Box::new(MySqlCdcTask {
            flavor,
            ..MySqlCdcTask::default()
        })
    })
}

/// The task: polls what its capture produced; a capture that failed on something passing starts
/// again after a back-off, from the last record polled.
#[derive(Default)]
pub struct MySqlCdcTask {
    flavor: Flavor,
    config: Option<MySqlCdcConfig>,
    pump: Pump,
}

impl MySqlCdcTask {
    /// Starts a capture from where the task left off.
    fn start_capture(&mut self, config: &MySqlCdcConfig) {
        let position = Position::of(self.pump.resume_point().as_ref());
        let config = config.clone();
        self.pump.start(config.common.max_queue_size, move |outbox| {
            Capture {
                config,
                position,
                outbox,
            }
            .capture()
        });
    }
}

#[async_trait]
impl SourceTask for MySqlCdcTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = MySqlCdcConfig::parse_for(self.flavor, context.configs())?;
        self.pump.attach(context, &config.common.topic_prefix);
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

    async fn stop(&mut self) -> Result<()> {
        self.pump.stop().await;
        Ok(())
    }
}
