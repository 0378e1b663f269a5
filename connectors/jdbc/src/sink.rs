//! `io.confluent.connect.jdbc.JdbcSinkConnector`: writes records into tables.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::{ParsedConfig, Validator};
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, ConnectError, Connector, ConnectorContext, Result, SinkConnector, SinkRecord,
    SinkTask, SinkTaskContext,
};

use crate::config::{
    bool_key, connection_def, connection_settings, int_key, list_key, parse_with, string_key, validate_with,
};
use crate::driver::{self, Driver};
use crate::row::{Operation, PkMode, Row, RowMapping};
use crate::writer::{Writer, WriterSettings};

const INSERT_MODE: &str = "insert.mode";
const PK_MODE: &str = "pk.mode";
const PK_FIELDS: &str = "pk.fields";
const FIELDS_WHITELIST: &str = "fields.whitelist";
const AUTO_CREATE: &str = "auto.create";
const AUTO_EVOLVE: &str = "auto.evolve";
const DELETE_ENABLED: &str = "delete.enabled";
const TABLE_NAME_FORMAT: &str = "table.name.format";
const BATCH_SIZE: &str = "batch.size";
const MAX_RETRIES: &str = "max.retries";
const RETRY_BACKOFF: &str = "retry.backoff.ms";

fn config_def() -> ConfigDef {
    connection_def()
        .define(
            string_key(
                INSERT_MODE,
                "insert",
                "insert, upsert (insert or update by primary key) or update",
            )
            .validator(Validator::one_of(&["insert", "upsert", "update"])),
        )
        .define(
            string_key(
                PK_MODE,
                "none",
                "Where the primary key comes from: none, kafka, record_key, record_value",
            )
            .validator(Validator::one_of(&["none", "kafka", "record_key", "record_value"])),
        )
        .define(list_key(
            PK_FIELDS,
            "The primary key column names (their meaning depends on pk.mode)",
        ))
        .define(list_key(
            FIELDS_WHITELIST,
            "The record value fields to write; empty for all",
        ))
        .define(bool_key(
            AUTO_CREATE,
            false,
            "Create a missing table from the record schema (CREATE TABLE)",
        ))
        .define(bool_key(
            AUTO_EVOLVE,
            false,
            "Add missing columns to a table from the record schema (ALTER TABLE)",
        ))
        .define(bool_key(
            DELETE_ENABLED,
            false,
            "Delete the row of a tombstone record's key; needs pk.mode=record_key",
        ))
        .define(string_key(
            TABLE_NAME_FORMAT,
            "${topic}",
            "The table of a record; ${topic} is its topic",
        ))
        .define(int_key(BATCH_SIZE, 3000, 0, "Rows per INSERT statement at most"))
        .define(int_key(
            MAX_RETRIES,
            10,
            0,
            "How often a put that failed on the connection is retried",
        ))
        .define(int_key(RETRY_BACKOFF, 3000, 0, "Milliseconds before such a retry"))
}

/// The cross-key rules: deletes need keys from the record key; upserts and updates need a key.
fn checks(parsed: &ParsedConfig) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let pk_mode = parsed.string(PK_MODE).and_then(PkMode::parse);
    if parsed.boolean(DELETE_ENABLED) == Some(true) && pk_mode != Some(PkMode::RecordKey) {
        errors.push((
            DELETE_ENABLED.to_string(),
            "delete.enabled=true needs pk.mode=record_key".to_string(),
        ));
    }
    let insert_mode = parsed.string(INSERT_MODE).unwrap_or("insert");
    if insert_mode != "insert" && pk_mode == Some(PkMode::None) {
        errors.push((
            PK_MODE.to_string(),
            format!("insert.mode={insert_mode} needs a primary key: pk.mode cannot be none"),
        ));
    }
    errors
}

/// The sink connector: every task gets the same configuration.
#[derive(Default)]
pub struct JdbcSinkConnector {
    config: ConfigMap,
}

#[async_trait]
impl Connector for JdbcSinkConnector {
    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        validate_with(&config_def(), config, checks)
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        parse_with(&config_def(), &config, checks)?;
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
        let parsed = parse_with(&config_def(), context.configs(), checks)?;
        let write = match parsed.string(INSERT_MODE) {
            Some("upsert") => Operation::Upsert,
            Some("update") => Operation::Update,
            _ => Operation::Insert,
        };
        self.mapping = Some(RowMapping {
            pk_mode: parsed.string(PK_MODE).and_then(PkMode::parse).unwrap_or(PkMode::None),
            pk_fields: parsed.list(PK_FIELDS),
            fields: parsed.list(FIELDS_WHITELIST),
            table_format: parsed.string(TABLE_NAME_FORMAT).unwrap_or("${topic}").to_string(),
            write,
            delete_enabled: parsed.boolean(DELETE_ENABLED).unwrap_or(false),
        });
        self.writer = Some(Writer::new(WriterSettings {
            auto_create: parsed.boolean(AUTO_CREATE).unwrap_or(false),
            auto_evolve: parsed.boolean(AUTO_EVOLVE).unwrap_or(false),
            batch_size: parsed.int(BATCH_SIZE).unwrap_or(3000).max(1) as usize,
        }));
        self.max_retries = parsed.int(MAX_RETRIES).unwrap_or(10).max(0) as u32;
        self.retries_left = self.max_retries;
        self.backoff = Duration::from_millis(parsed.int(RETRY_BACKOFF).unwrap_or(3000).max(0) as u64);
        self.driver = Some(driver::connect(&connection_settings(&parsed, 2)).await?);
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
            Err(error) if error.is_retriable() => return Err(error),
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
