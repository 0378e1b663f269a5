//! The sink's keys, named and defaulted as the Confluent JDBC sink's, and the typed configuration
//! its connector checks and its tasks are handed.

use std::time::Duration;

use kconnect_api::config::{ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, Result};

use super::{bool_key, connection_def, connection_settings, enumerated, int_key, list_key, string_key};
use crate::driver::ConnectionSettings;
use crate::row::{Operation, PkMode, RowMapping};
use crate::writer::WriterSettings;

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
/// How many connections a sink task's pool may open.
const SINK_CONNECTIONS: u32 = 2;

fn definition() -> ConfigDef {
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

fn operation(name: &str) -> Option<Operation> {
    match name {
        "insert" => Some(Operation::Insert),
        "upsert" => Some(Operation::Upsert),
        "update" => Some(Operation::Update),
        _ => None,
    }
}

/// The JDBC sink's configuration.
#[derive(Debug, Clone)]
pub(crate) struct SinkConfig {
    /// Where to write.
    pub connection: ConnectionSettings,
    /// How records become rows.
    pub mapping: RowMapping,
    /// How rows are written.
    pub writer: WriterSettings,
    /// `max.retries`.
    pub max_retries: u32,
    /// `retry.backoff.ms`.
    pub retry_backoff: Duration,
}

impl PluginConfig for SinkConfig {
    fn definition() -> ConfigDef {
        definition()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            connection: connection_settings(parsed, SINK_CONNECTIONS)?,
            mapping: RowMapping {
                pk_mode: enumerated(parsed, PK_MODE, PkMode::parse)?,
                pk_fields: parsed.list(PK_FIELDS),
                fields: parsed.list(FIELDS_WHITELIST),
                table_format: parsed.get_string(TABLE_NAME_FORMAT)?.to_string(),
                write: enumerated(parsed, INSERT_MODE, operation)?,
                delete_enabled: parsed.get_boolean(DELETE_ENABLED)?,
            },
            writer: WriterSettings {
                auto_create: parsed.get_boolean(AUTO_CREATE)?,
                auto_evolve: parsed.get_boolean(AUTO_EVOLVE)?,
                batch_size: parsed.get_int(BATCH_SIZE)?.max(1) as usize,
            },
            max_retries: parsed.get_int(MAX_RETRIES)?.max(0) as u32,
            retry_backoff: parsed.get_millis(RETRY_BACKOFF)?,
        })
    }

    /// Deletes need keys from the record key; upserts and updates need a key.
    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        let mut errors = Vec::new();
        let mapping = &self.mapping;
        if mapping.delete_enabled && mapping.pk_mode != PkMode::RecordKey {
            errors.push((
                DELETE_ENABLED,
                "delete.enabled=true needs pk.mode=record_key".to_string(),
            ));
        }
        if mapping.write != Operation::Insert && mapping.pk_mode == PkMode::None {
            let mode = if mapping.write == Operation::Upsert {
                "upsert"
            } else {
                "update"
            };
            errors.push((
                PK_MODE,
                format!("insert.mode={mode} needs a primary key: pk.mode cannot be none"),
            ));
        }
        errors
    }
}
