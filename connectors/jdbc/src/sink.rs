//! `io.confluent.connect.jdbc.JdbcSinkConnector`: writes records into tables.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, ConnectError, Connector, ConnectorContext, Result, SinkConnector, SinkRecord,
    SinkTask, SinkTaskContext,
};

use crate::config::sink::SinkConfig;
use crate::driver::{self, Driver};
use crate::row::{Row, RowMapping};
use crate::writer::Writer;

/// The sink connector: every task gets the same configuration.
#[derive(Default)]
pub struct JdbcSinkConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for JdbcSinkConnector {
    fn config_def(&self) -> ConfigDef {
        SinkConfig::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        SinkConfig::validate(config)
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        SinkConfig::parse(&config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(vec![self.config.clone(); max_tasks.max(1)])
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl SinkConnector for JdbcSinkConnector {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(JdbcSinkTask::default())
    }
}

/// A sink task: each put is one transaction. When it fails on a record (a constraint, a type,
/// a missing table), the records are written one by one and each that fails is reported through
/// the errant record reporter, so `errors.*` decides: dead letter queue, log, or fail the task.
#[derive(Default)]
pub struct JdbcSinkTask {
    context: Option<Arc<dyn SinkTaskContext>>,
    driver: Option<Box<dyn Driver>>,
    mapping: Option<RowMapping>,
    writer: Option<Writer>,
    max_retries: u32,
    retries_left: u32,
    backoff: Duration,
}

impl JdbcSinkTask {
    fn report(&self, record: &SinkRecord, error: ConnectError) {
        tracing::warn!(topic = %record.topic, offset = record.kafka_offset, %error, "record not written");
        if let Some(context) = &self.context {
            context.report_errant(record, error);
        }
    }
}

#[async_trait]
impl SinkTask for JdbcSinkTask {
    async fn start(&mut self, context: Arc<dyn SinkTaskContext>) -> Result<()> {
        let config = SinkConfig::parse(context.configs())?;
        self.mapping = Some(config.mapping);
        self.writer = Some(Writer::new(config.writer));
        self.max_retries = config.max_retries;
        self.retries_left = self.max_retries;
        self.backoff = config.retry_backoff;
        self.driver = Some(driver::connect(&config.connection).await?);
        self.context = Some(context);
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        let (Some(driver), Some(mapping)) = (self.driver.as_deref(), self.mapping.as_ref()) else {
            return Err(ConnectError::Fatal("the JDBC sink task was not started".into()));
        };
        let mut rows: Vec<(&SinkRecord, Row)> = Vec::with_capacity(records.len());
        let mut bad = Vec::new();
        for record in records {
            match mapping.row(record) {
                Ok(Some(row)) => rows.push((record, row)),
                Ok(None) => {}
                Err(error) => bad.push((record, error)),
            }
        }
        for (record, error) in bad {
            self.report(record, error);
        }
        let writer = self.writer.as_mut().expect("started");
        let all: Vec<&Row> = rows.iter().map(|(_, row)| row).collect();
        let started = std::time::Instant::now();
        match writer.write(driver, &all).await {
            Ok(()) => {
                tracing::debug!(rows = all.len(), elapsed = ?started.elapsed(), "put written in one transaction");
                self.retries_left = self.max_retries;
                return Ok(());
            }
            Err(error) if error.is_retriable() && self.retries_left > 0 => {
                self.retries_left -= 1;
                tracing::warn!(%error, retries_left = self.retries_left, "write failed, retrying");
                if let Some(context) = &self.context {
                    context.timeout(self.backoff);
                }
                return Err(error);
            }
            Err(error) if error.is_retriable() => {
                self.retries_left = self.max_retries;
                return Err(ConnectError::Fatal(format!(
                    "{error} (still failing after max.retries={} retries)",
                    self.max_retries
                )));
            }
            Err(error) => tracing::warn!(%error, "batch write failed, writing the records one by one"),
        }
        writer.forget_tables();
        let mut failed = Vec::new();
        for (record, row) in &rows {
            if let Err(error) = writer.write(driver, &[row]).await {
                if error.is_retriable() {
                    return Err(error);
                }
                failed.push((*record, error));
            }
        }
        for (record, error) in failed {
            self.report(record, error);
        }
        Ok(())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(driver) = self.driver.take() {
            driver.close().await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::{config, errors};

    #[test]
    fn deletes_need_the_record_key_and_upserts_a_key() {
        let infos = JdbcSinkConnector::default().validate(&config(&[
            ("connection.url", "jdbc:sqlite:/tmp/x.db"),
            ("insert.mode", "upsert"),
            ("delete.enabled", "true"),
        ]));
        assert_eq!(
            errors(&infos),
            [
                "pk.mode: insert.mode=upsert needs a primary key: pk.mode cannot be none",
                "delete.enabled: delete.enabled=true needs pk.mode=record_key",
            ]
        );
    }
}
