//! The connector's keys, named and defaulted as Debezium 3.0's PostgreSQL connector's (the ones
//! every Debezium relational connector shares come from `kconnect_cdc::config`), and the typed
//! configuration its tasks run with.

use kconnect_api::config::{ConfigValue, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConfigType, Result};
use kconnect_cdc::config::{CommonConfig, Dialect, boolean, choice, define_common, key, string};

use crate::modes::{HstoreMode, IntervalMode, TimePrecision, ValueModes};

const HOSTNAME: &str = "database.hostname";
const PORT: &str = "database.port";
const USER: &str = "database.user";
const PASSWORD: &str = "database.password";
const DBNAME: &str = "database.dbname";
const SSLMODE: &str = "database.sslmode";
const PLUGIN_NAME: &str = "plugin.name";
const SLOT_NAME: &str = "slot.name";
const SLOT_DROP_ON_STOP: &str = "slot.drop.on.stop";
const PUBLICATION_NAME: &str = "publication.name";
const PUBLICATION_AUTOCREATE: &str = "publication.autocreate.mode";
const INTERVAL_HANDLING: &str = "interval.handling.mode";
const HSTORE_HANDLING: &str = "hstore.handling.mode";
const UNAVAILABLE_PLACEHOLDER: &str = "unavailable.value.placeholder";
const SLOT_MAX_LAG: &str = "slot.max.lag.bytes";

/// PostgreSQL's namespaces are schemas (`schema.include.list`, `schema.exclude.list`).
const DIALECT: Dialect = Dialect {
    noun: "schema",
    include_key: "schema.include.list",
    exclude_key: "schema.exclude.list",
    system: &["pg_catalog", "information_schema"],
    binary_types: "bytea",
    time_precisions: &TimePrecision::NAMES,
};

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
    /// The keys every Debezium relational connector shares.
    pub common: CommonConfig,
    /// `slot.name`.
    pub slot_name: String,
    /// `slot.drop.on.stop`.
    pub slot_drop_on_stop: bool,
    /// `publication.name`.
    pub publication_name: String,
    /// `publication.autocreate.mode`.
    pub publication_mode: PublicationMode,
    /// `decimal.handling.mode`, `time.precision.mode`, `binary.handling.mode`,
    /// `interval.handling.mode` and `hstore.handling.mode`.
    pub modes: ValueModes,
    /// `unavailable.value.placeholder`.
    pub unavailable_placeholder: String,
    /// `slot.max.lag.bytes` (kconnect's own); `None` when 0 (off).
    pub slot_max_lag_bytes: Option<u64>,
}

fn definition() -> ConfigDef {
    let postgres = ConfigDef::new()
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
        .define(choice(
            PLUGIN_NAME,
            &["pgoutput"],
            "The logical decoding plugin: pgoutput (built into PostgreSQL 10 and later)",
        ))
        .define(string(SLOT_NAME, "debezium", "The replication slot's name"))
        .define(boolean(
            SLOT_DROP_ON_STOP,
            false,
            "Whether the slot is dropped when the task stops",
        ))
        .define(string(PUBLICATION_NAME, "dbz_publication", "The publication streamed"))
        .define(choice(
            PUBLICATION_AUTOCREATE,
            &["all_tables", "disabled", "filtered"],
            "Whether the publication is created when missing: all_tables, disabled, filtered",
        ))
        .define(choice(
            INTERVAL_HANDLING,
            &["numeric", "string"],
            "How interval columns are carried: numeric (microseconds) or string (ISO 8601)",
        ))
        .define(choice(
            HSTORE_HANDLING,
            &["json", "map"],
            "How hstore columns are carried: json (a JSON object string) or map",
        ))
        .define(string(
            UNAVAILABLE_PLACEHOLDER,
            "__debezium_unavailable_value",
            "What an unchanged TOASTed value the server did not send becomes",
        ))
        .define(key(
            SLOT_MAX_LAG,
            ConfigType::Long,
            Some(ConfigValue::Long(0)),
            "kconnect only: the task fails when the slot holds more WAL than this many bytes (checked every 10 s); 0 for no limit",
        ));
    define_common(postgres, &DIALECT)
}

impl PluginConfig for PostgresCdcConfig {
    fn definition() -> ConfigDef {
        definition()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let common = CommonConfig::from_parsed(parsed, &DIALECT)?;
        Ok(Self {
            connection: Connection {
                host: parsed.get_string(HOSTNAME)?.to_string(),
                port: parsed.get_int(PORT)?.clamp(1, 65_535) as u16,
                user: parsed.get_string(USER)?.to_string(),
                password: parsed.get_string(PASSWORD)?.to_string(),
                dbname: parsed.get_string(DBNAME)?.to_string(),
                sslmode: parsed.get_string(SSLMODE)?.to_string(),
            },
            slot_name: parsed.get_string(SLOT_NAME)?.to_string(),
            slot_drop_on_stop: parsed.get_boolean(SLOT_DROP_ON_STOP)?,
            publication_name: parsed.get_string(PUBLICATION_NAME)?.to_string(),
            publication_mode: match parsed.get_string(PUBLICATION_AUTOCREATE)? {
                "disabled" => PublicationMode::Disabled,
                "filtered" => PublicationMode::Filtered,
                _ => PublicationMode::AllTables,
            },
            modes: ValueModes {
                decimals: common.decimals,
                time_precision: common.time_precision,
                binary: common.binary,
                interval: match parsed.get_string(INTERVAL_HANDLING)? {
                    "string" => IntervalMode::String,
                    _ => IntervalMode::Numeric,
                },
                hstore: match parsed.get_string(HSTORE_HANDLING)? {
                    "map" => HstoreMode::Map,
                    _ => HstoreMode::Json,
                },
            },
            unavailable_placeholder: parsed.get_string(UNAVAILABLE_PLACEHOLDER)?.to_string(),
            slot_max_lag_bytes: Some(parsed.get_long(SLOT_MAX_LAG)?.max(0) as u64).filter(|b| *b > 0),
            common,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_cdc::modes::SnapshotMode;

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
        assert_eq!(parsed.common.snapshot_mode, SnapshotMode::Initial);
        assert!(parsed.common.tombstones_on_delete);
        assert!(parsed.common.tables.captures("public", "people"));
        assert!(!parsed.common.tables.captures("pg_catalog", "pg_class"));
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
        let tables = PostgresCdcConfig::parse(&config(&pairs)).unwrap().common.tables;
        assert!(tables.captures("public", "orders"));
        assert!(tables.captures("public", "orders_2024"));
        assert!(!tables.captures("public", "orders_archive"));
        assert!(!tables.captures("other", "orders"));
    }
}
