//! `io.confluent.connect.jdbc.JdbcSourceConnector`: reads tables (or one query) into topics.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::{ConfigValue, ParsedConfig, Validator};
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigKey, ConfigMap, ConfigType, Connector, ConnectorContext, Result, SourceConnector,
    SourceRecord, SourceTask, SourceTaskContext,
};
use tokio::time::Instant;

use crate::column::NumericMapping;
use crate::config::{
    connection_def, connection_settings, int_key, key, list_key, parse_with, string_key, validate_with,
};
use crate::driver::{self, Driver};
use crate::querier::{Mode, Querier, QuerySettings, QuerySource};

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
const TABLES: &str = "tables";

fn config_def() -> ConfigDef {
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

fn first_of(parsed: &ParsedConfig, key: &str, alias: &str) -> Vec<String> {
    let values = parsed.list(key);
    if values.is_empty() { parsed.list(alias) } else { values }
}

/// The cross-key rules: the column each mode needs, and tables or a query but not both.
fn checks(parsed: &ParsedConfig) -> Vec<(String, String)> {
    let mut errors = Vec::new();
    let mode = parsed.string(MODE).and_then(Mode::parse);
    let mut require = |key: &str, missing: bool, what: &str| {
        if missing {
            errors.push((key.to_string(), format!("{key} is required in {what} mode")));
        }
    };
    if let Some(mode) = mode {
        let no_incrementing = parsed.string(INCREMENTING_COLUMN).unwrap_or_default().is_empty();
        let no_timestamp = parsed.list(TIMESTAMP_COLUMN).is_empty();
        let name = parsed.string(MODE).unwrap_or_default();
        match mode {
            Mode::Incrementing => require(INCREMENTING_COLUMN, no_incrementing, name),
            Mode::Timestamp => require(TIMESTAMP_COLUMN, no_timestamp, name),
            Mode::TimestampIncrementing => {
                require(INCREMENTING_COLUMN, no_incrementing, name);
                require(TIMESTAMP_COLUMN, no_timestamp, name);
            }
            Mode::Bulk => {}
        }
    }
    let has_query = !parsed.string(QUERY).unwrap_or_default().is_empty();
    if has_query && !first_of(parsed, TABLE_WHITELIST, TABLE_INCLUDE_LIST).is_empty() {
        errors.push((
            QUERY.to_string(),
            "query and table.whitelist/table.include.list cannot both be set".to_string(),
        ));
    }
    errors
}

/// The tables to read: the include list, or every table of the database less the exclude list.
async fn find_tables(driver: &dyn Driver, parsed: &ParsedConfig) -> Result<Vec<String>> {
    let include = first_of(parsed, TABLE_WHITELIST, TABLE_INCLUDE_LIST);
    if !include.is_empty() {
        return Ok(include);
    }
    let exclude = first_of(parsed, TABLE_BLACKLIST, TABLE_EXCLUDE_LIST);
    let tables = driver.tables().await?;
    Ok(tables.into_iter().filter(|t| !exclude.contains(t)).collect())
}

/// The source connector: lists the tables and spreads them over the tasks; while running, checks
/// for new or removed tables every `table.poll.interval.ms`.
#[derive(Default)]
pub struct JdbcSourceConnector {
    config: ConfigMap,
    tables: Arc<Mutex<Vec<String>>>,
    monitor: Option<tokio::task::JoinHandle<()>>,
}

#[async_trait]
impl Connector for JdbcSourceConnector {
    fn config_def(&self) -> ConfigDef {
        config_def()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        validate_with(&config_def(), config, checks)
    }

    async fn start(&mut self, context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        let parsed = parse_with(&config_def(), &config, checks)?;
        self.config = config;
        if !parsed.string(QUERY).unwrap_or_default().is_empty() {
            return Ok(());
        }
        let driver = driver::connect(&connection_settings(&parsed, 1)).await?;
        let found = find_tables(driver.as_ref(), &parsed).await?;
        if found.is_empty() {
            tracing::warn!("no tables to read: the connector starts no task until a table appears");
        }
        *self.tables.lock().unwrap_or_else(|p| p.into_inner()) = found;
        let tables = self.tables.clone();
        let interval = Duration::from_millis(parsed.int(TABLE_POLL_INTERVAL).unwrap_or(60_000) as u64);
        self.monitor = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(interval).await;
                match find_tables(driver.as_ref(), &parsed).await {
                    Ok(now) => {
                        let mut known = tables.lock().unwrap_or_else(|p| p.into_inner());
                        if *known != now {
                            tracing::info!(tables = ?now, "the set of tables changed, reconfiguring the tasks");
                            *known = now;
                            context.request_task_reconfiguration();
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot list the tables"),
                }
            }
        }));
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        if !self.config.get(QUERY).is_none_or(String::is_empty) {
            return Ok(vec![self.config.clone()]);
        }
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let groups = max_tasks.clamp(1, tables.len().max(1));
        let per_group = tables.len().div_ceil(groups);
        Ok(tables
            .chunks(per_group.max(1))
            .map(|group| {
                let mut config = self.config.clone();
                config.insert(TABLES.to_string(), group.join(","));
                config
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(monitor) = self.monitor.take() {
            monitor.abort();
        }
        Ok(())
    }
}

impl SourceConnector for JdbcSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(JdbcSourceTask::default())
    }
}

/// A source task: polls its tables in turn.
#[derive(Default)]
pub struct JdbcSourceTask {
    driver: Option<Box<dyn Driver>>,
    settings: Option<QuerySettings>,
    poll_interval: Duration,
    /// Each querier with the time it may next query.
    queriers: Vec<(Querier, Instant)>,
    next: usize,
}

#[async_trait]
impl SourceTask for JdbcSourceTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let parsed = parse_with(&config_def(), context.configs(), checks)?;
        let prefix = parsed.string(TOPIC_PREFIX).unwrap_or_default().to_string();
        let query = parsed.string(QUERY).unwrap_or_default();
        let sources: Vec<(QuerySource, String)> = if query.is_empty() {
            parsed
                .string(TABLES)
                .unwrap_or_default()
                .split(',')
                .filter(|t| !t.is_empty())
                .map(|table| (QuerySource::Table(table.to_string()), format!("{prefix}{table}")))
                .collect()
        } else {
            vec![(QuerySource::Query(query.to_string()), prefix)]
        };
        let now = Instant::now();
        self.queriers = sources
            .into_iter()
            .map(|(source, topic)| (Querier::new(source, topic, context.offset_storage_reader()), now))
            .collect();
        self.settings = Some(QuerySettings {
            mode: parsed.string(MODE).and_then(Mode::parse).unwrap_or(Mode::Bulk),
            incrementing_column: parsed.string(INCREMENTING_COLUMN).unwrap_or_default().to_string(),
            timestamp_column: parsed.list(TIMESTAMP_COLUMN).into_iter().next().unwrap_or_default(),
            batch_max_rows: parsed.int(BATCH_MAX_ROWS).unwrap_or(100).max(1) as usize,
            delay_ms: parsed.long(TIMESTAMP_DELAY).unwrap_or(0),
            numeric_mapping: NumericMapping::parse(parsed.string(NUMERIC_MAPPING).unwrap_or_default()),
        });
        self.poll_interval = Duration::from_millis(parsed.int(POLL_INTERVAL).unwrap_or(5000) as u64);
        self.driver = Some(driver::connect(&connection_settings(&parsed, 1)).await?);
        Ok(())
    }

    /// Returns fetched rows of the next table that has some, querying a table whose wait is over
    /// when none has; a table whose query came back short waits `poll.interval.ms`.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let (Some(driver), Some(settings)) = (self.driver.as_deref(), self.settings.as_ref()) else {
            return Ok(Vec::new());
        };
        if self.queriers.is_empty() {
            tokio::time::sleep(self.poll_interval).await;
            return Ok(Vec::new());
        }
        let count = self.queriers.len();
        if let Some((querier, _)) = self.queriers.iter_mut().find(|(q, _)| q.has_pending()) {
            return querier.take(settings.batch_max_rows, settings).await;
        }
        let index = (0..count)
            .map(|i| (self.next + i) % count)
            .min_by_key(|i| self.queriers[*i].1)
            .unwrap_or(0);
        self.next = (index + 1) % count;
        let (querier, due) = &mut self.queriers[index];
        tokio::time::sleep_until(*due).await;
        let fetched = querier.fetch(driver, settings).await?;
        let full = settings.mode != Mode::Bulk && fetched >= settings.batch_max_rows;
        *due = if full {
            Instant::now()
        } else {
            Instant::now() + self.poll_interval
        };
        querier.take(settings.batch_max_rows, settings).await
    }

    async fn stop(&mut self) -> Result<()> {
        // A bulk read still under way holds a connection: drop it before closing them.
        self.queriers.clear();
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
    fn validation_names_the_key_each_mode_needs() {
        let infos = JdbcSourceConnector::default().validate(&config(&[
            ("connection.url", "jdbc:postgresql://localhost/test"),
            ("mode", "timestamp+incrementing"),
            ("topic.prefix", "db-"),
        ]));
        assert_eq!(
            errors(&infos),
            [
                "incrementing.column.name: incrementing.column.name is required in timestamp+incrementing mode",
                "timestamp.column.name: timestamp.column.name is required in timestamp+incrementing mode",
            ]
        );
    }

    #[test]
    fn validation_rejects_unknown_databases_and_modes() {
        let infos = JdbcSourceConnector::default().validate(&config(&[
            ("connection.url", "jdbc:oracle:thin:@db"),
            ("mode", "sometimes"),
            ("topic.prefix", "db-"),
        ]));
        assert_eq!(infos.error_count, 2, "{:?}", errors(&infos));
    }
}
