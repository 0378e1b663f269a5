//! The keys every Debezium relational connector shares, named and defaulted as Debezium 3.0's,
//! declared once and read into [`CommonConfig`]; each connector adds its own beside them.

use std::time::Duration;

use kconnect_api::config::{ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, ConfigKey, ConfigType, ConnectError, Result};

use crate::filters::{ColumnFilter, MessageKeys, TableFilter, patterns};
use crate::modes::{BinaryMode, DecimalMode, SnapshotMode, TimePrecision};

/// `topic.prefix`: the logical server name every topic starts with, and the source partition.
pub const TOPIC_PREFIX: &str = "topic.prefix";
const TABLE_INCLUDE: &str = "table.include.list";
const TABLE_EXCLUDE: &str = "table.exclude.list";
const COLUMN_INCLUDE: &str = "column.include.list";
const COLUMN_EXCLUDE: &str = "column.exclude.list";
const MESSAGE_KEY_COLUMNS: &str = "message.key.columns";
const SKIP_UNCHANGED: &str = "skip.messages.without.change";
const SNAPSHOT_MODE: &str = "snapshot.mode";
const SNAPSHOT_FETCH_SIZE: &str = "snapshot.fetch.size";
const SNAPSHOT_MAX_THREADS: &str = "snapshot.max.threads";
const TOMBSTONES_ON_DELETE: &str = "tombstones.on.delete";
const DECIMAL_HANDLING: &str = "decimal.handling.mode";
const TIME_PRECISION: &str = "time.precision.mode";
const BINARY_HANDLING: &str = "binary.handling.mode";
const MAX_BATCH_SIZE: &str = "max.batch.size";
const MAX_QUEUE_SIZE: &str = "max.queue.size";
const POLL_INTERVAL: &str = "poll.interval.ms";
const HEARTBEAT_INTERVAL: &str = "heartbeat.interval.ms";
const HEARTBEAT_ACTION_QUERY: &str = "heartbeat.action.query";
const HEARTBEAT_TOPIC_PREFIX: &str = "topic.heartbeat.prefix";
const SIGNAL_TABLE: &str = "signal.data.collection";
const TRANSACTION_METADATA: &str = "provide.transaction.metadata";
const TRANSACTION_TOPIC: &str = "topic.transaction";
const INCREMENTAL_CHUNK: &str = "incremental.snapshot.chunk.size";

/// What differs between connectors in the shared keys: what a connector calls the namespace its
/// tables live in, which namespaces are the server's, and the time precision modes it offers.
#[derive(Debug, Clone, Copy)]
pub struct Dialect {
    /// `schema` (PostgreSQL) or `database` (MySQL, MariaDB).
    pub noun: &'static str,
    /// The namespace include list's key.
    pub include_key: &'static str,
    /// The namespace exclude list's key.
    pub exclude_key: &'static str,
    /// The server's own namespaces, never captured.
    pub system: &'static [&'static str],
    /// What the binary handling mode applies to, for its documentation (`bytea`, `BLOB`…).
    pub binary_types: &'static str,
    /// The `time.precision.mode` names the connector takes, its default first.
    pub time_precisions: &'static [&'static str],
}

/// The configuration every Debezium relational connector shares.
#[derive(Debug, Clone)]
pub struct CommonConfig {
    /// `topic.prefix`.
    pub topic_prefix: String,
    /// The tables captured.
    pub tables: TableFilter,
    /// `column.include.list` / `column.exclude.list`: the columns in events' rows.
    pub columns: ColumnFilter,
    /// `message.key.columns`: the columns that key a table's events instead of its primary key.
    pub message_keys: MessageKeys,
    /// `skip.messages.without.change`.
    pub skip_unchanged: bool,
    /// `snapshot.mode`.
    pub snapshot_mode: SnapshotMode,
    /// `snapshot.fetch.size`: the rows of one chunk of a table.
    pub snapshot_fetch_size: usize,
    /// `snapshot.max.threads`: tables read at once.
    pub snapshot_max_threads: usize,
    /// `tombstones.on.delete`.
    pub tombstones_on_delete: bool,
    /// `decimal.handling.mode`.
    pub decimals: DecimalMode,
    /// `time.precision.mode`.
    pub time_precision: TimePrecision,
    /// `binary.handling.mode`.
    pub binary: BinaryMode,
    /// `max.batch.size`.
    pub max_batch_size: usize,
    /// `max.queue.size`: the events read ahead of the task's polls, at most.
    pub max_queue_size: usize,
    /// `poll.interval.ms`.
    pub poll_interval: Duration,
    /// `heartbeat.interval.ms`; `None` when 0 (off).
    pub heartbeat_interval: Option<Duration>,
    /// `heartbeat.action.query`, when set.
    pub heartbeat_action_query: Option<String>,
    /// `topic.heartbeat.prefix`.
    pub heartbeat_topic_prefix: String,
    /// `signal.data.collection`: the signal table (`namespace.table`), when set.
    pub signal_table: Option<String>,
    /// `incremental.snapshot.chunk.size`.
    pub incremental_chunk_size: usize,
    /// With `provide.transaction.metadata`, the topic of the transactions' `BEGIN` and `END`
    /// records: `<topic.prefix>.<topic.transaction>`.
    pub transaction_topic: Option<String>,
}

/// A key of medium importance, with its default when it has one.
pub fn key(name: &str, kind: ConfigType, default: Option<ConfigValue>, doc: &str) -> ConfigKey {
    let key = ConfigKey::new(name, kind).importance(Importance::Medium).doc(doc);
    match default {
        Some(value) => key.default_value(value),
        None => key,
    }
}

/// A string key with its default.
pub fn string(name: &str, default: &str, doc: &str) -> ConfigKey {
    key(name, ConfigType::String, Some(ConfigValue::String(default.into())), doc)
}

/// A string key that takes one of `names`, the first its default.
pub fn choice(name: &str, names: &[&str], doc: &str) -> ConfigKey {
    string(name, names[0], doc).validator(Validator::one_of(names))
}

/// A list key, empty by default.
pub fn list(name: &str, doc: &str) -> ConfigKey {
    key(name, ConfigType::List, Some(ConfigValue::List(Vec::new())), doc)
}

/// An int key with its default.
pub fn int(name: &str, default: i32, doc: &str) -> ConfigKey {
    key(name, ConfigType::Int, Some(ConfigValue::Int(default)), doc)
}

/// A boolean key with its default.
pub fn boolean(name: &str, default: bool, doc: &str) -> ConfigKey {
    key(name, ConfigType::Boolean, Some(ConfigValue::Boolean(default)), doc)
}

/// `definition` with the shared keys added, worded for `dialect`.
pub fn define_common(definition: ConfigDef, dialect: &Dialect) -> ConfigDef {
    let noun = dialect.noun;
    definition
        .define(
            key(
                TOPIC_PREFIX,
                ConfigType::String,
                None,
                "The logical name of the server: every topic starts with it",
            )
            .validator(Validator::NonEmptyString),
        )
        .define(list(
            dialect.include_key,
            &format!("Regular expressions of the {noun}s captured; empty for all"),
        ))
        .define(list(
            dialect.exclude_key,
            &format!("Regular expressions of the {noun}s not captured"),
        ))
        .define(list(
            TABLE_INCLUDE,
            &format!("Regular expressions of the {noun}.table names captured; empty for all"),
        ))
        .define(list(
            TABLE_EXCLUDE,
            &format!("Regular expressions of the {noun}.table names not captured"),
        ))
        .define(list(
            COLUMN_INCLUDE,
            &format!("Regular expressions of the {noun}.table.column names in events' rows; empty for all"),
        ))
        .define(list(
            COLUMN_EXCLUDE,
            &format!("Regular expressions of the {noun}.table.column names left out of events' rows"),
        ))
        .define(string(
            MESSAGE_KEY_COLUMNS,
            "",
            &format!("Columns that key a table's events instead of its primary key: <{noun}.table regex>:<column>,<column>;…"),
        ))
        .define(boolean(
            SKIP_UNCHANGED,
            false,
            "Whether an update that changed none of the included columns is skipped (needs the old row: REPLICA IDENTITY FULL, binlog_row_image=FULL)",
        ))
        .define(choice(
            SNAPSHOT_MODE,
            &SnapshotMode::NAMES,
            "When existing rows are read: initial, always, initial_only, no_data, never, when_needed",
        ))
        .define(int(
            SNAPSHOT_FETCH_SIZE,
            10_240,
            "Rows read at a time in a snapshot: a table with a primary key is read in chunks of this many rows in key order, and a task started again resumes after the last chunk committed",
        ))
        .define(
            int(
                SNAPSHOT_MAX_THREADS,
                1,
                "How many tables the snapshot reads at once, each on its own connection sharing one consistent snapshot",
            )
            .validator(Validator::AtLeast(1.0)),
        )
        .define(boolean(TOMBSTONES_ON_DELETE, true, "Whether a delete is followed by a tombstone"))
        .define(choice(
            DECIMAL_HANDLING,
            &DecimalMode::NAMES,
            "How decimal columns are carried: precise, double, string",
        ))
        .define(choice(
            TIME_PRECISION,
            dialect.time_precisions,
            &format!(
                "How dates, times and timestamps are carried: {}. adaptive: Debezium's types, in milliseconds or microseconds as the column's precision says; adaptive_time_microseconds: the same but times always in microseconds; connect: Connect's Date, Time and Timestamp, in milliseconds",
                dialect.time_precisions.join(", ")
            ),
        ))
        .define(choice(
            BINARY_HANDLING,
            &BinaryMode::NAMES,
            &format!(
                "How {} columns are carried: bytes, base64, base64-url-safe, hex",
                dialect.binary_types
            ),
        ))
        .define(int(MAX_BATCH_SIZE, 2048, "The most events a poll returns"))
        .define(int(
            MAX_QUEUE_SIZE,
            8192,
            "The most events read ahead of the task's polls; larger than max.batch.size",
        ))
        .define(key(
            POLL_INTERVAL,
            ConfigType::Long,
            Some(ConfigValue::Long(500)),
            "How long a poll waits for events",
        ))
        .define(int(HEARTBEAT_INTERVAL, 0, "Milliseconds between heartbeats; 0 for none"))
        .define(string(HEARTBEAT_ACTION_QUERY, "", "A statement run on the database before each heartbeat"))
        .define(string(HEARTBEAT_TOPIC_PREFIX, "__debezium-heartbeat", "Heartbeats go to <prefix>.<topic.prefix>"))
        .define(string(
            SIGNAL_TABLE,
            "",
            &format!("The signal table ({noun}.table, columns id, type, data): an execute-snapshot row inserted there starts an incremental snapshot"),
        ))
        .define(boolean(
            TRANSACTION_METADATA,
            false,
            "Whether each transaction's BEGIN and END go to <topic.prefix>.<topic.transaction> and change events carry their transaction block",
        ))
        .define(string(
            TRANSACTION_TOPIC,
            "transaction",
            "The transaction metadata topic's name after <topic.prefix>.",
        ))
        .define(int(INCREMENTAL_CHUNK, 1024, "The rows an incremental snapshot reads at a time"))
}

impl CommonConfig {
    /// Reads the shared keys of a parsed configuration.
    pub fn from_parsed(parsed: &ParsedConfig, dialect: &Dialect) -> Result<Self> {
        let topic_prefix = parsed.get_string(TOPIC_PREFIX)?.to_string();
        let (queue, batch) = (parsed.get_int(MAX_QUEUE_SIZE)?, parsed.get_int(MAX_BATCH_SIZE)?);
        if queue <= batch {
            return Err(ConnectError::config(
                MAX_QUEUE_SIZE,
                format!("{queue} must be larger than max.batch.size ({batch})"),
            ));
        }
        Ok(Self {
            tables: TableFilter::new(
                patterns(parsed, dialect.include_key)?,
                patterns(parsed, dialect.exclude_key)?,
                patterns(parsed, TABLE_INCLUDE)?,
                patterns(parsed, TABLE_EXCLUDE)?,
                dialect.system,
            ),
            columns: ColumnFilter::new(patterns(parsed, COLUMN_INCLUDE)?, patterns(parsed, COLUMN_EXCLUDE)?),
            message_keys: MessageKeys::parse(parsed.get_string(MESSAGE_KEY_COLUMNS)?)
                .map_err(|err| ConnectError::config(MESSAGE_KEY_COLUMNS, err))?,
            skip_unchanged: parsed.get_boolean(SKIP_UNCHANGED)?,
            snapshot_mode: SnapshotMode::named(parsed.get_string(SNAPSHOT_MODE)?),
            snapshot_fetch_size: parsed.get_int(SNAPSHOT_FETCH_SIZE)?.max(1) as usize,
            snapshot_max_threads: parsed.get_int(SNAPSHOT_MAX_THREADS)?.max(1) as usize,
            tombstones_on_delete: parsed.get_boolean(TOMBSTONES_ON_DELETE)?,
            decimals: DecimalMode::named(parsed.get_string(DECIMAL_HANDLING)?),
            time_precision: TimePrecision::named(parsed.get_string(TIME_PRECISION)?),
            binary: BinaryMode::named(parsed.get_string(BINARY_HANDLING)?),
            max_batch_size: batch.max(1) as usize,
            max_queue_size: queue as usize,
            poll_interval: parsed.get_millis(POLL_INTERVAL)?,
            heartbeat_interval: Some(parsed.get_millis(HEARTBEAT_INTERVAL)?).filter(|d| !d.is_zero()),
            heartbeat_action_query: Some(parsed.get_string(HEARTBEAT_ACTION_QUERY)?.to_string())
                .filter(|q| !q.is_empty()),
            heartbeat_topic_prefix: parsed.get_string(HEARTBEAT_TOPIC_PREFIX)?.to_string(),
            signal_table: Some(parsed.get_string(SIGNAL_TABLE)?.to_string()).filter(|t| !t.is_empty()),
            incremental_chunk_size: parsed.get_int(INCREMENTAL_CHUNK)?.max(1) as usize,
            transaction_topic: parsed.get_boolean(TRANSACTION_METADATA)?.then(|| {
                let suffix = parsed.get_string(TRANSACTION_TOPIC).unwrap_or("transaction");
                format!("{topic_prefix}.{suffix}")
            }),
            topic_prefix,
        })
    }
}
