//! The Redis connectors' keys, as Redis Inc.'s `com.redis.kafka.connect` source and sink declare
//! them, and the typed configurations their tasks are handed.

use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, Result};

const URI: &str = "redis.uri";
const HOST: &str = "redis.host";
const PORT: &str = "redis.port";
const USERNAME: &str = "redis.username";
pub(crate) const PASSWORD: &str = "redis.password";
const TLS: &str = "redis.tls";
const INSECURE: &str = "redis.insecure";
pub(crate) const CA_CERT: &str = "redis.cacert";
pub(crate) const CLIENT_CERT: &str = "redis.key.cert";
pub(crate) const CLIENT_KEY: &str = "redis.key.file";
const KEY_PASSWORD: &str = "redis.key.password";
const TIMEOUT: &str = "redis.timeout";
const CLUSTER: &str = "redis.cluster";

const TOPIC: &str = "topic";
pub(crate) const STREAM_NAME: &str = "redis.stream.name";
const STREAM_OFFSET: &str = "redis.stream.offset";
const STREAM_DELIVERY: &str = "redis.stream.delivery";
const CONSUMER_GROUP: &str = "redis.stream.consumer.group";
const CONSUMER_NAME: &str = "redis.stream.consumer.name";
const STREAM_BLOCK: &str = "redis.stream.block";
const BATCH_SIZE: &str = "batch.size";
/// The task's number among the connector's tasks, as Redis Inc.'s source connector sets it.
pub(crate) const TASK_ID: &str = "task.id";

pub(crate) const COMMAND: &str = "redis.command";
const KEY: &str = "redis.key";
/// The name older releases of Redis Inc.'s sink gave `redis.key`.
const KEYSPACE: &str = "redis.keyspace";
const SEPARATOR: &str = "redis.separator";
const CHARSET: &str = "redis.charset";
const MULTIEXEC: &str = "redis.multiexec";
const WAIT_REPLICAS: &str = "redis.wait.replicas";
const WAIT_TIMEOUT: &str = "redis.wait.timeout";
const JSON_PATH: &str = "redis.json.path";
const FIXED_JSON_PATH: &str = "redis.json.path.fixed";

/// Where the source topic template puts the stream's name.
const STREAM_TOKEN: &str = "${stream}";
/// Where the consumer name template puts the task's number.
const TASK_TOKEN: &str = "${task}";
/// Where the sink's key template puts the record's topic.
const TOPIC_TOKEN: &str = "${topic}";

const AT_LEAST_ONCE: &str = "at-least-once";
const AT_MOST_ONCE: &str = "at-most-once";

/// The commands the sink writes records with, as Redis Inc.'s sink names them.
pub(crate) const COMMANDS: [&str; 11] = [
    "HSET",
    "JSONSET",
    "JSONMERGE",
    "TSADD",
    "SET",
    "XADD",
    "LPUSH",
    "RPUSH",
    "SADD",
    "ZADD",
    "DEL",
];
/// The commands writing to the one key `redis.key` names (a stream, list, set, sorted set, series).
const COLLECTION_COMMANDS: [&str; 6] = ["XADD", "LPUSH", "RPUSH", "SADD", "ZADD", "TSADD"];
/// The commands `redis.multiexec` may wrap in MULTI/EXEC, as Redis Inc.'s sink allows.
const MULTIEXEC_COMMANDS: [&str; 5] = ["XADD", "LPUSH", "RPUSH", "SADD", "ZADD"];

/// How to reach the server, shared by source and sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectionConfig {
    /// `redis.uri`, or one made of `redis.host`, `redis.port` and `redis.tls`.
    pub uri: String,
    /// The key the address came from, to blame when the server cannot be reached.
    pub address_key: &'static str,
    pub username: String,
    pub password: String,
    /// Both the connect and the command timeout.
    pub timeout: Duration,
    pub cluster: bool,
    /// TLS: accept any server certificate.
    pub insecure: bool,
    /// TLS: the CA certificate file (PEM) to verify the server with; empty for the system's roots.
    pub ca_cert: String,
    /// TLS: the client certificate chain and its (unencrypted PKCS#8) key, PEM files; empty for none.
    pub client_cert: String,
    pub client_key: String,
    key_password_given: bool,
}

fn connection_keys() -> ConfigDef {
    let key = |name: &str, kind: ConfigType, default: ConfigValue, doc: &str| {
        ConfigKey::new(name, kind)
            .default_value(default)
            .importance(Importance::High)
            .doc(doc)
            .group("Connection", 0)
    };
    let text = |value: &str| ConfigValue::String(value.into());
    ConfigDef::new()
        .define(key(
            URI,
            ConfigType::String,
            text(""),
            "The Redis server's URI (redis://host:port/db, rediss:// for TLS); empty for redis.host and redis.port.",
        ))
        .define(key(HOST, ConfigType::String, text("localhost"), "The Redis host."))
        .define(
            key(PORT, ConfigType::Int, ConfigValue::Int(6379), "The Redis port.")
                .validator(Validator::Between(1.0, 65535.0)),
        )
        .define(key(
            TLS,
            ConfigType::Boolean,
            ConfigValue::Boolean(false),
            "Connect to redis.host over TLS.",
        ))
        .define(key(
            USERNAME,
            ConfigType::String,
            text(""),
            "The ACL user to authenticate as.",
        ))
        .define(key(
            PASSWORD,
            ConfigType::Password,
            ConfigValue::Password(String::new()),
            "The password to authenticate with.",
        ))
        .define(
            key(
                TIMEOUT,
                ConfigType::Long,
                ConfigValue::Long(60),
                "How long to wait to connect and for each command, in seconds.",
            )
            .validator(Validator::AtLeast(1.0)),
        )
        .define(key(
            CLUSTER,
            ConfigType::Boolean,
            ConfigValue::Boolean(false),
            "Connect to a Redis Cluster (not supported by kconnect yet).",
        ))
        .define(key(
            INSECURE,
            ConfigType::Boolean,
            ConfigValue::Boolean(false),
            "TLS: accept any server certificate (no verification).",
        ))
        .define(key(
            CA_CERT,
            ConfigType::String,
            text(""),
            "TLS: the CA certificate file (PEM) to verify the server with; empty for the system's roots.",
        ))
        .define(key(
            CLIENT_CERT,
            ConfigType::String,
            text(""),
            "TLS: the client certificate chain file (PEM) to authenticate with.",
        ))
        .define(key(
            CLIENT_KEY,
            ConfigType::String,
            text(""),
            "TLS: the client's private key file (PKCS#8 PEM, unencrypted).",
        ))
        .define(key(
            KEY_PASSWORD,
            ConfigType::Password,
            ConfigValue::Password(String::new()),
            "The password of an encrypted private key: not supported, give an unencrypted key.",
        ))
}

impl ConnectionConfig {
    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let uri = parsed.get_string(URI)?.trim();
        let (uri, address_key) = if uri.is_empty() {
            let scheme = if parsed.get_boolean(TLS)? { "rediss" } else { "redis" };
            let host = parsed.get_string(HOST)?;
            (format!("{scheme}://{host}:{}", parsed.get_int(PORT)?), HOST)
        } else {
            (uri.to_string(), URI)
        };
        Ok(Self {
            uri,
            address_key,
            username: parsed.get_string(USERNAME)?.to_string(),
            password: parsed.get_string(PASSWORD)?.to_string(),
            timeout: Duration::from_secs(parsed.get_long(TIMEOUT)? as u64),
            cluster: parsed.get_boolean(CLUSTER)?,
            insecure: parsed.get_boolean(INSECURE)?,
            ca_cert: parsed.get_string(CA_CERT)?.trim().to_string(),
            client_cert: parsed.get_string(CLIENT_CERT)?.trim().to_string(),
            client_key: parsed.get_string(CLIENT_KEY)?.trim().to_string(),
            key_password_given: !parsed.get_string(KEY_PASSWORD)?.is_empty(),
        })
    }

    /// Whether the connection is TLS (`rediss://`).
    pub fn tls(&self) -> bool {
        self.uri.starts_with("rediss://")
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        let mut broken = Vec::new();
        if self.cluster {
            broken.push((
                CLUSTER,
                "kconnect does not reach Redis Cluster yet: name one node's redis.uri".into(),
            ));
        }
        if self.client_cert.is_empty() != self.client_key.is_empty() {
            broken.push((CLIENT_KEY, format!("{CLIENT_CERT} and {CLIENT_KEY} go together")));
        }
        if self.key_password_given {
            broken.push((
                KEY_PASSWORD,
                "encrypted private keys are not supported: give an unencrypted PKCS#8 key".into(),
            ));
        }
        broken
    }
}

/// `com.redis.kafka.connect.RedisStreamSourceConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceConfig {
    pub connection: ConnectionConfig,
    pub stream: String,
    /// The topic the records go to (`topic` with the stream's name put in).
    pub topic: String,
    /// Where the consumer group starts when it does not exist yet: the last entry Kafka has
    /// (from the stored offset) or `redis.stream.offset`.
    pub start: String,
    /// Acknowledge entries only once Kafka has their records (at-least-once), or let Redis
    /// forget them as they are read (at-most-once).
    pub acknowledge: bool,
    pub group: String,
    /// This task's consumer in the group.
    pub consumer: String,
    pub block: Duration,
    pub batch_size: usize,
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        let key = |name: &str, kind: ConfigType, default: ConfigValue, doc: &str| {
            ConfigKey::new(name, kind)
                .default_value(default)
                .importance(Importance::Medium)
                .doc(doc)
                .group("Source", 1)
        };
        let text = |value: &str| ConfigValue::String(value.into());
        connection_keys()
            .define(
                ConfigKey::new(STREAM_NAME, ConfigType::String)
                    .validator(Validator::NonEmptyString)
                    .importance(Importance::High)
                    .doc("The Redis stream to read.")
                    .group("Source", 0),
            )
            .define(key(
                TOPIC,
                ConfigType::String,
                text(STREAM_TOKEN),
                "The Kafka topic to write to; ${stream} stands for the stream's name.",
            ))
            .define(key(
                STREAM_OFFSET,
                ConfigType::String,
                text("0-0"),
                "The entry id after which a new consumer group starts reading (0-0: the whole stream, $: new entries only).",
            ))
            .define(
                key(
                    STREAM_DELIVERY,
                    ConfigType::String,
                    text(AT_LEAST_ONCE),
                    "at-least-once: an entry is acknowledged (XACK) only once Kafka has its record; \
                     at-most-once: entries are read without acknowledgement (NOACK).",
                )
                .validator(Validator::one_of(&[AT_LEAST_ONCE, AT_MOST_ONCE])),
            )
            .define(key(
                CONSUMER_GROUP,
                ConfigType::String,
                text("kafka-consumer-group"),
                "The stream's consumer group the tasks read in.",
            ))
            .define(key(
                CONSUMER_NAME,
                ConfigType::String,
                text("consumer-${task}"),
                "Each task's consumer in the group; ${task} stands for the task's number.",
            ))
            .define(
                key(
                    STREAM_BLOCK,
                    ConfigType::Long,
                    ConfigValue::Long(100),
                    "How long one read waits for new entries, in milliseconds.",
                )
                .validator(Validator::AtLeast(1.0)),
            )
            .define(
                key(
                    BATCH_SIZE,
                    ConfigType::Int,
                    ConfigValue::Int(500),
                    "Entries read at once, at most; also how many wait for Kafka between reads.",
                )
                .validator(Validator::AtLeast(1.0)),
            )
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let stream = parsed.get_string(STREAM_NAME)?.to_string();
        let task = parsed.originals().get(TASK_ID).map_or("0", String::as_str);
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            topic: parsed.get_string(TOPIC)?.replace(STREAM_TOKEN, &stream),
            start: parsed.get_string(STREAM_OFFSET)?.to_string(),
            acknowledge: parsed.get_string(STREAM_DELIVERY)? == AT_LEAST_ONCE,
            group: parsed.get_string(CONSUMER_GROUP)?.to_string(),
            consumer: parsed.get_string(CONSUMER_NAME)?.replace(TASK_TOKEN, task),
            block: parsed.get_millis(STREAM_BLOCK)?,
            batch_size: parsed.get_int(BATCH_SIZE)? as usize,
            stream,
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        self.connection.cross_checks()
    }
}

/// `com.redis.kafka.connect.RedisSinkConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkConfig {
    pub connection: ConnectionConfig,
    /// One of [`COMMANDS`].
    pub command: String,
    /// The key template (`${topic}` for the record's topic); empty: the record key itself.
    pub keyspace: String,
    pub separator: String,
    pub multiexec: bool,
    pub wait_replicas: i64,
    pub wait_timeout: Duration,
    /// JSONMERGE: the record header naming the path, and the path when no such header is there.
    pub json_path_header: String,
    pub fixed_json_path: String,
    /// Whether `redis.json.path` or `redis.json.path.fixed` was given (only JSONMERGE takes them).
    json_paths_given: bool,
}

impl SinkConfig {
    /// The keyspace of a record of `topic`: the template with the topic put in.
    pub fn keyspace_of(&self, topic: &str) -> String {
        self.keyspace.replace(TOPIC_TOKEN, topic)
    }
}

impl PluginConfig for SinkConfig {
    fn definition() -> ConfigDef {
        let key = |name: &str, kind: ConfigType, default: ConfigValue, doc: &str| {
            ConfigKey::new(name, kind)
                .default_value(default)
                .importance(Importance::Medium)
                .doc(doc)
                .group("Sink", 1)
        };
        let text = |value: &str| ConfigValue::String(value.into());
        connection_keys()
            .define(
                ConfigKey::new(COMMAND, ConfigType::String)
                    .default_value(text("XADD"))
                    .validator(Validator::one_of(&COMMANDS))
                    .importance(Importance::High)
                    .doc(
                        "The command each record is written with: XADD (a stream entry of the value's fields), \
                         HSET (a hash), SET (a string), JSONSET, JSONMERGE (RedisJSON), LPUSH, RPUSH (lists), \
                         SADD (sets), ZADD (sorted sets, the value the score), TSADD (RedisTimeSeries), DEL.",
                    )
                    .group("Sink", 0),
            )
            .define(key(
                KEY,
                ConfigType::String,
                text(TOPIC_TOKEN),
                "The key (collections) or key prefix (others) to write to; ${topic} stands for the record's \
                 topic. Empty: the record key is the Redis key (not for collections).",
            ))
            .define(key(
                SEPARATOR,
                ConfigType::String,
                text(":"),
                "Between the key prefix and the record key.",
            ))
            .define(
                key(
                    CHARSET,
                    ConfigType::String,
                    text("UTF-8"),
                    "How keys and values are encoded.",
                )
                .validator(Validator::one_of_ignore_case(&["UTF-8", "UTF8"])),
            )
            .define(key(
                MULTIEXEC,
                ConfigType::Boolean,
                ConfigValue::Boolean(false),
                "Write each batch in a MULTI/EXEC transaction (XADD, LPUSH, RPUSH, SADD, ZADD).",
            ))
            .define(
                key(
                    WAIT_REPLICAS,
                    ConfigType::Int,
                    ConfigValue::Int(0),
                    "Replicas each batch must reach (WAIT) before it is done; 0 waits for none.",
                )
                .validator(Validator::AtLeast(0.0)),
            )
            .define(
                key(
                    WAIT_TIMEOUT,
                    ConfigType::Long,
                    ConfigValue::Long(1000),
                    "How long WAIT waits for the replicas, in milliseconds.",
                )
                .validator(Validator::AtLeast(0.0)),
            )
            .define(key(
                JSON_PATH,
                ConfigType::String,
                text("$"),
                "JSONMERGE: the record header whose value is the JSON path to merge at.",
            ))
            .define(key(
                FIXED_JSON_PATH,
                ConfigType::String,
                text("$"),
                "JSONMERGE: the JSON path to merge at when the record has no such header.",
            ))
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let originals = parsed.originals();
        let keyspace = match (originals.get(KEY), originals.get(KEYSPACE)) {
            (None, Some(older)) => older.trim().to_string(),
            _ => parsed.get_string(KEY)?.trim().to_string(),
        };
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            command: parsed.get_string(COMMAND)?.to_string(),
            keyspace,
            separator: parsed.get_string(SEPARATOR)?.trim().to_string(),
            multiexec: parsed.get_boolean(MULTIEXEC)?,
            wait_replicas: i64::from(parsed.get_int(WAIT_REPLICAS)?),
            wait_timeout: parsed.get_millis(WAIT_TIMEOUT)?,
            json_path_header: parsed.get_string(JSON_PATH)?.trim().to_string(),
            fixed_json_path: parsed.get_string(FIXED_JSON_PATH)?.trim().to_string(),
            json_paths_given: originals.contains_key(JSON_PATH) || originals.contains_key(FIXED_JSON_PATH),
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        let mut broken = self.connection.cross_checks();
        if self.json_paths_given && self.command != "JSONMERGE" {
            broken.push((JSON_PATH, "JSON paths apply only to redis.command=JSONMERGE".into()));
        }
        if self.keyspace.is_empty() && COLLECTION_COMMANDS.contains(&self.command.as_str()) {
            broken.push((
                KEY,
                format!("{} writes to the key redis.key names: give one", self.command),
            ));
        }
        if self.multiexec && !MULTIEXEC_COMMANDS.contains(&self.command.as_str()) {
            broken.push((
                MULTIEXEC,
                format!("MULTI/EXEC applies only to {}", MULTIEXEC_COMMANDS.join(", ")),
            ));
        }
        broken
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::ConfigMap;

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_source_reads_as_redis_inc_s_does_by_default() {
        let parsed = SourceConfig::parse(&config(&[(STREAM_NAME, "orders"), (TASK_ID, "2")])).unwrap();
        assert_eq!(parsed.connection.uri, "redis://localhost:6379");
        assert_eq!(parsed.topic, "orders");
        assert_eq!(parsed.start, "0-0");
        assert!(parsed.acknowledge);
        assert_eq!(parsed.group, "kafka-consumer-group");
        assert_eq!(parsed.consumer, "consumer-2");
        assert_eq!(parsed.block, Duration::from_millis(100));
        assert_eq!(parsed.batch_size, 500);
        let error = SourceConfig::parse(&config(&[])).unwrap_err();
        assert!(error.to_string().contains(STREAM_NAME), "{error}");
    }

    #[test]
    fn the_topic_template_takes_the_stream_name_and_tls_changes_the_scheme() {
        let parsed = SourceConfig::parse(&config(&[
            (STREAM_NAME, "orders"),
            (TOPIC, "redis_${stream}"),
            (TLS, "true"),
            (HOST, "cache"),
        ]))
        .unwrap();
        assert_eq!(parsed.topic, "redis_orders");
        assert_eq!(parsed.connection.uri, "rediss://cache:6379");
    }

    #[test]
    fn the_sink_writes_stream_entries_keyed_by_topic_by_default() {
        let parsed = SinkConfig::parse(&config(&[])).unwrap();
        assert_eq!(parsed.command, "XADD");
        assert_eq!(parsed.keyspace_of("orders"), "orders");
        let older = SinkConfig::parse(&config(&[(KEYSPACE, "users")])).unwrap();
        assert_eq!(older.keyspace, "users", "the older key name still works");
    }

    #[test]
    fn bad_combinations_are_named() {
        let error = SinkConfig::parse(&config(&[(COMMAND, "SET"), (MULTIEXEC, "true")])).unwrap_err();
        assert!(error.to_string().contains(MULTIEXEC), "{error}");
        let error = SinkConfig::parse(&config(&[(JSON_PATH, "path")])).unwrap_err();
        assert!(error.to_string().contains(JSON_PATH), "{error}");
        let error = SinkConfig::parse(&config(&[(COMMAND, "APPEND")])).unwrap_err();
        assert!(error.to_string().contains(COMMAND), "{error}");
        let error = SinkConfig::parse(&config(&[(KEY, "")])).unwrap_err();
        assert!(error.to_string().contains(KEY), "{error}");
        let error = SinkConfig::parse(&config(&[(CLUSTER, "true")])).unwrap_err();
        assert!(error.to_string().contains(CLUSTER), "{error}");
    }
}
