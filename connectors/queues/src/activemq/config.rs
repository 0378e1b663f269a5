//! The ActiveMQ connectors' keys, as Confluent's ActiveMQ source and sink declare them, and the
//! typed configurations their tasks are handed.

use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, Result};

use crate::source_keys::{KAFKA_TOPIC, kafka_topic};

pub(crate) const URL: &str = "activemq.url";
pub(crate) const USERNAME: &str = "activemq.username";
const PASSWORD: &str = "activemq.password";
const CONNECT_TIMEOUT: &str = "activemq.connect.timeout.ms";
pub(crate) const DESTINATION_NAME: &str = "jms.destination.name";
const DESTINATION_TYPE: &str = "jms.destination.type";
pub(crate) const SELECTOR: &str = "jms.message.selector";
const DURABLE: &str = "jms.subscription.durable";
const SUBSCRIPTION_NAME: &str = "jms.subscription.name";
const CLIENT_ID: &str = "jms.client.id";
const BATCH_SIZE: &str = "batch.size";
const MESSAGE_FORMAT: &str = "jms.message.format";
const FORWARD_KEY: &str = "jms.forward.kafka.key";
const FORWARD_METADATA: &str = "jms.forward.kafka.metadata";
const FORWARD_HEADERS: &str = "jms.forward.kafka.headers";
const DELIVERY_MODE: &str = "jms.delivery.mode";
const CONNECTOR_NAME: &str = "name";

/// Whether the destination is a queue or a topic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DestinationType {
    Queue,
    Topic,
}

impl DestinationType {
    /// The STOMP destination prefix, and the JMS destination type's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::Queue => "queue",
            Self::Topic => "topic",
        }
    }
}

/// How to reach the broker and which destination, shared by source and sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectionConfig {
    /// `host:port` of the broker's STOMP transport, from `activemq.url`.
    pub address: String,
    pub username: String,
    pub password: String,
    pub connect_timeout: Duration,
    pub destination: String,
    pub destination_type: DestinationType,
    /// The connector's name: the client id and subscription name a durable subscription gets by
    /// default.
    pub connector: String,
}

impl ConnectionConfig {
    /// The destination as STOMP names it: `/queue/<name>` or `/topic/<name>`.
    pub fn stomp_destination(&self) -> String {
        format!("/{}/{}", self.destination_type.name(), self.destination)
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let destination_type = match parsed.get_string(DESTINATION_TYPE)? {
            "topic" => DestinationType::Topic,
            _ => DestinationType::Queue,
        };
        Ok(Self {
            address: broker_address(parsed.get_string(URL)?),
            username: parsed.get_string(USERNAME)?.to_string(),
            password: parsed.get_string(PASSWORD)?.to_string(),
            connect_timeout: parsed.get_millis(CONNECT_TIMEOUT)?,
            destination: parsed.get_string(DESTINATION_NAME)?.to_string(),
            destination_type,
            connector: parsed
                .originals()
                .get(CONNECTOR_NAME)
                .cloned()
                .unwrap_or_else(|| "kconnect".into()),
        })
    }
}

/// `host:port` of the first broker an `activemq.url` names (`stomp://host:port`,
/// `tcp://host:port`, `failover:(tcp://a:1,tcp://b:2)?…`), options left out; the STOMP port 61613
/// when none is given.
fn broker_address(url: &str) -> String {
    let url = url.trim().trim_start_matches("failover:").trim_start_matches('(');
    let first = url.split([',', ')']).next().unwrap_or_default();
    let without_scheme = first.split_once("://").map_or(first, |(_, rest)| rest);
    let address = without_scheme.split(['?', '/']).next().unwrap_or_default();
    if address.contains(':') {
        address.to_string()
    } else {
        format!("{address}:61613")
    }
}

fn connection_keys(destination_doc: &str) -> ConfigDef {
    let key = |name: &str, kind: ConfigType, default: ConfigValue, doc: &str| {
        ConfigKey::new(name, kind)
            .default_value(default)
            .importance(Importance::High)
            .doc(doc)
            .group("ActiveMQ Connection", 1)
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(URL, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc(
                    "The broker's STOMP transport: stomp://host:61613 (tcp:// and failover:(…) URLs are read for \
                     their first host and port; kconnect speaks STOMP, not OpenWire).",
                )
                .group("ActiveMQ Connection", 0),
        )
        .define(key(
            USERNAME,
            ConfigType::String,
            ConfigValue::String(String::new()),
            "The user to connect as.",
        ))
        .define(key(
            PASSWORD,
            ConfigType::Password,
            ConfigValue::Password(String::new()),
            "The user's password.",
        ))
        .define(
            key(
                CONNECT_TIMEOUT,
                ConfigType::Long,
                ConfigValue::Long(10_000),
                "How long to wait for the broker to accept the connection, in milliseconds.",
            )
            .importance(Importance::Low)
            .validator(Validator::AtLeast(1.0)),
        )
        .define(
            ConfigKey::new(DESTINATION_NAME, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc(destination_doc)
                .group("JMS", 0),
        )
        .define(
            ConfigKey::new(DESTINATION_TYPE, ConfigType::String)
                .default_value(ConfigValue::String("queue".into()))
                .validator(Validator::one_of(&["queue", "topic"]))
                .importance(Importance::High)
                .doc("Whether the destination is a queue or a topic.")
                .group("JMS", 1),
        )
}

/// `io.confluent.connect.activemq.ActiveMQSourceConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceConfig {
    pub connection: ConnectionConfig,
    pub kafka_topic: String,
    pub selector: String,
    /// The durable topic subscription's name, when the subscription is durable.
    pub durable_subscription: Option<String>,
    /// The connection's client id (durable subscriptions are the client id's).
    pub client_id: String,
    pub batch_size: usize,
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        let key = |name: &str, kind: ConfigType, default: ConfigValue, doc: &str| {
            ConfigKey::new(name, kind)
                .default_value(default)
                .importance(Importance::Medium)
                .doc(doc)
                .group("JMS", 2)
        };
        let empty = || ConfigValue::String(String::new());
        connection_keys("The queue or topic to read.")
            .define(kafka_topic())
            .define(key(
                SELECTOR,
                ConfigType::String,
                empty(),
                "A JMS message selector: only matching messages are read.",
            ))
            .define(key(
                DURABLE,
                ConfigType::Boolean,
                ConfigValue::Boolean(false),
                "Topics: a durable subscription, which keeps what is published while the connector is away.",
            ))
            .define(key(
                SUBSCRIPTION_NAME,
                ConfigType::String,
                empty(),
                "The durable subscription's name; empty for the connector's name.",
            ))
            .define(key(
                CLIENT_ID,
                ConfigType::String,
                empty(),
                "The connection's client id (a durable subscription belongs to it); empty for the connector's name.",
            ))
            .define(
                key(
                    BATCH_SIZE,
                    ConfigType::Int,
                    ConfigValue::Int(1024),
                    "Messages the broker delivers before they are acknowledged (the prefetch), at most; also the \
                     task's buffer.",
                )
                .validator(Validator::AtLeast(1.0)),
            )
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let connection = ConnectionConfig::from_parsed(parsed)?;
        let or_connector = |value: &str| {
            if value.is_empty() {
                connection.connector.clone()
            } else {
                value.to_string()
            }
        };
        let durable = parsed.get_boolean(DURABLE)? && connection.destination_type == DestinationType::Topic;
        let subscription = or_connector(parsed.get_string(SUBSCRIPTION_NAME)?);
        Ok(Self {
            kafka_topic: parsed.get_string(KAFKA_TOPIC)?.to_string(),
            selector: parsed.get_string(SELECTOR)?.to_string(),
            durable_subscription: durable.then_some(subscription),
            client_id: or_connector(parsed.get_string(CLIENT_ID)?),
            batch_size: parsed.get_int(BATCH_SIZE)? as usize,
            connection,
        })
    }
}

/// How the sink writes a record's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum MessageFormat {
    /// A TextMessage of the value as text.
    Text,
    /// A BytesMessage of the value's bytes.
    Bytes,
}

/// `io.confluent.connect.jms.ActiveMqSinkConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkConfig {
    pub connection: ConnectionConfig,
    pub format: MessageFormat,
    pub forward_key: bool,
    pub forward_metadata: bool,
    pub forward_headers: bool,
    pub persistent: bool,
}

impl PluginConfig for SinkConfig {
    fn definition() -> ConfigDef {
        let flag = |name: &str, doc: &str| {
            ConfigKey::new(name, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Low)
                .doc(doc)
                .group("JMS", 3)
        };
        connection_keys("The queue or topic to write to.")
            .define(
                ConfigKey::new(MESSAGE_FORMAT, ConfigType::String)
                    .default_value(ConfigValue::String("string".into()))
                    .validator(Validator::one_of(&["string", "bytes"]))
                    .importance(Importance::Medium)
                    .doc("string: a TextMessage of the value as text; bytes: a BytesMessage of the value's bytes.")
                    .group("JMS", 2),
            )
            .define(
                ConfigKey::new(DELIVERY_MODE, ConfigType::String)
                    .default_value(ConfigValue::String("persistent".into()))
                    .validator(Validator::one_of(&["persistent", "non_persistent"]))
                    .importance(Importance::Low)
                    .doc("Whether the broker stores the messages (persistent) or may lose them on a restart.")
                    .group("JMS", 2),
            )
            .define(flag(
                FORWARD_KEY,
                "The record key as text, as the message's JMSCorrelationID.",
            ))
            .define(flag(
                FORWARD_METADATA,
                "The record's topic, partition and offset as properties KAFKA_TOPIC, KAFKA_PARTITION, KAFKA_OFFSET.",
            ))
            .define(flag(FORWARD_HEADERS, "The record's headers as message properties."))
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            format: match parsed.get_string(MESSAGE_FORMAT)? {
                "bytes" => MessageFormat::Bytes,
                _ => MessageFormat::Text,
            },
            forward_key: parsed.get_boolean(FORWARD_KEY)?,
            forward_metadata: parsed.get_boolean(FORWARD_METADATA)?,
            forward_headers: parsed.get_boolean(FORWARD_HEADERS)?,
            persistent: parsed.get_string(DELIVERY_MODE)? == "persistent",
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
    fn urls_give_the_first_brokers_address() {
        assert_eq!(broker_address("stomp://127.0.0.1:61613"), "127.0.0.1:61613");
        assert_eq!(broker_address("tcp://mq:61616?jms.prefetch=1"), "mq:61616");
        assert_eq!(broker_address("failover:(tcp://a:1,tcp://b:2)?randomize=false"), "a:1");
        assert_eq!(broker_address("mq"), "mq:61613");
    }

    #[test]
    fn the_source_reads_a_queue_by_default_and_durable_applies_to_topics() {
        let base = [
            ("name", "orders"),
            (URL, "stomp://127.0.0.1:61613"),
            (DESTINATION_NAME, "ORDERS"),
            (KAFKA_TOPIC, "orders"),
            (DURABLE, "true"),
        ];
        let queue = SourceConfig::parse(&config(&base)).unwrap();
        assert_eq!(queue.connection.stomp_destination(), "/queue/ORDERS");
        assert_eq!(queue.durable_subscription, None, "queues have no subscriptions");
        assert_eq!(queue.batch_size, 1024);
        let mut topic = config(&base);
        topic.insert(DESTINATION_TYPE.into(), "topic".into());
        let topic = SourceConfig::parse(&topic).unwrap();
        assert_eq!(topic.durable_subscription.as_deref(), Some("orders"));
        assert_eq!(topic.client_id, "orders");
        let error = SourceConfig::parse(&config(&[(URL, "stomp://x")])).unwrap_err();
        assert!(error.to_string().contains(DESTINATION_NAME), "{error}");
    }

    #[test]
    fn the_sink_sends_persistent_text_messages_by_default() {
        let parsed = SinkConfig::parse(&config(&[(URL, "stomp://x:1"), (DESTINATION_NAME, "OUT")])).unwrap();
        assert_eq!(parsed.format, MessageFormat::Text);
        assert!(parsed.persistent);
        assert!(!parsed.forward_key);
    }
}
