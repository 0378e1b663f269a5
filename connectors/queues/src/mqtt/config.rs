//! The MQTT connectors' keys, as Confluent's MQTT source and sink connectors declare them, and the
//! typed configurations their tasks are handed.

use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, Result};

use super::protocol::Version;
use crate::source_keys::{KAFKA_TOPIC, consumed, kafka_topic, names, names_something};
use crate::task_numbers::numbered_tasks;
use crate::tls_stores::{ClientStores, StoreKeys};

pub(crate) const SERVER_URI: &str = "mqtt.server.uri";
pub(crate) const USERNAME: &str = "mqtt.username";
const PASSWORD: &str = "mqtt.password";
const CLEAN_SESSION: &str = "mqtt.clean.session.enabled";
const CONNECT_TIMEOUT: &str = "mqtt.connect.timeout.seconds";
const KEEP_ALIVE: &str = "mqtt.keepalive.interval.seconds";
const QOS: &str = "mqtt.qos";
pub(crate) const TOPICS: &str = "mqtt.topics";
const RETAIN: &str = "mqtt.retain.enabled";
/// kconnect's own: Confluent's connectors speak MQTT 3.1.1 only.
const PROTOCOL_VERSION: &str = "mqtt.protocol.version";
/// The task's place among the connector's tasks, set by the connector in each task's
/// configuration: it names the task's MQTT client.
pub(crate) const TASK_NUMBER: &str = "kconnect.mqtt.task";
const CONNECTOR_NAME: &str = "name";
/// The stores of an `ssl://` broker, as Confluent's MQTT connectors name them (Java KeyStore
/// files there; JKS, PKCS12 or PEM here, the format read off the file).
const STORE_KEYS: StoreKeys = StoreKeys {
    truststore_location: "mqtt.ssl.trust.store.path",
    truststore_password: "mqtt.ssl.trust.store.password",
    truststore_type: None,
    keystore_location: "mqtt.ssl.key.store.path",
    keystore_password: "mqtt.ssl.key.store.password",
    keystore_type: None,
    key_password: "mqtt.ssl.key.password",
};

/// How to reach the broker, shared by source and sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectionConfig {
    pub host: String,
    pub port: u16,
    pub username: String,
    pub password: String,
    pub clean_session: bool,
    pub connect_timeout: Duration,
    pub keep_alive: Duration,
    pub qos: u8,
    pub version: Version,
    /// The MQTT client id: `<connector>-<task>`, stable across restarts so a persistent session
    /// (`mqtt.clean.session.enabled=false`) is found again.
    pub client_id: String,
    /// The stores to connect over TLS with (an `ssl://` broker); `None` for plain TCP.
    pub tls: Option<ClientStores>,
}

impl ConnectionConfig {
    /// `host:port`, for messages.
    pub fn address(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

fn connection_keys() -> ConfigDef {
    let key = |name: &str, kind: ConfigType, importance: Importance, doc: &str| {
        ConfigKey::new(name, kind)
            .importance(importance)
            .doc(doc)
            .group("Connection", 0)
    };
    let definition = ConfigDef::new()
        .define(key(
            SERVER_URI,
            ConfigType::List,
            Importance::High,
            "MQTT brokers to connect to, as tcp://host:port or ssl://host:port (TLS, with the \
             mqtt.ssl.* stores); the first one is used.",
        ))
        .define(
            key(
                USERNAME,
                ConfigType::String,
                Importance::High,
                "Username to connect with, or blank for none.",
            )
            .default_value(ConfigValue::String(String::new())),
        )
        .define(
            key(
                PASSWORD,
                ConfigType::Password,
                Importance::High,
                "Password to connect with, or blank for none.",
            )
            .default_value(ConfigValue::Password(String::new())),
        )
        .define(
            key(
                CLEAN_SESSION,
                ConfigType::Boolean,
                Importance::Low,
                "Whether the client and server forget the session across restarts and reconnects. false \
                 keeps it: QoS 1 messages published while the task is away are delivered when it is back.",
            )
            .default_value(ConfigValue::Boolean(true)),
        )
        .define(
            key(
                CONNECT_TIMEOUT,
                ConfigType::Int,
                Importance::Low,
                "Sets the connection timeout value.",
            )
            .default_value(ConfigValue::Int(30))
            .validator(Validator::AtLeast(1.0)),
        )
        .define(
            key(
                KEEP_ALIVE,
                ConfigType::Int,
                Importance::Low,
                "Sets the \"keep alive\" interval, in seconds.",
            )
            .default_value(ConfigValue::Int(60))
            .validator(Validator::AtLeast(1.0)),
        )
        .define(
            key(
                QOS,
                ConfigType::Int,
                Importance::Medium,
                "The MQTT QoS level: 0, 1 (at least once) or 2.",
            )
            .default_value(ConfigValue::Int(0))
            .validator(Validator::Between(0.0, 2.0)),
        )
        .define(
            key(
                PROTOCOL_VERSION,
                ConfigType::String,
                Importance::Medium,
                "The MQTT version to speak: 3.1.1, or 5 (user properties become Kafka headers and Kafka \
                 headers user properties; a kept session never expires).",
            )
            .default_value(ConfigValue::String("3.1.1".into()))
            .validator(Validator::one_of(&["3.1.1", "5"])),
        );
    ClientStores::define(definition, STORE_KEYS, "Security")
}

/// Where the broker is, and whether it speaks TLS.
#[derive(Debug, PartialEq, Eq)]
struct Broker {
    host: String,
    port: u16,
    tls: bool,
}

/// The broker of `tcp://host:port`, `ssl://host:port` (also `mqtt://`, `mqtts://`) or a bare
/// `host:port`; the port defaults to 1883, 8883 with TLS.
fn broker(uris: &[String]) -> Result<Broker> {
    let uri = uris
        .iter()
        .map(|u| u.trim())
        .find(|u| !u.is_empty())
        .ok_or_else(|| ConnectError::config(SERVER_URI, "names no broker"))?;
    let (rest, tls) = match uri.split_once("://") {
        Some(("tcp" | "mqtt", rest)) => (rest, false),
        Some(("ssl" | "mqtts", rest)) => (rest, true),
        Some((scheme, _)) => {
            return Err(ConnectError::config(
                SERVER_URI,
                format!("{uri}: scheme {scheme}:// is not supported (tcp:// or ssl://)"),
            ));
        }
        None => (uri, false),
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) => {
            let port = port
                .parse()
                .map_err(|_| ConnectError::config(SERVER_URI, format!("{uri}: {port:?} is not a port")))?;
            (host, port)
        }
        None => (rest, if tls { 8883 } else { 1883 }),
    };
    Ok(Broker {
        host: host.to_string(),
        port,
        tls,
    })
}

impl ConnectionConfig {
    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let Broker { host, port, tls } = broker(&parsed.list(SERVER_URI))?;
        let originals = parsed.originals();
        let name = originals.get(CONNECTOR_NAME).map_or("kconnect", String::as_str);
        let task = originals.get(TASK_NUMBER).map_or("0", String::as_str);
        Ok(Self {
            host,
            port,
            username: parsed.get_string(USERNAME)?.to_string(),
            password: parsed.get_string(PASSWORD)?.to_string(),
            clean_session: parsed.get_boolean(CLEAN_SESSION)?,
            connect_timeout: Duration::from_secs(parsed.get_int(CONNECT_TIMEOUT)? as u64),
            keep_alive: Duration::from_secs(parsed.get_int(KEEP_ALIVE)? as u64),
            qos: parsed.get_int(QOS)? as u8,
            version: match parsed.get_string(PROTOCOL_VERSION)? {
                "5" => Version::V5,
                _ => Version::V311,
            },
            client_id: format!("{name}-{task}"),
            tls: tls.then(|| ClientStores::read(parsed, STORE_KEYS)).transpose()?,
        })
    }
}

/// `io.confluent.connect.mqtt.MqttSourceConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceConfig {
    pub connection: ConnectionConfig,
    /// The topic filters this task subscribes to (wildcards allowed).
    pub topics: Vec<String>,
    pub kafka_topic: String,
}

impl SourceConfig {
    /// One configuration per task, the topic filters dealt out in turn (as Confluent's connector
    /// distributes them); each task's number names its client.
    pub fn task_configs(&self, raw: &ConfigMap, max_tasks: usize) -> Vec<ConfigMap> {
        let tasks = max_tasks.clamp(1, self.topics.len().max(1));
        let mut configs = numbered_tasks(raw, tasks, TASK_NUMBER);
        for (task, config) in configs.iter_mut().enumerate() {
            let topics: Vec<&str> = self
                .topics
                .iter()
                .skip(task)
                .step_by(tasks)
                .map(String::as_str)
                .collect();
            config.insert(TOPICS.into(), topics.join(","));
        }
        configs
    }
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        connection_keys().define(kafka_topic()).define(consumed(
            TOPICS,
            "The MQTT topic filters to subscribe to; + and # wildcards allowed.",
        ))
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            topics: names(parsed, TOPICS),
            kafka_topic: parsed.get_string(KAFKA_TOPIC)?.to_string(),
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        names_something(TOPICS, &self.topics, "topic filter")
    }
}

/// `io.confluent.connect.mqtt.MqttSinkConnector`'s configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkConfig {
    pub connection: ConnectionConfig,
    /// Published messages are retained by the broker.
    pub retain: bool,
}

impl PluginConfig for SinkConfig {
    fn definition() -> ConfigDef {
        connection_keys().define(
            ConfigKey::new(RETAIN, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Low)
                .doc("Whether the broker retains the messages published.")
                .group("Sink", 0),
        )
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            retain: parsed.get_boolean(RETAIN)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_broker_comes_from_the_first_uri() {
        let at = |host: &str, port, tls| Broker {
            host: host.into(),
            port,
            tls,
        };
        assert_eq!(
            broker(&["tcp://127.0.0.1:1884".into()]).unwrap(),
            at("127.0.0.1", 1884, false)
        );
        assert_eq!(broker(&["localhost".into()]).unwrap(), at("localhost", 1883, false));
        assert_eq!(broker(&["ssl://h".into()]).unwrap(), at("h", 8883, true));
        assert_eq!(broker(&["mqtts://h:8884/".into()]).unwrap(), at("h", 8884, true));
        let error = broker(&["ws://h:8000".into()]).unwrap_err();
        assert!(error.to_string().contains(SERVER_URI), "{error}");
        assert!(broker(&[]).is_err());
    }

    #[test]
    fn topics_are_dealt_out_to_tasks_each_with_its_own_client() {
        let raw = config(&[
            ("name", "iot"),
            (SERVER_URI, "tcp://localhost:1883"),
            (TOPICS, "a/#,b/+,c"),
            (KAFKA_TOPIC, "k"),
        ]);
        let parsed = SourceConfig::parse(&raw).unwrap();
        assert_eq!(parsed.connection.qos, 0);
        assert!(parsed.connection.clean_session);
        let tasks = parsed.task_configs(&raw, 2);
        assert_eq!(tasks.len(), 2);
        assert_eq!(tasks[0][TOPICS], "a/#,c");
        assert_eq!(tasks[1][TOPICS], "b/+");
        let second = SourceConfig::parse(&tasks[1]).unwrap();
        assert_eq!(second.connection.client_id, "iot-1");
        assert_eq!(parsed.task_configs(&raw, 10).len(), 3, "no more tasks than topics");
    }

    #[test]
    fn bad_values_name_their_key() {
        let error = SourceConfig::parse(&config(&[(SERVER_URI, "tcp://h:1883"), (KAFKA_TOPIC, "k")])).unwrap_err();
        assert!(error.to_string().contains(TOPICS), "{error}");
        let error = SinkConfig::parse(&config(&[(SERVER_URI, "tcp://h:1883"), (QOS, "3")])).unwrap_err();
        assert!(error.to_string().contains(QOS), "{error}");
    }
}
