//! The connector's keys, named and defaulted as Debezium 3.0's PostgreSQL connector's, and the typed
//! configuration its tasks run with.

use std::time::Duration;

use crate::filters::{ColumnFilter, MessageKeys, TableFilter, patterns};
use kconnect_api::config::{ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConfigKey, ConfigType, Result};

use crate::modes::{BinaryMode, DecimalMode, HstoreMode, IntervalMode, TimePrecision, ValueModes};

const HOSTNAME: &str = "database.hostname";
const PORT: &str = "database.port";
const USER: &str = "database.user";
const PASSWORD: &str = "database.password";
const DBNAME: &str = "database.dbname";
const SSLMODE: &str = "database.sslmode";
/// `topic.prefix`: the logical server name every topic starts with, and the source partition.
pub const TOPIC_PREFIX: &str = "topic.prefix";
const PLUGIN_NAME: &str = "plugin.name";
const SLOT_NAME: &str = "slot.name";
const SLOT_DROP_ON_STOP: &str = "slot.drop.on.stop";
const PUBLICATION_NAME: &str = "publication.name";
const PUBLICATION_AUTOCREATE: &str = "publication.autocreate.mode";
const SCHEMA_INCLUDE: &str = "schema.include.list";
const SCHEMA_EXCLUDE: &str = "schema.exclude.list";
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
const INTERVAL_HANDLING: &str = "interval.handling.mode";
const HSTORE_HANDLING: &str = "hstore.handling.mode";
const MAX_BATCH_SIZE: &str = "max.batch.size";
const MAX_QUEUE_SIZE: &str = "max.queue.size";
const POLL_INTERVAL: &str = "poll.interval.ms";
const UNAVAILABLE_PLACEHOLDER: &str = "unavailable.value.placeholder";
const HEARTBEAT_INTERVAL: &str = "heartbeat.interval.ms";
const HEARTBEAT_ACTION_QUERY: &str = "heartbeat.action.query";
const HEARTBEAT_TOPIC_PREFIX: &str = "topic.heartbeat.prefix";
const SLOT_MAX_LAG: &str = "slot.max.lag.bytes";
const SIGNAL_TABLE: &str = "signal.data.collection";
const TRANSACTION_METADATA: &str = "provide.transaction.metadata";
const TRANSACTION_TOPIC: &str = "topic.transaction";
const INCREMENTAL_CHUNK: &str = "incremental.snapshot.chunk.size";

/// `snapshot.mode`: when the tables' existing rows are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// `initial`: once, when no offset was committed yet; then stream.
    Initial,
    /// `always`: at every start; then stream.
    Always,
    /// `initial_only`: once, and never stream.
    InitialOnly,
    /// `no_data` (and its older name `never`): stream only.
    NoData,
    /// `when_needed`: when no offset was committed yet (or it can no longer be resumed); then stream.
    WhenNeeded,
}

impl SnapshotMode {
    const NAMES: [&'static str; 6] = ["initial", "always", "initial_only", "no_data", "never", "when_needed"];

    fn named(name: &str) -> Self {
        match name {
            "always" => Self::Always,
            "initial_only" => Self::InitialOnly,
            "no_data" | "never" => Self::NoData,
            "when_needed" => Self::WhenNeeded,
            _ => Self::Initial,
        }
    }

    /// Whether a snapshot is taken, given whether an earlier one completed.
    pub fn snapshots(self, completed_before: bool) -> bool {
        match self {
            Self::Always => true,
            Self::NoData => false,
            Self::Initial | Self::InitialOnly | Self::WhenNeeded => !completed_before,
        }
    }

    /// Whether changes are streamed after the snapshot.
    pub fn streams(self) -> bool {
        self != Self::InitialOnly
    }
}

/// `publication.autocreate.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PublicationMode {
    /// `all_tables`: `CREATE PUBLICATION … FOR ALL TABLES` when missing.
    AllTables,
    /// `disabled`: the publication must exist.
    Disabled,
    /// `filtered`: a publication of the tables the filters keep.
    Filtered,
}

/// Where to connect.
#[derive(Debug, Clone)]
pub struct Connection {
    /// `database.hostname`.
    pub host: String,
    /// `database.port`.
    pub port: u16,
    /// `database.user`.
    pub user: String,
    /// `database.password`.
    pub password: String,
    /// `database.dbname`.
    pub dbname: String,
    /// `database.sslmode`.
    pub sslmode: String,
}

/// The connector's configuration.
#[derive(Debug, Clone)]
pub struct PostgresCdcConfig {
    /// Where to connect.
    pub connection: Connection,
    /// `topic.prefix`.
    pub topic_prefix: String,
    /// `slot.name`.
    pub slot_name: String,
    /// `slot.drop.on.stop`.
    pub slot_drop_on_stop: bool,
    /// `publication.name`.
    pub publication_name: String,
    /// `publication.autocreate.mode`.
    pub publication_mode: PublicationMode,
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
    /// `decimal.handling.mode`, `time.precision.mode`, `binary.handling.mode` and
    /// `interval.handling.mode`.
    pub modes: ValueModes,
    /// `max.batch.size`.
    pub max_batch_size: usize,
    /// `max.queue.size`: the events read ahead of the task's polls, at most.
    pub max_queue_size: usize,
    /// `poll.interval.ms`.
    pub poll_interval: Duration,
    /// `unavailable.value.placeholder`.
    pub unavailable_placeholder: String,
    /// `heartbeat.interval.ms`; `None` when 0 (off).
    pub heartbeat_interval: Option<Duration>,
    /// `heartbeat.action.query`, when set.
    pub heartbeat_action_query: Option<String>,
    /// `topic.heartbeat.prefix`.
    pub heartbeat_topic_prefix: String,
    /// `slot.max.lag.bytes` (kconnect's own); `None` when 0 (off).
    pub slot_max_lag_bytes: Option<u64>,
    /// `signal.data.collection`: the signal table (`schema.table`), when set.
    pub signal_table: Option<String>,
    /// `incremental.snapshot.chunk.size`.
    pub incremental_chunk_size: usize,
    /// With `provide.transaction.metadata`, the topic of the transactions' `BEGIN` and `END`
    /// records: `<topic.prefix>.<topic.transaction>`.
    pub transaction_topic: Option<String>,
}

fn key(name: &str, kind: ConfigType, default: Option<ConfigValue>, doc: &str) -> ConfigKey {
    let key = ConfigKey::new(name, kind).importance(Importance::Medium).doc(doc);
    match default {
        Some(value) => key.default_value(value),
        None => key,
    }
}

fn string(name: &str, default: &str, doc: &str) -> ConfigKey {
    key(name, ConfigType::String, Some(ConfigValue::String(default.into())), doc)
}

fn list(name: &str, doc: &str) -> ConfigKey {
    key(name, ConfigType::List, Some(ConfigValue::List(Vec::new())), doc)
}

fn definition() -> ConfigDef {
    ConfigDef::new()
        .define(key(
            HOSTNAME,
            ConfigType::String,
            None,
            "The PostgreSQL server's host name or address",
        ))
        .define(key(
            PORT,
            ConfigType::Int,
            Some(ConfigValue::Int(5432)),
            "The PostgreSQL server's port",
        ))
        .define(key(
            USER,
            ConfigType::String,
            None,
            "The user to connect as: it needs the REPLICATION attribute",
        ))
        .define(key(
            PASSWORD,
            ConfigType::Password,
            Some(ConfigValue::Password(String::new())),
            "The user's password",
        ))
        .define(key(DBNAME, ConfigType::String, None, "The database to capture"))
        .define(
            string(
                SSLMODE,
                "prefer",
                "Whether to use TLS: disable, allow, prefer, require, verify-ca, verify-full",
            )
            .validator(Validator::one_of(&[
                "disable",
                "allow",
                "prefer",
                "require",
                "verify-ca",
                "verify-full",
            ])),
        )
        .define(
            key(
                TOPIC_PREFIX,
                ConfigType::String,
                None,
                "The logical name of the server: every topic starts with it",
            )
            .validator(Validator::NonEmptyString),
        )
        .define(
            string(
                PLUGIN_NAME,
                "pgoutput",
                "The logical decoding plugin: pgoutput (built into PostgreSQL 10 and later)",
            )
            .validator(Validator::one_of(&["pgoutput"])),
        )
        .define(string(SLOT_NAME, "debezium", "The replication slot's name"))
        .define(key(
            SLOT_DROP_ON_STOP,
            ConfigType::Boolean,
            Some(ConfigValue::Boolean(false)),
            "Whether the slot is dropped when the task stops",
        ))
        .define(string(PUBLICATION_NAME, "dbz_publication", "The publication streamed"))
        .define(
            string(
                PUBLICATION_AUTOCREATE,
                "all_tables",
                "Whether the publication is created when missing: all_tables, disabled, filtered",
            )
            .validator(Validator::one_of(&["all_tables", "disabled", "filtered"])),
        )
        .define(list(
            SCHEMA_INCLUDE,
            "Regular expressions of the schemas captured; empty for all",
        ))
        .define(list(SCHEMA_EXCLUDE, "Regular expressions of the schemas not captured"))
        .define(list(
            TABLE_INCLUDE,
            "Regular expressions of the schema.table names captured; empty for all",
        ))
        .define(list(
            TABLE_EXCLUDE,
            "Regular expressions of the schema.table names not captured",
        ))
        .define(list(
            COLUMN_INCLUDE,
            "Regular expressions of the schema.table.column names in events' rows; empty for all",
        ))
        .define(list(
            COLUMN_EXCLUDE,
            "Regular expressions of the schema.table.column names left out of events' rows",
        ))
        .define(string(
            MESSAGE_KEY_COLUMNS,
            "",
            "Columns that key a table's events instead of its primary key: <schema.table regex>:<column>,<column>;…",
        ))
        .define(key(
            SKIP_UNCHANGED,
            ConfigType::Boolean,
            Some(ConfigValue::Boolean(false)),
            "Whether an update that changed none of the included columns is skipped (needs REPLICA IDENTITY FULL)",
        ))
        .define(
            string(
                SNAPSHOT_MODE,
                "initial",
                "When existing rows are read: initial, always, initial_only, no_data, never, when_needed",
            )
            .validator(Validator::one_of(&SnapshotMode::NAMES)),
        )
        .define(key(
            SNAPSHOT_FETCH_SIZE,
            ConfigType::Int,
            Some(ConfigValue::Int(10_240)),
            "Rows read at a time in a snapshot: a table with a primary key is read in chunks of this many rows in key order, and a task started again resumes after the last chunk committed",
        ))
        .define(
            key(
                SNAPSHOT_MAX_THREADS,
                ConfigType::Int,
                Some(ConfigValue::Int(1)),
                "How many tables the snapshot reads at once, each on its own connection sharing one consistent snapshot",
            )
            .validator(Validator::AtLeast(1.0)),
        )
        .define(key(
            TOMBSTONES_ON_DELETE,
            ConfigType::Boolean,
            Some(ConfigValue::Boolean(true)),
            "Whether a delete is followed by a tombstone",
        ))
        .define(
            string(
                DECIMAL_HANDLING,
                "precise",
                "How NUMERIC columns are carried: precise, double, string",
            )
            .validator(Validator::one_of(&["precise", "double", "string"])),
        )
        .define(
            string(
                TIME_PRECISION,
                "adaptive",
                "How dates, times and timestamps are carried: adaptive (Debezium's types, in milliseconds or microseconds as the column's precision says), adaptive_time_microseconds (times always in microseconds), connect (Connect's Date, Time and Timestamp, in milliseconds)",
            )
            .validator(Validator::one_of(&["adaptive", "adaptive_time_microseconds", "connect"])),
        )
        .define(
            string(
                BINARY_HANDLING,
                "bytes",
                "How bytea columns are carried: bytes, base64, base64-url-safe, hex",
            )
            .validator(Validator::one_of(&["bytes", "base64", "base64-url-safe", "hex"])),
        )
        .define(
            string(
                INTERVAL_HANDLING,
                "numeric",
                "How interval columns are carried: numeric (microseconds) or string (ISO 8601)",
            )
            .validator(Validator::one_of(&["numeric", "string"])),
        )
        .define(
            string(
                HSTORE_HANDLING,
                "json",
                "How hstore columns are carried: json (a JSON object string) or map",
            )
            .validator(Validator::one_of(&["json", "map"])),
        )
        .define(key(
            MAX_BATCH_SIZE,
            ConfigType::Int,
            Some(ConfigValue::Int(2048)),
            "The most events a poll returns",
        ))
        .define(key(
            MAX_QUEUE_SIZE,
            ConfigType::Int,
            Some(ConfigValue::Int(8192)),
            "The most events read ahead of the task's polls; larger than max.batch.size",
        ))
        .define(key(
            POLL_INTERVAL,
            ConfigType::Long,
            Some(ConfigValue::Long(500)),
            "How long a poll waits for events",
        ))
        .define(string(
            UNAVAILABLE_PLACEHOLDER,
            "__debezium_unavailable_value",
            "What an unchanged TOASTed value the server did not send becomes",
        ))
        .define(key(HEARTBEAT_INTERVAL, ConfigType::Int, Some(ConfigValue::Int(0)), "Milliseconds between heartbeats; 0 for none"))
        .define(string(HEARTBEAT_ACTION_QUERY, "", "A statement run on the database before each heartbeat"))
        .define(string(HEARTBEAT_TOPIC_PREFIX, "__debezium-heartbeat", "Heartbeats go to <prefix>.<topic.prefix>"))
        .define(key(
            SLOT_MAX_LAG,
            ConfigType::Long,
            Some(ConfigValue::Long(0)),
            "kconnect only: the task fails when the slot holds more WAL than this many bytes (checked every 10 s); 0 for no limit",
        ))
        .define(string(
            SIGNAL_TABLE,
            "",
            "The signal table (schema.table, columns id, type, data): an execute-snapshot row inserted there starts an incremental snapshot",
        ))
        .define(key(
            TRANSACTION_METADATA,
            ConfigType::Boolean,
            Some(ConfigValue::Boolean(false)),
            "Whether each transaction's BEGIN and END go to <topic.prefix>.<topic.transaction> and change events carry their transaction block",
        ))
        .define(string(
            TRANSACTION_TOPIC,
            "transaction",
            "The transaction metadata topic's name after <topic.prefix>.",
        ))
        .define(key(
            INCREMENTAL_CHUNK,
            ConfigType::Int,
            Some(ConfigValue::Int(1024)),
            "The rows an incremental snapshot reads at a time",
        ))
}

impl PluginConfig for PostgresCdcConfig {
    fn definition() -> ConfigDef {
        definition()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            connection: Connection {
                host: parsed.get_string(HOSTNAME)?.to_string(),
                port: parsed.get_int(PORT)?.clamp(1, 65_535) as u16,
                user: parsed.get_string(USER)?.to_string(),
                password: parsed.get_string(PASSWORD)?.to_string(),
                dbname: parsed.get_string(DBNAME)?.to_string(),
                sslmode: parsed.get_string(SSLMODE)?.to_string(),
            },
            topic_prefix: parsed.get_string(TOPIC_PREFIX)?.to_string(),
            slot_name: parsed.get_string(SLOT_NAME)?.to_string(),
            slot_drop_on_stop: parsed.get_boolean(SLOT_DROP_ON_STOP)?,
            publication_name: parsed.get_string(PUBLICATION_NAME)?.to_string(),
            publication_mode: match parsed.get_string(PUBLICATION_AUTOCREATE)? {
                "disabled" => PublicationMode::Disabled,
                "filtered" => PublicationMode::Filtered,
                _ => PublicationMode::AllTables,
            },
            tables: TableFilter::new(
                patterns(parsed, SCHEMA_INCLUDE)?,
                patterns(parsed, SCHEMA_EXCLUDE)?,
                patterns(parsed, TABLE_INCLUDE)?,
                patterns(parsed, TABLE_EXCLUDE)?,
            ),
            columns: ColumnFilter::new(patterns(parsed, COLUMN_INCLUDE)?, patterns(parsed, COLUMN_EXCLUDE)?),
            message_keys: MessageKeys::parse(parsed.get_string(MESSAGE_KEY_COLUMNS)?)
                .map_err(|err| kconnect_api::ConnectError::config(MESSAGE_KEY_COLUMNS, err))?,
            skip_unchanged: parsed.get_boolean(SKIP_UNCHANGED)?,
            snapshot_mode: SnapshotMode::named(parsed.get_string(SNAPSHOT_MODE)?),
            snapshot_fetch_size: parsed.get_int(SNAPSHOT_FETCH_SIZE)?.max(1) as usize,
            snapshot_max_threads: parsed.get_int(SNAPSHOT_MAX_THREADS)?.max(1) as usize,
            tombstones_on_delete: parsed.get_boolean(TOMBSTONES_ON_DELETE)?,
            modes: ValueModes {
                decimals: match parsed.get_string(DECIMAL_HANDLING)? {
                    "double" => DecimalMode::Double,
                    "string" => DecimalMode::String,
                    _ => DecimalMode::Precise,
                },
                time_precision: match parsed.get_string(TIME_PRECISION)? {
                    "adaptive_time_microseconds" => TimePrecision::AdaptiveTimeMicroseconds,
                    "connect" => TimePrecision::Connect,
                    _ => TimePrecision::Adaptive,
                },
                binary: match parsed.get_string(BINARY_HANDLING)? {
                    "base64" => BinaryMode::Base64,
                    "base64-url-safe" => BinaryMode::Base64UrlSafe,
                    "hex" => BinaryMode::Hex,
                    _ => BinaryMode::Bytes,
                },
                interval: match parsed.get_string(INTERVAL_HANDLING)? {
                    "string" => IntervalMode::String,
                    _ => IntervalMode::Numeric,
                },
                hstore: match parsed.get_string(HSTORE_HANDLING)? {
                    "map" => HstoreMode::Map,
                    _ => HstoreMode::Json,
                },
            },
            max_batch_size: parsed.get_int(MAX_BATCH_SIZE)?.max(1) as usize,
            max_queue_size: {
                let (queue, batch) = (parsed.get_int(MAX_QUEUE_SIZE)?, parsed.get_int(MAX_BATCH_SIZE)?);
                if queue <= batch {
                    return Err(kconnect_api::ConnectError::config(
                        MAX_QUEUE_SIZE,
                        format!("{queue} must be larger than max.batch.size ({batch})"),
                    ));
                }
                queue as usize
            },
            poll_interval: parsed.get_millis(POLL_INTERVAL)?,
            unavailable_placeholder: parsed.get_string(UNAVAILABLE_PLACEHOLDER)?.to_string(),
            heartbeat_interval: Some(parsed.get_millis(HEARTBEAT_INTERVAL)?).filter(|d| !d.is_zero()),
            heartbeat_action_query: Some(parsed.get_string(HEARTBEAT_ACTION_QUERY)?.to_string())
                .filter(|q| !q.is_empty()),
            heartbeat_topic_prefix: parsed.get_string(HEARTBEAT_TOPIC_PREFIX)?.to_string(),
            slot_max_lag_bytes: Some(parsed.get_long(SLOT_MAX_LAG)?.max(0) as u64).filter(|b| *b > 0),
            signal_table: Some(parsed.get_string(SIGNAL_TABLE)?.to_string()).filter(|t| !t.is_empty()),
            incremental_chunk_size: parsed.get_int(INCREMENTAL_CHUNK)?.max(1) as usize,
            transaction_topic: parsed.get_boolean(TRANSACTION_METADATA)?.then(|| {
                let suffix = parsed.get_string(TRANSACTION_TOPIC).unwrap_or("transaction");
                format!("{}.{suffix}", parsed.get_string(TOPIC_PREFIX).unwrap_or_default())
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> kconnect_api::ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn minimal() -> Vec<(&'static str, &'static str)> {
        vec![
            ("database.hostname", "127.0.0.1"),
            ("database.user", "postgres"),
            ("database.dbname", "test"),
            ("topic.prefix", "server1"),
        ]
    }

    #[test]
    fn debeziums_defaults_apply() {
        let parsed = PostgresCdcConfig::parse(&config(&minimal())).unwrap();
        assert_eq!(parsed.slot_name, "debezium");
        assert_eq!(parsed.publication_name, "dbz_publication");
        assert_eq!(parsed.snapshot_mode, SnapshotMode::Initial);
        assert!(parsed.tombstones_on_delete);
        assert!(parsed.tables.captures("public", "people"));
        assert!(!parsed.tables.captures("pg_catalog", "pg_class"));
    }

    #[test]
    fn bad_keys_are_named() {
        let without_prefix: Vec<_> = minimal().into_iter().filter(|(k, _)| *k != "topic.prefix").collect();
        let err = PostgresCdcConfig::parse(&config(&without_prefix))
            .unwrap_err()
            .to_string();
        assert!(err.contains("topic.prefix"), "{err}");
        let mut decoderbufs = minimal();
        decoderbufs.push(("plugin.name", "decoderbufs"));
        let err = PostgresCdcConfig::parse(&config(&decoderbufs)).unwrap_err().to_string();
        assert!(err.contains("plugin.name") && err.contains("decoderbufs"), "{err}");
        let mut small_queue = minimal();
        small_queue.push(("max.queue.size", "100"));
        let err = PostgresCdcConfig::parse(&config(&small_queue)).unwrap_err().to_string();
        assert!(err.contains("max.queue.size"), "{err}");
        let mut bad_regex = minimal();
        bad_regex.push(("table.include.list", "public.(x"));
        let err = PostgresCdcConfig::parse(&config(&bad_regex)).unwrap_err().to_string();
        assert!(err.contains("table.include.list"), "{err}");
    }

    #[test]
    fn filters_match_whole_names() {
        let mut pairs = minimal();
        pairs.push(("table.include.list", "public.orders.*"));
        pairs.push(("table.exclude.list", "public.orders_archive"));
        let tables = PostgresCdcConfig::parse(&config(&pairs)).unwrap().tables;
        assert!(tables.captures("public", "orders"));
        assert!(tables.captures("public", "orders_2024"));
        assert!(!tables.captures("public", "orders_archive"));
        assert!(!tables.captures("other", "orders"));
    }
}
