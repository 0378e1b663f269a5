//! The NATS connectors' keys (kconnect's own `nats.*` namespace: no Kafka Connect connector for
//! NATS is in common use to take names from), and the typed configurations their tasks are handed.

use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, Result};

use crate::source_keys::{KAFKA_TOPIC, consumed, kafka_topic, names, names_something};

pub(crate) const SERVERS: &str = "nats.servers";
pub(crate) const CREDENTIALS_FILE: &str = "nats.credentials.file";
pub(crate) const USERNAME: &str = "nats.username";
const PASSWORD: &str = "nats.password";
const TOKEN: &str = "nats.token";
const CONNECT_TIMEOUT: &str = "nats.connect.timeout.ms";
const TLS_REQUIRED: &str = "nats.tls.required";
pub(crate) const TLS_CA_FILE: &str = "nats.tls.ca.file";
pub(crate) const TLS_CERT_FILE: &str = "nats.tls.cert.file";
pub(crate) const TLS_KEY_FILE: &str = "nats.tls.key.file";
pub(crate) const SUBJECTS: &str = "nats.subjects";
pub(crate) const STREAM: &str = "nats.stream";
const DURABLE_NAME: &str = "nats.durable.name";
const MAX_ACK_PENDING: &str = "nats.max.ack.pending";
const SUBJECT: &str = "nats.subject";
const JETSTREAM: &str = "nats.jetstream.enabled";
const CONNECTOR_NAME: &str = "name";

/// How to reach the servers, shared by source and sink.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ConnectionConfig {
    pub servers: Vec<String>,
    pub credentials_file: String,
    pub username: String,
    pub password: String,
    pub token: String,
    pub connect_timeout: Duration,
    pub tls: TlsFiles,
    /// The connector's name: the durable consumer's and the queue group's by default.
    pub connector: String,
}

/// TLS as NATS clients configure it: PEM files, TLS required or taken where the server offers it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub(crate) struct TlsFiles {
    /// Connect only over TLS (also implied by a `tls://` server).
    pub required: bool,
    /// The certificates that sign the server's (PEM), beside the system's.
    pub ca_file: String,
    /// The client certificate (PEM) and its key, for servers that verify clients.
    pub cert_file: String,
    pub key_file: String,
}

impl TlsFiles {
    /// A client certificate comes with its key.
    fn checks(&self) -> Vec<(&'static str, String)> {
        match (self.cert_file.is_empty(), self.key_file.is_empty()) {
            (false, true) => vec![(TLS_KEY_FILE, "is required with nats.tls.cert.file".into())],
            (true, false) => vec![(TLS_CERT_FILE, "is required with nats.tls.key.file".into())],
            _ => Vec::new(),
        }
    }
}

fn connection_keys() -> ConfigDef {
    let text = |name: &str, kind: ConfigType, doc: &str| {
        let empty = match kind {
            ConfigType::Password => ConfigValue::Password(String::new()),
            _ => ConfigValue::String(String::new()),
        };
        ConfigKey::new(name, kind)
            .default_value(empty)
            .importance(Importance::Medium)
            .doc(doc)
            .group("Connection", 1)
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(SERVERS, ConfigType::List)
                .default_value(ConfigValue::List(vec!["nats://127.0.0.1:4222".into()]))
                .importance(Importance::High)
                .doc("The NATS servers to connect to (nats://host:port, tls://host:port).")
                .group("Connection", 0),
        )
        .define(text(
            CREDENTIALS_FILE,
            ConfigType::String,
            "A .creds file (JWT and NKey seed) to authenticate with.",
        ))
        .define(text(USERNAME, ConfigType::String, "The user to authenticate as."))
        .define(text(PASSWORD, ConfigType::Password, "The user's password."))
        .define(text(TOKEN, ConfigType::Password, "A token to authenticate with."))
        .define(
            ConfigKey::new(CONNECT_TIMEOUT, ConfigType::Int)
                .default_value(ConfigValue::Int(5000))
                .validator(Validator::AtLeast(1.0))
                .importance(Importance::Low)
                .doc("How long to wait for a server to accept the connection, in milliseconds.")
                .group("Connection", 2),
        )
        .define(
            ConfigKey::new(TLS_REQUIRED, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Medium)
                .doc("Connect only over TLS (a tls:// server requires it too).")
                .group("Security", 0),
        )
        .define(text(
            TLS_CA_FILE,
            ConfigType::String,
            "The certificates (PEM) that sign the server's, trusted beside the system's.",
        ))
        .define(text(
            TLS_CERT_FILE,
            ConfigType::String,
            "The client certificate (PEM) for a server that verifies clients; with nats.tls.key.file.",
        ))
        .define(text(
            TLS_KEY_FILE,
            ConfigType::String,
            "The client certificate's key (PEM).",
        ))
}

impl ConnectionConfig {
    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            servers: names(parsed, SERVERS),
            credentials_file: parsed.get_string(CREDENTIALS_FILE)?.to_string(),
            username: parsed.get_string(USERNAME)?.to_string(),
            password: parsed.get_string(PASSWORD)?.to_string(),
            token: parsed.get_string(TOKEN)?.to_string(),
            connect_timeout: parsed.get_millis(CONNECT_TIMEOUT)?,
            tls: TlsFiles {
                required: parsed.get_boolean(TLS_REQUIRED)?,
                ca_file: parsed.get_string(TLS_CA_FILE)?.to_string(),
                cert_file: parsed.get_string(TLS_CERT_FILE)?.to_string(),
                key_file: parsed.get_string(TLS_KEY_FILE)?.to_string(),
            },
            connector: parsed
                .originals()
                .get(CONNECTOR_NAME)
                .cloned()
                .unwrap_or_else(|| "kconnect".into()),
        })
    }
}

/// The NATS source's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceConfig {
    pub connection: ConnectionConfig,
    pub subjects: Vec<String>,
    pub kafka_topic: String,
    /// The JetStream stream to consume through a durable consumer; `None` for core NATS.
    pub stream: Option<String>,
    /// The durable consumer's name (the connector's by default); the queue group's for core NATS.
    pub durable_name: String,
    pub max_ack_pending: usize,
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        connection_keys()
            .define(kafka_topic())
            .define(consumed(
                SUBJECTS,
                "The subjects to consume (* and > wildcards allowed); with nats.stream, the stream's \
                 subjects the durable consumer filters on.",
            ))
            .define(
                ConfigKey::new(STREAM, ConfigType::String)
                    .default_value(ConfigValue::String(String::new()))
                    .importance(Importance::High)
                    .doc(
                        "The JetStream stream to consume (it must exist), through a durable consumer whose \
                         acknowledgements wait for Kafka: at least once. Empty: core NATS subscriptions, \
                         at most once.",
                    )
                    .group("Source", 2),
            )
            .define(
                ConfigKey::new(DURABLE_NAME, ConfigType::String)
                    .default_value(ConfigValue::String(String::new()))
                    .importance(Importance::Medium)
                    .doc("The durable consumer's name (core NATS: the queue group's); empty for the connector's name.")
                    .group("Source", 3),
            )
            .define(
                ConfigKey::new(MAX_ACK_PENDING, ConfigType::Int)
                    .default_value(ConfigValue::Int(5000))
                    .validator(Validator::AtLeast(1.0))
                    .importance(Importance::Low)
                    .doc(
                        "Messages the server delivers before they are acknowledged, at most (also the \
                         task's buffer). Acknowledgements wait for Kafka, so the window must cover \
                         Kafka's round trips: NATS's own default of 1,000 halves the throughput.",
                    )
                    .group("Source", 4),
            )
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let connection = ConnectionConfig::from_parsed(parsed)?;
        let durable = parsed.get_string(DURABLE_NAME)?;
        let stream = parsed.get_string(STREAM)?;
        Ok(Self {
            subjects: names(parsed, SUBJECTS),
            kafka_topic: parsed.get_string(KAFKA_TOPIC)?.to_string(),
            stream: (!stream.is_empty()).then(|| stream.to_string()),
            durable_name: if durable.is_empty() {
                connection.connector.clone()
            } else {
                durable.to_string()
            },
            max_ack_pending: parsed.get_int(MAX_ACK_PENDING)? as usize,
            connection,
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        let mut checks = names_something(SUBJECTS, &self.subjects, "subject");
        checks.extend(self.connection.tls.checks());
        checks
    }
}

/// The NATS sink's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkConfig {
    pub connection: ConnectionConfig,
    /// The subject every record goes to; `None`: the record's topic.
    pub subject: Option<String>,
    /// Publish through JetStream and wait for its acknowledgements.
    pub jetstream: bool,
}

impl PluginConfig for SinkConfig {
    fn definition() -> ConfigDef {
        connection_keys()
            .define(
                ConfigKey::new(SUBJECT, ConfigType::String)
                    .default_value(ConfigValue::String(String::new()))
                    .importance(Importance::High)
                    .doc("The subject to publish to; empty for the record's topic.")
                    .group("Sink", 0),
            )
            .define(
                ConfigKey::new(JETSTREAM, ConfigType::Boolean)
                    .default_value(ConfigValue::Boolean(true))
                    .importance(Importance::Medium)
                    .doc(
                        "Publish through JetStream, each message acknowledged by the stream that stores it \
                         (a subject no stream captures fails the batch); false publishes on core NATS, \
                         acknowledged by nothing.",
                    )
                    .group("Sink", 1),
            )
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let subject = parsed.get_string(SUBJECT)?;
        Ok(Self {
            connection: ConnectionConfig::from_parsed(parsed)?,
            subject: (!subject.is_empty()).then(|| subject.to_string()),
            jetstream: parsed.get_boolean(JETSTREAM)?,
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        self.connection.tls.checks()
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
    fn the_source_defaults_to_the_local_server_and_the_connectors_name() {
        let parsed = SourceConfig::parse(&config(&[
            ("name", "orders"),
            (SUBJECTS, "orders.>"),
            (KAFKA_TOPIC, "k"),
        ]))
        .unwrap();
        assert_eq!(parsed.connection.servers, ["nats://127.0.0.1:4222"]);
        assert_eq!(parsed.durable_name, "orders");
        assert_eq!(parsed.stream, None);
        let error = SourceConfig::parse(&config(&[(KAFKA_TOPIC, "k")])).unwrap_err();
        assert!(error.to_string().contains(SUBJECTS), "{error}");
    }

    #[test]
    fn the_sink_publishes_through_jetstream_to_the_topic_by_default() {
        let parsed = SinkConfig::parse(&config(&[])).unwrap();
        assert!(parsed.jetstream);
        assert_eq!(parsed.subject, None);
    }
}
