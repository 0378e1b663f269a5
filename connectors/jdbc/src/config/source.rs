//! The source's keys, named and defaulted as the Confluent JDBC source's, and the typed
//! configuration its connector checks and its tasks are handed.

use std::time::Duration;

use kconnect_api::config::{ConfigValue, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConfigKey, ConfigType, Result};

use super::{connection_def, connection_settings, enumerated, int_key, key, list_key, string_key};
use crate::column::NumericMapping;
use crate::driver::ConnectionSettings;
use crate::querier::{Mode, QuerySettings};

const MODE: &str = "mode";
const TABLE_WHITELIST: &str = "table.whitelist";
const TABLE_INCLUDE_LIST: &str = "table.include.list";
const TABLE_BLACKLIST: &str = "table.blacklist";
const TABLE_EXCLUDE_LIST: &str = "table.exclude.list";
const INCREMENTING_COLUMN: &str = "incrementing.column.name";
const TIMESTAMP_COLUMN: &str = "timestamp.column.name";
const QUERY: &str = "query";
const POLL_INTERVAL: &str = "poll.interval.ms";
const BATCH_MAX_ROWS: &str = "batch.max.rows";
const TOPIC_PREFIX: &str = "topic.prefix";
const TABLE_POLL_INTERVAL: &str = "table.poll.interval.ms";
const NUMERIC_MAPPING: &str = "numeric.mapping";
const TIMESTAMP_DELAY: &str = "timestamp.delay.interval.ms";
/// The task key listing a task's tables, as the Confluent connector names it.
pub(crate) const TABLES: &str = "tables";
/// How many connections the source's connector and each of its tasks open.
const SOURCE_CONNECTIONS: u32 = 1;

fn definition() -> ConfigDef {
    connection_def()
        .define(
            ConfigKey::new(MODE, ConfigType::String)
                .validator(Validator::one_of(&[
                    "bulk",
                    "incrementing",
                    "timestamp",
                    "timestamp+incrementing",
                ]))
                .doc("How new rows are found: bulk (every row at every poll), incrementing, timestamp or timestamp+incrementing"),
        )
        .define(list_key(TABLE_WHITELIST, "Tables to read; empty for every table. Alias of table.include.list"))
        .define(list_key(TABLE_INCLUDE_LIST, "Tables to read; empty for every table"))
        .define(list_key(TABLE_BLACKLIST, "Tables not to read. Alias of table.exclude.list"))
        .define(list_key(TABLE_EXCLUDE_LIST, "Tables not to read"))
        .define(string_key(INCREMENTING_COLUMN, "", "A strictly increasing integer column, for the incrementing modes"))
        .define(list_key(TIMESTAMP_COLUMN, "The timestamp column of the timestamp modes (the first one named is used)"))
        .define(string_key(QUERY, "", "A custom query to run instead of reading tables; the mode's WHERE clause is added after it"))
        .define(int_key(POLL_INTERVAL, 5000, 1, "Milliseconds between polls of a table that had no new rows"))
        .define(int_key(BATCH_MAX_ROWS, 100, 1, "Rows returned per poll, and per query in the incrementing modes"))
        .define(
            ConfigKey::new(TOPIC_PREFIX, ConfigType::String)
                .doc("Prefix of the topic names: the topic of a table is prefix + table name; with query, the topic is the prefix"),
        )
        .define(int_key(TABLE_POLL_INTERVAL, 60_000, 1, "Milliseconds between checks for new or removed tables"))
        .define(
            string_key(NUMERIC_MAPPING, "none", "How NUMERIC columns map: none (Decimal), precision_only, best_fit")
                .validator(Validator::one_of(&["none", "precision_only", "best_fit", "best_fit_eager_double"])),
        )
        .define(key(
            TIMESTAMP_DELAY,
            ConfigType::Long,
            ConfigValue::Long(0),
            "Milliseconds a row's timestamp must be in the past before it is read, for transactions still in flight",
        ))
        .define(string_key(TABLES, "", "The tables of one task (set by the connector)"))
}

/// The list under `key`, else the one under its older name `alias`.
fn first_of(parsed: &ParsedConfig, key: &str, alias: &str) -> Vec<String> {
    let values = parsed.list(key);
    if values.is_empty() { parsed.list(alias) } else { values }
}

/// The JDBC source's configuration.
#[derive(Debug, Clone)]
pub(crate) struct SourceConfig {
    /// Where to read.
    pub connection: ConnectionSettings,
    /// The tables to read (`table.whitelist`, else `table.include.list`); empty for all.
    pub include: Vec<String>,
    /// The tables not to read (`table.blacklist`, else `table.exclude.list`).
    pub exclude: Vec<String>,
    /// The custom query; empty when tables are read.
    pub query: String,
    /// `topic.prefix`.
    pub topic_prefix: String,
    /// The tables of one task, as the connector hands them out.
    pub task_tables: Vec<String>,
    /// What every querier of a task shares.
    pub query_settings: QuerySettings,
    /// `poll.interval.ms`.
    pub poll_interval: Duration,
    /// `table.poll.interval.ms`.
    pub table_poll_interval: Duration,
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        definition()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            connection: connection_settings(parsed, SOURCE_CONNECTIONS)?,
            include: first_of(parsed, TABLE_WHITELIST, TABLE_INCLUDE_LIST),
            exclude: first_of(parsed, TABLE_BLACKLIST, TABLE_EXCLUDE_LIST),
            query: parsed.get_string(QUERY)?.to_string(),
            topic_prefix: parsed.get_string(TOPIC_PREFIX)?.to_string(),
            task_tables: parsed
                .get_string(TABLES)?
                .split(',')
                .filter(|t| !t.is_empty())
                .map(str::to_string)
                .collect(),
            query_settings: QuerySettings {
                mode: enumerated(parsed, MODE, Mode::parse)?,
                incrementing_column: parsed.get_string(INCREMENTING_COLUMN)?.to_string(),
                timestamp_column: parsed.list(TIMESTAMP_COLUMN).into_iter().next().unwrap_or_default(),
                batch_max_rows: parsed.get_int(BATCH_MAX_ROWS)?.max(1) as usize,
                delay_ms: parsed.get_long(TIMESTAMP_DELAY)?,
                numeric_mapping: NumericMapping::parse(parsed.get_string(NUMERIC_MAPPING)?),
            },
            poll_interval: parsed.get_millis(POLL_INTERVAL)?,
            table_poll_interval: parsed.get_millis(TABLE_POLL_INTERVAL)?,
        })
    }

    /// The column each mode needs, and tables or a query but not both.
    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        let settings = &self.query_settings;
        let name = settings.mode.name();
        let mut needed = Vec::new();
        if settings.mode.uses_incrementing() && settings.incrementing_column.is_empty() {
            needed.push(INCREMENTING_COLUMN);
        }
        if settings.mode.uses_timestamp() && settings.timestamp_column.is_empty() {
            needed.push(TIMESTAMP_COLUMN);
        }
        let mut errors: Vec<_> = needed
            .into_iter()
            .map(|key| (key, format!("{key} is required in {name} mode")))
            .collect();
        if !self.query.is_empty() && !self.include.is_empty() {
            errors.push((
                QUERY,
                "query and table.whitelist/table.include.list cannot both be set".to_string(),
            ));
        }
        errors
    }
}
