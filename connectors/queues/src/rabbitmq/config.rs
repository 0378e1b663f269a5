//! The RabbitMQ connectors' keys, as Confluent's RabbitMQ source and sink connectors declare them,
//! and the typed configurations their tasks are handed.

use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, Result};

use crate::source_keys::{KAFKA_TOPIC, consumed, kafka_topic, names, names_something};
use crate::tls_stores::{ClientStores, StoreKeys};

pub(crate) const HOST: &str = "rabbitmq.host";
pub(crate) const PORT: &str = "rabbitmq.port";
pub(crate) const USERNAME: &str = "rabbitmq.username";
const PASSWORD: &str = "rabbitmq.password";
pub(crate) const VIRTUAL_HOST: &str = "rabbitmq.virtual.host";
const CONNECTION_TIMEOUT: &str = "rabbitmq.connection.timeout.ms";
const HANDSHAKE_TIMEOUT: &str = "rabbitmq.handshake.timeout.ms";
const HEARTBEAT: &str = "rabbitmq.requested.heartbeat.seconds";
const CHANNEL_MAX: &str = "rabbitmq.requested.channel.max";
const FRAME_MAX: &str = "rabbitmq.requested.frame.max";
const AUTOMATIC_RECOVERY: &str = "rabbitmq.automatic.recovery.enabled";
const RECOVERY_INTERVAL: &str = "rabbitmq.network.recovery.interval.ms";
const SECURITY_PROTOCOL: &str = "rabbitmq.security.protocol";
/// The stores of `rabbitmq.security.protocol=SSL`: Apache's `ssl.*` keys under `rabbitmq.https.`,
/// as Confluent's connectors name them.
const STORE_KEYS: StoreKeys = StoreKeys {
    truststore_location: "rabbitmq.https.ssl.truststore.location",
    truststore_password: "rabbitmq.https.ssl.truststore.password",
    truststore_type: Some("rabbitmq.https.ssl.truststore.type"),
    keystore_location: "rabbitmq.https.ssl.keystore.location",
    keystore_password: "rabbitmq.https.ssl.keystore.password",
    keystore_type: Some("rabbitmq.https.ssl.keystore.type"),
    key_password: "rabbitmq.https.ssl.key.password",
};

pub(crate) const QUEUE: &str = "rabbitmq.queue";
const PREFETCH_COUNT: &str = "rabbitmq.prefetch.count";
const PREFETCH_GLOBAL: &str = "rabbitmq.prefetch.global";

pub(crate) const EXCHANGE: &str = "rabbitmq.exchange";
const ROUTING_KEY: &str = "rabbitmq.routing.key";
const DELIVERY_MODE: &str = "rabbitmq.delivery.mode";
const FORWARD_KEY: &str = "rabbitmq.forward.kafka.key";
const FORWARD_METADATA: &str = "rabbitmq.forward.kafka.metadata";
const FORWARD_HEADERS: &str = "rabbitmq.forward.kafka.headers";

/// The prefetch kconnect applies when `rabbitmq.prefetch.count` is 0 (RabbitMQ's "unlimited"),
/// so that a slow Kafka holds messages on the server instead of in the worker's memory.
pub(crate) const BOUNDED_PREFETCH: u16 = 2000;

/// How to reach the server, shared by source and sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectionConfig {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    pub virtual_host: String,
    pub connection_timeout: Duration,
    pub handshake_timeout: Duration,
    pub heartbeat: u16,
    pub channel_max: u16,
    pub frame_max: u32,
    /// Reconnect after a lost connection (`rabbitmq.automatic.recovery.enabled`), after this
    /// interval; `None` fails the task instead.
    pub recovery_interval: Option<Duration>,
    /// The stores to connect over TLS with (`rabbitmq.security.protocol=SSL`); `None` for plain
    /// TCP.
    pub tls: Option<ClientStores>,
}

fn connection_keys() -> ConfigDef {
    let key = |name: &str, kind: ConfigType, default: ConfigValue, importance: Importance, doc: &str| {
        ConfigKey::new(name, kind)
            .default_value(default)
            .importance(importance)
            .doc(doc)
            .group("Connection", 0)
    };
    let definition = ConfigDef::new()
        .define(key(
            HOST,
            ConfigType::String,
            ConfigValue::String("localhost".into()),
            Importance::High,
            "The RabbitMQ host to connect to.",
        ))
        .define(key(
            PASSWORD,
            ConfigType::Password,
            ConfigValue::Password("guest".into()),
            Importance::High,
            "The password to authenticate to RabbitMQ with.",
        ))
        .define(key(
            USERNAME,
            ConfigType::String,
            ConfigValue::String("guest".into()),
            Importance::High,
            "The username to authenticate to RabbitMQ with.",
        ))
        .define(key(
            VIRTUAL_HOST,
            ConfigType::String,
            ConfigValue::String("/".into()),
            Importance::High,
            "The virtual host to use when connecting to the broker.",
        ))
        .define(
            key(
                PORT,
                ConfigType::Int,
                ConfigValue::Int(5672),
                Importance::Medium,
                "The RabbitMQ port to connect to.",
            )
            .validator(Validator::Between(1.0, 65535.0)),
        )
        .define(key(
            AUTOMATIC_RECOVERY,
            ConfigType::Boolean,
            ConfigValue::Boolean(true),
            Importance::Low,
            "Reconnect after the connection to RabbitMQ is lost; when false the task fails instead.",
        ))
        .define(
            key(
                CONNECTION_TIMEOUT,
                ConfigType::Int,
                ConfigValue::Int(60000),
                Importance::Low,
                "Connection TCP establishment timeout in milliseconds. zero for infinite.",
            )
            .validator(Validator::AtLeast(0.0)),
        )
        .define(
            key(
                HANDSHAKE_TIMEOUT,
                ConfigType::Int,
                ConfigValue::Int(10000),
                Importance::Low,
                "The AMQP0-9-1 protocol handshake timeout, in milliseconds.",
            )
            .validator(Validator::AtLeast(0.0)),
        )
        .define(
            key(
                RECOVERY_INTERVAL,
                ConfigType::Int,
                ConfigValue::Int(10000),
                Importance::Low,
                "How long to wait between attempts to reconnect, in milliseconds.",
            )
            .validator(Validator::AtLeast(0.0)),
        )
        .define(
            key(
                HEARTBEAT,
                ConfigType::Int,
                ConfigValue::Int(60),
                Importance::Low,
                "The requested heartbeat timeout in seconds; zero for none.",
            )
            .validator(Validator::Between(0.0, 65535.0)),
        )
        .define(
            key(
                CHANNEL_MAX,
                ConfigType::Int,
                ConfigValue::Int(0),
                Importance::Low,
                "The initially requested maximum channel number; zero for unlimited.",
            )
            .validator(Validator::Between(0.0, 65535.0)),
        )
        .define(
            key(
                FRAME_MAX,
                ConfigType::Int,
                ConfigValue::Int(0),
                Importance::Low,
                "The initially requested maximum frame size, in octets; zero for unlimited.",
            )
            .validator(Validator::AtLeast(0.0)),
        )
        .define(
            ConfigKey::new(SECURITY_PROTOCOL, ConfigType::String)
                .default_value(ConfigValue::String("PLAINTEXT".into()))
                .validator(Validator::one_of_ignore_case(&["PLAINTEXT", "SSL"]))
                .importance(Importance::Medium)
                .doc(
                    "PLAINTEXT or SSL (AMQP over TLS, usually on port 5671, with the rabbitmq.https.ssl.* \
                     stores); with PLAINTEXT the stores are ignored.",
                )
                .group("Security", 0),
        );
    ClientStores::define(definition, STORE_KEYS, "Security")
}

impl ConnectionConfig {
    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let recovery = parsed.get_boolean(AUTOMATIC_RECOVERY)?;
        Ok(Self {
            host: parsed.get_string(HOST)?.to_string(),
            port: parsed.get_int(PORT)? as u16,
            username: parsed.get_string(USERNAME)?.to_string(),
            password: parsed.get_string(PASSWORD)?.to_string(),
            virtual_host: parsed.get_string(VIRTUAL_HOST)?.to_string(),
            connection_timeout: parsed.get_millis(CONNECTION_TIMEOUT)?,
            handshake_timeout: parsed.get_millis(HANDSHAKE_TIMEOUT)?,
            heartbeat: parsed.get_int(HEARTBEAT)? as u16,
            channel_max: parsed.get_int(CHANNEL_MAX)? as u16,
            frame_max: parsed.get_int(FRAME_MAX)? as u32,
            recovery_interval: recovery.then(|| parsed.get_millis(RECOVERY_INTERVAL)).transpose()?,
            tls: parsed
                .get_string(SECURITY_PROTOCOL)?
                .eq_ignore_ascii_case("SSL")
                .then(|| ClientStores::read(parsed, STORE_KEYS))
                .transpose()?,
        })
    }

    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// `io.confluent.connect.rabbitmq.RabbitMQSourceConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceConfig {
    pub connection: ConnectionConfig,
    pub topic: String,
    pub queues: Vec<String>,
    /// The prefetch asked of the server (`BOUNDED_PREFETCH` for 0).
    pub prefetch: u16,
    pub prefetch_global: bool,
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        connection_keys()
            .define(kafka_topic())
            .define(consumed(
                QUEUE,
                "The RabbitMQ queues to consume from; they must exist. Every task consumes every queue \
                 (competing consumers).",
            ))
            .define(
                ConfigKey::new(PREFETCH_COUNT, ConfigType::Int)
                    .default_value(ConfigValue::Int(0))
                    .validator(Validator::Between(0.0, 65535.0))
                    .importance(Importance::Medium)
                    .doc(
                        "Maximum number of messages the server delivers before they are acknowledged; \
                         0 (unlimited in RabbitMQ) is bounded at 2000 by kconnect so memory stays bounded.",
                    )
                    .group("Source", 2),
            )
            .define(
                ConfigKey::new(PREFETCH_GLOBAL, ConfigType::Boolean)
                    .default_value(ConfigValue::Boolean(false))
                    .importance(Importance::Medium)
                    .doc("Whether the prefetch applies to the whole channel rather than to each consumer.")
                    .group("Source", 2),
            )
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let prefetch = parsed.get_int(PREFETCH_COUNT)? as u16;
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            topic: parsed.get_string(KAFKA_TOPIC)?.to_string(),
            queues: names(parsed, QUEUE),
            prefetch: if prefetch == 0 { BOUNDED_PREFETCH } else { prefetch },
            prefetch_global: parsed.get_boolean(PREFETCH_GLOBAL)?,
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        names_something(QUEUE, &self.queues, "queue")
    }
}

/// Whether published messages survive a RabbitMQ restart (`rabbitmq.delivery.mode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DeliveryMode {
    Persistent,
    Transient,
}

impl DeliveryMode {
    /// AMQP's delivery-mode property: 2 persistent, 1 transient.
    pub fn amqp(self) -> u8 {
        match self {
            Self::Persistent => 2,
            Self::Transient => 1,
        }
    }
}

/// `io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkConfig {
    pub connection: ConnectionConfig,
    pub exchange: String,
    pub routing_key: String,
    pub delivery_mode: DeliveryMode,
    /// The record key becomes the message's correlation id.
    pub forward_key: bool,
    /// Topic, partition, offset and timestamp become message headers.
    pub forward_metadata: bool,
    /// The record's headers become message headers.
    pub forward_headers: bool,
}

impl PluginConfig for SinkConfig {
    fn definition() -> ConfigDef {
        let flag = |name: &str, order: i32, doc: &str| {
            ConfigKey::new(name, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Low)
                .doc(doc)
                .group("Sink", order)
        };
        connection_keys()
            .define(
                ConfigKey::new(EXCHANGE, ConfigType::String)
                    .importance(Importance::High)
                    .doc("The destination RabbitMQ exchange; empty for the default exchange.")
                    .group("Sink", 0),
            )
            .define(
                ConfigKey::new(ROUTING_KEY, ConfigType::String)
                    .importance(Importance::High)
                    .doc("RabbitMQ routing key that dictates how the message is routed to queues.")
                    .group("Sink", 1),
            )
            .define(
                ConfigKey::new(DELIVERY_MODE, ConfigType::String)
                    .default_value(ConfigValue::String("PERSISTENT".into()))
                    .validator(Validator::one_of(&["PERSISTENT", "TRANSIENT"]))
                    .importance(Importance::Low)
                    .doc("PERSISTENT or TRANSIENT: whether messages survive a RabbitMQ restart.")
                    .group("Sink", 2),
            )
            .define(flag(
                FORWARD_KEY,
                3,
                "Forward the record key as the message's correlation id.",
            ))
            .define(flag(
                FORWARD_METADATA,
                4,
                "Forward the record's topic, partition, offset and timestamp as the headers KAFKA_TOPIC, \
                 KAFKA_PARTITION, KAFKA_OFFSET and KAFKA_TIMESTAMP.",
            ))
            .define(flag(
                FORWARD_HEADERS,
                5,
                "Forward the record's headers as message headers.",
            ))
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            exchange: parsed.get_string(EXCHANGE)?.to_string(),
            routing_key: parsed.get_string(ROUTING_KEY)?.to_string(),
            delivery_mode: match parsed.get_string(DELIVERY_MODE)? {
                "TRANSIENT" => DeliveryMode::Transient,
                _ => DeliveryMode::Persistent,
            },
            forward_key: parsed.get_boolean(FORWARD_KEY)?,
            forward_metadata: parsed.get_boolean(FORWARD_METADATA)?,
            forward_headers: parsed.get_boolean(FORWARD_HEADERS)?,
        })
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
    fn the_source_takes_confluents_defaults_and_bounds_the_prefetch() {
        let parsed = SourceConfig::parse(&config(&[(KAFKA_TOPIC, "t"), (QUEUE, "a, b")])).unwrap();
        assert_eq!(parsed.queues, ["a", "b"]);
        assert_eq!(parsed.connection.address(), "localhost:5672");
        assert_eq!(parsed.connection.virtual_host, "/");
        assert_eq!(parsed.connection.username, "guest");
        assert_eq!(parsed.prefetch, BOUNDED_PREFETCH);
        assert_eq!(parsed.connection.recovery_interval, Some(Duration::from_secs(10)));
        let no_recovery = SourceConfig::parse(&config(&[
            (KAFKA_TOPIC, "t"),
            (QUEUE, "a"),
            (PREFETCH_COUNT, "10"),
            (AUTOMATIC_RECOVERY, "false"),
        ]))
        .unwrap();
        assert_eq!(no_recovery.prefetch, 10);
        assert_eq!(no_recovery.connection.recovery_interval, None);
    }

    #[test]
    fn bad_source_configs_name_their_key() {
        let error = SourceConfig::parse(&config(&[(KAFKA_TOPIC, "t")])).unwrap_err();
        assert!(error.to_string().contains(QUEUE), "{error}");
        let error = SourceConfig::parse(&config(&[(KAFKA_TOPIC, "t"), (QUEUE, "q"), (PORT, "x")])).unwrap_err();
        assert!(error.to_string().contains(PORT), "{error}");
    }

    #[test]
    fn the_sink_reads_its_delivery_mode_and_forwarding() {
        let parsed = SinkConfig::parse(&config(&[(EXCHANGE, ""), (ROUTING_KEY, "q")])).unwrap();
        assert_eq!(parsed.delivery_mode, DeliveryMode::Persistent);
        assert!(!parsed.forward_key && !parsed.forward_metadata && !parsed.forward_headers);
        let transient = SinkConfig::parse(&config(&[
            (EXCHANGE, "x"),
            (ROUTING_KEY, "q"),
            (DELIVERY_MODE, "TRANSIENT"),
        ]))
        .unwrap();
        assert_eq!(transient.delivery_mode.amqp(), 1);
        let error = SinkConfig::parse(&config(&[(EXCHANGE, "x")])).unwrap_err();
        assert!(error.to_string().contains(ROUTING_KEY), "{error}");
    }
}
