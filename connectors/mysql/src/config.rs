//! The connectors' keys, named and defaulted as Debezium 3.0's MySQL and MariaDB connectors' (the
//! ones every Debezium relational connector shares come from `kconnect_cdc::config`), and the
//! typed configuration a task runs with.

use std::path::PathBuf;
use std::time::Duration;

use kconnect_api::config::{ConfigValue, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConfigType, ConnectError, LogTopic, Result};
use kconnect_cdc::config::{CommonConfig, Dialect, boolean, choice, define_common, key, list, string};

const HOSTNAME: &str = "database.hostname";
const PORT: &str = "database.port";
const USER: &str = "database.user";
const PASSWORD: &str = "database.password";
/// `database.server.id`: the id this client registers with as a replica.
pub const SERVER_ID: &str = "database.server.id";
const SSL_MODE: &str = "database.ssl.mode";
const CONNECT_TIMEOUT: &str = "connect.timeout.ms";
const KEEP_ALIVE: &str = "connect.keep.alive";
const BIGINT_UNSIGNED: &str = "bigint.unsigned.handling.mode";
const LOCKING_MODE: &str = "snapshot.locking.mode";
const INCLUDE_SCHEMA_CHANGES: &str = "include.schema.changes";
const HISTORY_TOPIC: &str = "schema.history.internal.kafka.topic";
const HISTORY_SERVERS: &str = "schema.history.internal.kafka.bootstrap.servers";
const HISTORY_CLASS: &str = "schema.history.internal";
/// Debezium's default schema history: a Kafka topic.
const KAFKA_HISTORY: &str = "io.debezium.storage.kafka.history.KafkaSchemaHistory";
/// A schema history kept nowhere.
const MEMORY_HISTORY: &str = "io.debezium.relational.history.MemorySchemaHistory";
/// A schema history kept in a file.
const FILE_HISTORY: &str = "io.debezium.storage.file.history.FileSchemaHistory";
const HISTORY_FILE: &str = "schema.history.internal.file.filename";

/// Where the schema history is kept (`schema.history.internal`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryStore {
    /// `KafkaSchemaHistory`: a topic.
    Kafka(LogTopic),
    /// `FileSchemaHistory`: a file, one record per line.
    File(PathBuf),
    /// `MemorySchemaHistory`: nowhere; each start reads the tables from the server.
    Memory,
}
const GTID_INCLUDES: &str = "gtid.source.includes";
const GTID_EXCLUDES: &str = "gtid.source.excludes";

/// MySQL's and MariaDB's namespaces are databases (`database.include.list`,
/// `database.exclude.list`); Debezium's MySQL connectors offer two time precision modes.
const DIALECT: Dialect = Dialect {
    noun: "database",
    include_key: "database.include.list",
    exclude_key: "database.exclude.list",
    system: &["mysql", "sys", "performance_schema", "information_schema"],
    binary_types: "BINARY, VARBINARY and BLOB",
    time_precisions: &["adaptive_time_microseconds", "connect"],
};

/// Which server the connector is written for: its class, and the name its events carry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Flavor {
    /// `io.debezium.connector.mysql.MySqlConnector`.
    #[default]
    MySql,
    /// `io.debezium.connector.mariadb.MariaDbConnector`.
    MariaDb,
}

impl Flavor {
    /// The `source.connector` of its events.
    pub fn connector(self) -> &'static str {
        match self {
            Self::MySql => "mysql",
            Self::MariaDb => "mariadb",
        }
    }

    /// The name of its `source` block's schema.
    pub fn source_schema_name(self) -> &'static str {
        match self {
            Self::MySql => "io.debezium.connector.mysql.Source",
            Self::MariaDb => "io.debezium.connector.mariadb.Source",
        }
    }
}

/// `bigint.unsigned.handling.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BigintUnsigned {
    /// `long`: INT64 (values above 2^63-1 wrap, as Debezium's).
    #[default]
    Long,
    /// `precise`: Connect's Decimal with scale 0.
    Precise,
}

/// `snapshot.locking.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LockingMode {
    /// `minimal`: a global read lock only while the binary log position is read.
    Minimal,
    /// `extended`: the global read lock held for the whole snapshot.
    Extended,
    /// `none`: no lock (safe only when no DDL runs during the snapshot).
    None,
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
    /// `connect.timeout.ms`.
    pub connect_timeout: Duration,
    /// `connect.keep.alive`: TCP keep-alive on the binary log connection.
    pub keep_alive: bool,
}

/// The connector's configuration.
#[derive(Debug, Clone)]
pub struct MySqlCdcConfig {
    /// MySQL or MariaDB.
    pub flavor: Flavor,
    /// Where to connect.
    pub connection: Connection,
    /// `database.server.id`.
    pub server_id: u32,
    /// The keys every Debezium relational connector shares.
    pub common: CommonConfig,
    /// `bigint.unsigned.handling.mode`.
    pub bigint_unsigned: BigintUnsigned,
    /// `snapshot.locking.mode`.
    pub locking: LockingMode,
    /// Where the schema history is kept (`schema.history.internal*`).
    pub history: HistoryStore,
    /// `include.schema.changes`: whether schema change events go to `<topic.prefix>`.
    pub include_schema_changes: bool,
}

fn definition() -> ConfigDef {
    let mysql = ConfigDef::new()
        .define(key(HOSTNAME, ConfigType::String, None, "The server's host name or address"))
        .define(key(PORT, ConfigType::Int, Some(ConfigValue::Int(3306)), "The server's port"))
        .define(key(
            USER,
            ConfigType::String,
            None,
            "The user to connect as: it needs REPLICATION SLAVE, REPLICATION CLIENT (MariaDB: BINLOG MONITOR), SELECT and RELOAD",
        ))
        .define(key(
            PASSWORD,
            ConfigType::Password,
            Some(ConfigValue::Password(String::new())),
            "The user's password",
        ))
        .define(
            key(
                SERVER_ID,
                ConfigType::Long,
                None,
                "The id this connector registers with as a replica: unique among the server's replicas",
            )
            .validator(Validator::Between(1.0, u32::MAX as f64)),
        )
        .define(choice(
            SSL_MODE,
            &["preferred", "disabled", "required", "verify_ca", "verify_identity"],
            "Whether to use TLS: kconnect connects without it, so only disabled and preferred are accepted",
        ))
        .define(key(
            CONNECT_TIMEOUT,
            ConfigType::Long,
            Some(ConfigValue::Long(30_000)),
            "How long connecting may take",
        ))
        .define(boolean(KEEP_ALIVE, true, "Whether the binary log connection uses TCP keep-alive"))
        .define(choice(
            BIGINT_UNSIGNED,
            &["long", "precise"],
            "How BIGINT UNSIGNED columns are carried: long (INT64) or precise (Decimal)",
        ))
        .define(choice(
            LOCKING_MODE,
            &["minimal", "extended", "none"],
            "How the snapshot locks: minimal (a global read lock while the binary log position is read), extended (for the whole snapshot), none",
        ))
        .define(boolean(
            INCLUDE_SCHEMA_CHANGES,
            true,
            "Whether schema change events (the DDL and the tables' shapes after it) go to the <topic.prefix> topic",
        ))
        .define(choice(
            HISTORY_CLASS,
            &[KAFKA_HISTORY, FILE_HISTORY, MEMORY_HISTORY],
            "Where the schema history is kept: a Kafka topic, a file (schema.history.internal.file.filename), or (MemorySchemaHistory) nowhere, each start reading the tables' shapes from the server",
        ))
        .define(string(HISTORY_FILE, "", "FileSchemaHistory's file"))
        .define(string(
            HISTORY_TOPIC,
            "",
            "The schema history topic; empty: schema-changes.<topic.prefix>",
        ))
        .define(string(
            HISTORY_SERVERS,
            "",
            "The schema history topic's Kafka cluster (with schema.history.internal.producer.* and .consumer.* client keys); empty: the worker's",
        ))
        .define(list(GTID_INCLUDES, "GTID sources to follow: accepted; kconnect resumes by file and position"))
        .define(list(GTID_EXCLUDES, "GTID sources to skip: accepted; kconnect resumes by file and position"));
    define_common(mysql, &DIALECT)
}

impl MySqlCdcConfig {
    /// Parses `config` for `flavor`'s connector.
    pub fn parse_for(flavor: Flavor, config: &kconnect_api::ConfigMap) -> Result<Self> {
        let mut parsed = Self::parse(config)?;
        parsed.flavor = flavor;
        Ok(parsed)
    }
}

impl PluginConfig for MySqlCdcConfig {
    fn definition() -> ConfigDef {
        definition()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        if matches!(
            parsed.get_string(SSL_MODE)?,
            "required" | "verify_ca" | "verify_identity"
        ) {
            return Err(ConnectError::config(
                SSL_MODE,
                "kconnect's MySQL connector does not connect with TLS yet: use disabled or preferred",
            ));
        }
        let common = CommonConfig::from_parsed(parsed, &DIALECT)?;
        if common.signal_table.as_deref().is_some_and(|table| !table.contains('.')) {
            return Err(ConnectError::config(
                "signal.data.collection",
                "the signal table is named database.table",
            ));
        }
        let history = match parsed.get_string(HISTORY_CLASS)? {
            KAFKA_HISTORY => HistoryStore::Kafka(history_topic(parsed, &common)),
            FILE_HISTORY => match parsed.get_string(HISTORY_FILE)? {
                "" => return Err(ConnectError::config(HISTORY_FILE, "FileSchemaHistory needs a file")),
                file => HistoryStore::File(PathBuf::from(file)),
            },
            _ => HistoryStore::Memory,
        };
        Ok(Self {
            flavor: Flavor::default(),
            connection: Connection {
                host: parsed.get_string(HOSTNAME)?.to_string(),
                port: parsed.get_int(PORT)?.clamp(1, 65_535) as u16,
                user: parsed.get_string(USER)?.to_string(),
                password: parsed.get_string(PASSWORD)?.to_string(),
                connect_timeout: parsed.get_millis(CONNECT_TIMEOUT)?,
                keep_alive: parsed.get_boolean(KEEP_ALIVE)?,
            },
            server_id: parsed.get_long(SERVER_ID)?.clamp(1, u32::MAX as i64) as u32,
            common,
            bigint_unsigned: match parsed.get_string(BIGINT_UNSIGNED)? {
                "precise" => BigintUnsigned::Precise,
                _ => BigintUnsigned::Long,
            },
            locking: match parsed.get_string(LOCKING_MODE)? {
                "extended" => LockingMode::Extended,
                "none" => LockingMode::None,
                _ => LockingMode::Minimal,
            },
            history,
            include_schema_changes: parsed.get_boolean(INCLUDE_SCHEMA_CHANGES)?,
        })
    }
}

/// The schema history's topic, and the cluster it is on when it is not the worker's.
fn history_topic(parsed: &ParsedConfig, common: &CommonConfig) -> LogTopic {
    let topic = match parsed.get_string(HISTORY_TOPIC).unwrap_or_default() {
        "" => format!("schema-changes.{}", common.topic_prefix),
        topic => topic.to_string(),
    };
    let mut client = parsed.originals_with_prefix("schema.history.internal.consumer.");
    client.extend(parsed.originals_with_prefix("schema.history.internal.producer."));
    match parsed.get_string(HISTORY_SERVERS).unwrap_or_default() {
        "" => LogTopic::new(topic),
        servers => {
            client.insert("bootstrap.servers".into(), servers.to_string());
            LogTopic::new(topic).on(client)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_cdc::modes::{SnapshotMode, TimePrecision};

    /// The fewest keys a connector needs.
    const REQUIRED: [(&str, &str); 4] = [
        ("database.hostname", "127.0.0.1"),
        ("database.user", "root"),
        (SERVER_ID, "5400"),
        ("topic.prefix", "shop"),
    ];

    /// The required keys but `left_out`, and `more`.
    fn keys(left_out: &str, more: &[(&str, &str)]) -> kconnect_api::ConfigMap {
        REQUIRED
            .iter()
            .filter(|(key, _)| *key != left_out)
            .chain(more)
            .map(|(key, value)| (key.to_string(), value.to_string()))
            .collect()
    }

    fn error(left_out: &str, more: &[(&str, &str)]) -> String {
        MySqlCdcConfig::parse(&keys(left_out, more)).unwrap_err().to_string()
    }

    #[test]
    fn debeziums_defaults_apply() {
        let parsed = MySqlCdcConfig::parse_for(Flavor::MariaDb, &keys("", &[])).unwrap();
        assert_eq!(parsed.connection.port, 3306);
        assert_eq!(parsed.server_id, 5400);
        assert_eq!(parsed.flavor, Flavor::MariaDb);
        assert_eq!(parsed.common.snapshot_mode, SnapshotMode::Initial);
        assert_eq!(parsed.common.time_precision, TimePrecision::AdaptiveTimeMicroseconds);
        assert_eq!(parsed.locking, LockingMode::Minimal);
        assert!(parsed.common.tables.captures("inventory", "orders"));
        assert!(!parsed.common.tables.captures("mysql", "user"));
        assert_eq!(
            parsed.history,
            HistoryStore::Kafka(LogTopic::new("schema-changes.shop"))
        );
        assert!(parsed.include_schema_changes);
    }

    #[test]
    fn the_schema_history_is_on_the_cluster_its_keys_name() {
        let elsewhere = keys(
            "",
            &[
                (HISTORY_TOPIC, "history.shop"),
                (HISTORY_SERVERS, "kafka:9092"),
                ("schema.history.internal.producer.security.protocol", "SSL"),
            ],
        );
        let HistoryStore::Kafka(history) = MySqlCdcConfig::parse(&elsewhere).unwrap().history else {
            panic!("a Kafka history");
        };
        assert_eq!(history.topic, "history.shop");
        assert_eq!(
            history.client.get("bootstrap.servers").map(String::as_str),
            Some("kafka:9092")
        );
        assert_eq!(history.client.get("security.protocol").map(String::as_str), Some("SSL"));
        let memory = keys("", &[(HISTORY_CLASS, MEMORY_HISTORY)]);
        assert_eq!(MySqlCdcConfig::parse(&memory).unwrap().history, HistoryStore::Memory);
        let file = keys(
            "",
            &[(HISTORY_CLASS, FILE_HISTORY), (HISTORY_FILE, "/var/lib/history.dat")],
        );
        assert_eq!(
            MySqlCdcConfig::parse(&file).unwrap().history,
            HistoryStore::File("/var/lib/history.dat".into())
        );
        assert!(error("", &[(HISTORY_CLASS, FILE_HISTORY)]).contains(HISTORY_FILE));
        assert!(
            error(
                "",
                &[(HISTORY_CLASS, "io.debezium.storage.redis.history.RedisSchemaHistory")]
            )
            .contains(HISTORY_CLASS)
        );
    }

    #[test]
    fn bad_keys_are_named() {
        assert!(error(SERVER_ID, &[]).contains(SERVER_ID));
        assert!(error("", &[(SSL_MODE, "required")]).contains(SSL_MODE));
        assert!(error("", &[("time.precision.mode", "adaptive")]).contains("time.precision.mode"));
        assert!(error("", &[("signal.data.collection", "signals")]).contains("signal.data.collection"));
        let databases = keys("", &[("database.include.list", "inventory")]);
        let tables = MySqlCdcConfig::parse(&databases).unwrap().common.tables;
        assert!(tables.captures("inventory", "orders"));
        assert!(!tables.captures("inventory2", "orders"));
    }
}
