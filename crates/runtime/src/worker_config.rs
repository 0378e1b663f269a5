//! The worker configuration, with Apache's keys and defaults, plus kconnect's `embedded.broker.*`.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator, with_prefix};
use kconnect_api::{ConfigDef, ConfigMap};

use crate::client_overrides::{OVERRIDE_POLICY, OverridePolicy};
use crate::error::RuntimeError;

/// `bootstrap.servers`.
pub const BOOTSTRAP_SERVERS: &str = "bootstrap.servers";
/// `offset.storage.file.filename`.
pub const OFFSET_FILE: &str = "offset.storage.file.filename";
const OFFSET_FLUSH_INTERVAL: &str = "offset.flush.interval.ms";
const OFFSET_FLUSH_TIMEOUT: &str = "offset.flush.timeout.ms";
const GRACEFUL_TIMEOUT: &str = "task.shutdown.graceful.timeout.ms";
const CONNECTOR_START_TIMEOUT: &str = "connector.start.timeout.ms";
const LISTENERS: &str = "listeners";
const ADVERTISED_HOST: &str = "rest.advertised.host.name";
const ADVERTISED_PORT: &str = "rest.advertised.port";
const ADVERTISED_LISTENER: &str = "rest.advertised.listener";
const ADMIN_LISTENERS: &str = "admin.listeners";
const TOPIC_CREATION_ENABLE: &str = "topic.creation.enable";
/// kconnect's key naming the JAAS file of `BasicAuthSecurityRestExtension` (Apache reads it from
/// the JVM property `java.security.auth.login.config`, which kconnect also reads from `KAFKA_OPTS`).
pub const REST_BASIC_AUTH_JAAS: &str = "rest.basic.auth.jaas.file";
const TOPIC_TRACKING_ENABLE: &str = "topic.tracking.enable";
const REST_SECRETS_MASK: &str = "rest.secrets.mask";
const TOPIC_TRACKING_ALLOW_RESET: &str = "topic.tracking.allow.reset";
const EMBEDDED_DATA_DIR: &str = "embedded.broker.data.dir";
const EMBEDDED_LISTENER: &str = "embedded.broker.listener";
const EMBEDDED_STORAGE: &str = "embedded.broker.storage";
const EMBEDDED_REGISTRY_LISTENER: &str = "embedded.schema.registry.listener";

/// The keys of the standalone worker configuration.
pub fn worker_config_def() -> ConfigDef {
    let long = |name: &str, default: i64, doc: &str| {
        ConfigKey::new(name, ConfigType::Long)
            .default_value(ConfigValue::Long(default))
            .validator(Validator::AtLeast(0.0))
            .importance(Importance::Low)
            .doc(doc)
    };
    let optional_string = |name: &str, doc: &str| {
        ConfigKey::new(name, ConfigType::String)
            .default_value(ConfigValue::Null)
            .importance(Importance::Low)
            .doc(doc)
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(BOOTSTRAP_SERVERS, ConfigType::List)
                .default_value(ConfigValue::Null)
                .importance(Importance::High)
                .doc("A list of host/port pairs of the Kafka cluster. When unset, kconnect starts an embedded broker."),
        )
        .define(
            ConfigKey::new("key.converter", ConfigType::Class)
                .importance(Importance::High)
                .doc("Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."),
        )
        .define(
            ConfigKey::new("value.converter", ConfigType::Class)
                .importance(Importance::High)
                .doc("Converter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."),
        )
        .define(
            ConfigKey::new("header.converter", ConfigType::Class)
                .default_value(ConfigValue::Class("org.apache.kafka.connect.storage.SimpleHeaderConverter".into()))
                .importance(Importance::Low)
                .doc("HeaderConverter class used to convert between Kafka Connect format and the serialized form that is written to Kafka."),
        )
        .define(
            ConfigKey::new(OFFSET_FILE, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("File to store source connector offsets in."),
        )
        .define(long(OFFSET_FLUSH_INTERVAL, 60_000, "Interval at which to try committing offsets for tasks."))
        .define(long(OFFSET_FLUSH_TIMEOUT, 5_000, "Maximum number of milliseconds to wait for records to flush and offsets to be committed."))
        .define(long(GRACEFUL_TIMEOUT, 5_000, "Amount of time to wait for tasks to shutdown gracefully."))
        .define(OverridePolicy::key())
        .define(long(CONNECTOR_START_TIMEOUT, 60_000, "kconnect only: how long a connector's start may take before the connector is FAILED, so that one that hangs holds its herder no longer."))
        .define(
            ConfigKey::new(LISTENERS, ConfigType::List)
                .default_value(ConfigValue::List(vec!["http://:8083".into()]))
                .importance(Importance::Low)
                .doc("List of comma-separated URIs the REST API will listen on."),
        )
        .define(
            ConfigKey::new("plugin.path", ConfigType::List)
                .default_value(ConfigValue::Null)
                .importance(Importance::Low)
                .doc("Directories of Java plugins (jars, or directories of jars), whose connectors kconnect runs in a JVM beside the worker; built-in plugins need nothing here."),
        )
        .define(optional_string(ADVERTISED_HOST, "The host name given out as this worker's id."))
        .define(optional_string(
            ADVERTISED_LISTENER,
            "The protocol (http or https) of the listener other workers call.",
        ))
        .define(
            ConfigKey::new(ADVERTISED_PORT, ConfigType::Int)
                .default_value(ConfigValue::Null)
                .importance(Importance::Low)
                .doc("The port given out as part of this worker's id."),
        )
        .define(
            ConfigKey::new(TOPIC_CREATION_ENABLE, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Low)
                .doc("Whether source connectors may create their topics (KIP-158 topic.creation.*)."),
        )
        .define(
            ConfigKey::new(TOPIC_TRACKING_ENABLE, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Low)
                .doc("Enable tracking the set of active topics per connector during runtime."),
        )
        .define(
            ConfigKey::new(TOPIC_TRACKING_ALLOW_RESET, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Low)
                .doc("If set to true, it allows user requests to reset the set of active topics per connector."),
        )
        .define(
            ConfigKey::new(REST_SECRETS_MASK, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Medium)
                .doc("kconnect only: whether the REST API shows connectors' password, key and JAAS values as [hidden]; a write sending [hidden] back keeps the stored value."),
        )
        .define(optional_string(REST_BASIC_AUTH_JAAS, "The JAAS file of BasicAuthSecurityRestExtension: its PropertyFileLoginModule file=\"…\" lists user: password lines."))
        .define(
            ConfigKey::new("rest.extension.classes", ConfigType::List)
                .default_value(ConfigValue::String(String::new()))
                .importance(Importance::Low)
                .doc("REST extensions; org.apache.kafka.connect.rest.basic.auth.extension.BasicAuthSecurityRestExtension turns on basic authentication."),
        )
        .define(optional_string(EMBEDDED_DATA_DIR, "Where the embedded broker keeps its data; default: beside the offsets file."))
        .define(socket_address(EMBEDDED_LISTENER, "127.0.0.1:9092", "The address the embedded broker listens on."))
        .define(socket_address(
            EMBEDDED_REGISTRY_LISTENER,
            "127.0.0.1:8081",
            "The address the schema registry a worker runs beside its embedded broker listens on (another free port when this one is taken).",
        ))
        .define(
            ConfigKey::new(EMBEDDED_STORAGE, ConfigType::String)
                .default_value(ConfigValue::String("sqlite".into()))
                .validator(Validator::one_of_ignore_case(&["sqlite", "memory"]))
                .importance(Importance::Low)
                .doc("The embedded broker's storage: sqlite (durable) or memory."),
        )
}

/// A `host:port` key with an IP address.
fn socket_address(name: &str, default: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::String(default.into()))
        .validator(Validator::Custom(std::sync::Arc::new(|value| match value {
            ConfigValue::String(s) => s
                .parse::<SocketAddr>()
                .map(|_| ())
                .map_err(|_| "Expected host:port with an IP address".to_string()),
            _ => Ok(()),
        })))
        .importance(Importance::Low)
        .doc(doc)
}

/// A parsed, validated worker configuration.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    parsed: ParsedConfig,
    /// `bootstrap.servers`, or the embedded broker's address once it runs.
    pub bootstrap_servers: Option<String>,
    /// Whether the worker talks to its own embedded broker (topics are then created on first use).
    pub embedded_broker: bool,
    /// Whether the broker is kconnect's own (embedded, or a `kconnect broker` process), known by
    /// its cluster id once the worker has asked for it; sink consumers are tuned for it.
    pub own_broker: bool,
    /// The URL of the schema registry the worker runs beside its embedded broker, once it runs:
    /// key and value converters that name no `schema.registry.url` are given it.
    pub schema_registry_url: Option<String>,
    timings: Timings,
    topics: TopicSwitches,
    embedded_storage: String,
    override_policy: OverridePolicy,
    mask_secrets: bool,
}

/// The worker's timing keys, read once.
#[derive(Debug, Clone, Copy)]
struct Timings {
    offset_flush_interval: Duration,
    offset_flush_timeout: Duration,
    graceful_shutdown_timeout: Duration,
    connector_start_timeout: Duration,
}

/// The worker's topic switches (KIP-158, KIP-558), read once.
#[derive(Debug, Clone, Copy)]
struct TopicSwitches {
    creation: bool,
    tracking: bool,
    tracking_reset: bool,
}

impl WorkerConfig {
    /// Parses standalone worker `props`, listing every invalid key.
    pub fn new(props: ConfigMap) -> Result<Self, RuntimeError> {
        Self::with_def(props, worker_config_def())
    }

    /// Parses `props` against `def` (the distributed worker's keys, say), listing every invalid key.
    pub fn with_def(props: ConfigMap, def: ConfigDef) -> Result<Self, RuntimeError> {
        let errors = kconnect_api::ConfigInfos::new("worker", def.validate(&props)).error_messages();
        if !errors.is_empty() {
            return Err(RuntimeError::InvalidConfig {
                context: "Worker configuration".into(),
                errors,
            });
        }
        let parsed = def.parse(&props)?;
        let bootstrap_servers = Some(parsed.list(BOOTSTRAP_SERVERS).join(",")).filter(|s| !s.is_empty());
        let timings = Timings {
            offset_flush_interval: parsed.get_millis(OFFSET_FLUSH_INTERVAL)?.max(Duration::from_millis(1)),
            offset_flush_timeout: parsed.get_millis(OFFSET_FLUSH_TIMEOUT)?,
            graceful_shutdown_timeout: parsed.get_millis(GRACEFUL_TIMEOUT)?,
            connector_start_timeout: parsed.get_millis(CONNECTOR_START_TIMEOUT)?,
        };
        let topics = TopicSwitches {
            creation: parsed.get_boolean(TOPIC_CREATION_ENABLE)?,
            tracking: parsed.get_boolean(TOPIC_TRACKING_ENABLE)?,
            tracking_reset: parsed.get_boolean(TOPIC_TRACKING_ALLOW_RESET)?,
        };
        let embedded_storage = parsed.get_string(EMBEDDED_STORAGE)?.to_string();
        let override_policy = OverridePolicy::named(parsed.get_string(OVERRIDE_POLICY)?).unwrap_or_default();
        let mask_secrets = parsed.get_boolean(REST_SECRETS_MASK)?;
        Ok(Self {
            embedded_broker: bootstrap_servers.is_none(),
            own_broker: false,
            schema_registry_url: None,
            bootstrap_servers,
            parsed,
            timings,
            topics,
            embedded_storage,
            override_policy,
            mask_secrets,
        })
    }

    /// Every property given.
    pub fn originals(&self) -> &ConfigMap {
        self.parsed.originals()
    }

    /// The given properties under `prefix`, prefix removed (`producer.`, `key.converter.`, ...).
    pub fn with_prefix(&self, prefix: &str) -> ConfigMap {
        with_prefix(self.parsed.originals(), prefix)
    }

    /// The group of a distributed worker whose source tasks deliver exactly once
    /// (`exactly.once.source.support=enabled`): their transactional ids start with it.
    pub fn exactly_once_group(&self) -> Option<&str> {
        let originals = self.parsed.originals();
        let enabled = originals
            .get("exactly.once.source.support")
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("enabled"));
        originals.get("group.id").filter(|_| enabled).map(String::as_str)
    }

    /// The group of a distributed worker whose leader writes the config topic in transactions
    /// (`exactly.once.source.support` `preparing` or `enabled`, Apache's transactional leader).
    pub fn transactional_leader_group(&self) -> Option<&str> {
        let originals = self.parsed.originals();
        let support = originals
            .get("exactly.once.source.support")
            .map(|v| v.trim().to_ascii_lowercase());
        let transactional = matches!(support.as_deref(), Some("preparing" | "enabled"));
        originals.get("group.id").filter(|_| transactional).map(String::as_str)
    }

    /// A string setting.
    pub fn string(&self, key: &str) -> Option<&str> {
        self.parsed.string(key)
    }

    /// A numeric (int or long) setting.
    pub fn number(&self, key: &str) -> Option<i64> {
        self.parsed.long(key)
    }

    /// The standalone offsets file.
    pub fn offset_file(&self) -> PathBuf {
        PathBuf::from(self.parsed.string(OFFSET_FILE).unwrap_or("connect.offsets"))
    }

    /// `offset.flush.interval.ms` (at least a millisecond).
    pub fn offset_flush_interval(&self) -> Duration {
        self.timings.offset_flush_interval
    }

    /// `offset.flush.timeout.ms`.
    pub fn offset_flush_timeout(&self) -> Duration {
        self.timings.offset_flush_timeout
    }

    /// `task.shutdown.graceful.timeout.ms`.
    pub fn graceful_shutdown_timeout(&self) -> Duration {
        self.timings.graceful_shutdown_timeout
    }

    /// `rest.secrets.mask`.
    pub fn mask_secrets(&self) -> bool {
        self.mask_secrets
    }

    /// `connector.client.config.override.policy`.
    pub fn override_policy(&self) -> OverridePolicy {
        self.override_policy
    }

    /// `connector.start.timeout.ms`.
    pub fn connector_start_timeout(&self) -> Duration {
        self.timings.connector_start_timeout
    }

    /// `topic.creation.enable`.
    pub fn topic_creation_enabled(&self) -> bool {
        self.topics.creation
    }

    /// `topic.tracking.enable`.
    pub fn topic_tracking_enabled(&self) -> bool {
        self.topics.tracking
    }

    /// `topic.tracking.allow.reset`.
    pub fn topic_tracking_reset_allowed(&self) -> bool {
        self.topics.tracking_reset
    }

    /// Every entry of `listeners` (`http://:8083` when unset), each served with the whole API
    /// (without `/admin` when `admin.listeners` is set).
    pub fn rest_listeners(&self) -> Result<Vec<RestListener>, RuntimeError> {
        let listed = self.parsed.list(LISTENERS);
        if listed.is_empty() {
            return parse_listeners(LISTENERS, &["http://:8083".to_string()]);
        }
        parse_listeners(LISTENERS, &listed)
    }

    /// `admin.listeners`: `None` when unset (the `/admin` endpoints are served on `listeners`),
    /// else the listeners that serve only them; an empty value disables them.
    pub fn admin_listeners(&self) -> Result<Option<Vec<RestListener>>, RuntimeError> {
        let Some(value) = self.parsed.originals().get(ADMIN_LISTENERS) else {
            return Ok(None);
        };
        let listed: Vec<String> = value
            .split(',')
            .map(str::trim)
            .filter(|entry| !entry.is_empty())
            .map(str::to_string)
            .collect();
        parse_listeners(ADMIN_LISTENERS, &listed).map(Some)
    }

    /// The listener other workers call, whose scheme and port this worker advertises: the first of
    /// `listeners` with the protocol `rest.advertised.listener` names, else the first.
    pub fn advertised_listener(&self) -> Result<RestListener, RuntimeError> {
        let listeners = self.rest_listeners()?;
        let Some(protocol) = self.parsed.string(ADVERTISED_LISTENER).filter(|p| !p.is_empty()) else {
            return Ok(listeners[0]);
        };
        let https = match protocol.to_ascii_lowercase().as_str() {
            "http" => false,
            "https" => true,
            _ => {
                return Err(invalid_worker_config(format!(
                    "{ADVERTISED_LISTENER}: {protocol} is not one of http, https"
                )));
            }
        };
        listeners
            .into_iter()
            .find(|listener| listener.https == https)
            .ok_or_else(|| {
                invalid_worker_config(format!(
                    "{ADVERTISED_LISTENER}: no entry of {LISTENERS} uses the protocol {protocol}"
                ))
            })
    }

    /// Whether other workers call this one over HTTPS.
    pub fn rest_uses_tls(&self) -> bool {
        self.advertised_listener().is_ok_and(|listener| listener.https)
    }

    /// An SSL setting of the HTTPS listener: `listeners.https.<key>`, else the worker's `<key>`.
    pub fn https_setting(&self, key: &str) -> Option<&str> {
        let originals = self.parsed.originals();
        originals
            .get(&format!("listeners.https.{key}"))
            .or_else(|| originals.get(key))
            .map(String::as_str)
    }

    /// This worker's id in statuses: the advertised `host:port`.
    pub fn worker_id(&self) -> String {
        let listener = self.advertised_listener().ok().map(|listener| listener.addr);
        let host = self
            .parsed
            .string(ADVERTISED_HOST)
            .map(str::to_string)
            .or_else(|| {
                listener
                    .filter(|l| !l.ip().is_unspecified())
                    .map(|l| l.ip().to_string())
            })
            .unwrap_or_else(local_host_name);
        let port = self
            .parsed
            .int(ADVERTISED_PORT)
            .map(|p| p as u16)
            .or(listener.map(|l| l.port()))
            .unwrap_or(8083);
        format!("{host}:{port}")
    }

    /// The embedded broker's listen address.
    pub fn embedded_listener(&self) -> SocketAddr {
        self.socket_address(EMBEDDED_LISTENER)
    }

    /// The address of the schema registry run beside the embedded broker.
    pub fn embedded_registry_listener(&self) -> SocketAddr {
        self.socket_address(EMBEDDED_REGISTRY_LISTENER)
    }

    /// The address under a [`socket_address`] key, which has a default and was validated.
    fn socket_address(&self, key: &str) -> SocketAddr {
        self.parsed
            .string(key)
            .and_then(|s| s.parse().ok())
            .expect("a socket_address key has a valid default and is validated")
    }

    /// The embedded broker's data directory: `embedded.broker.data.dir`, else `kconnect-broker`
    /// beside the offsets file.
    pub fn embedded_data_dir(&self) -> PathBuf {
        match self.parsed.string(EMBEDDED_DATA_DIR) {
            Some(dir) => PathBuf::from(dir),
            None => {
                let offsets = self.offset_file();
                let parent = offsets.parent().filter(|p| !p.as_os_str().is_empty());
                parent.map_or_else(|| PathBuf::from("kconnect-broker"), |p| p.join("kconnect-broker"))
            }
        }
    }

    /// The embedded broker's storage name (`sqlite` or `memory`).
    pub fn embedded_storage(&self) -> &str {
        &self.embedded_storage
    }
}

/// One entry of `listeners` or `admin.listeners`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RestListener {
    /// The address to bind.
    pub addr: SocketAddr,
    /// Whether it is `https://`.
    pub https: bool,
}

fn invalid_worker_config(error: String) -> RuntimeError {
    RuntimeError::InvalidConfig {
        context: "Worker configuration".into(),
        errors: vec![error],
    }
}

fn parse_listeners(key: &str, entries: &[String]) -> Result<Vec<RestListener>, RuntimeError> {
    entries
        .iter()
        .map(|entry| {
            parse_listener(entry).ok_or_else(|| {
                invalid_worker_config(format!(
                    "{key}: Invalid listener {entry}: expected http://host:port or https://host:port"
                ))
            })
        })
        .collect()
}

/// Parses `http://host:port` or `https://host:port` (an empty host means every interface).
fn parse_listener(listener: &str) -> Option<RestListener> {
    let lower = listener.trim().to_ascii_lowercase();
    let (rest, https) = match lower.strip_prefix("https://") {
        Some(rest) => (rest, true),
        None => (lower.strip_prefix("http://")?, false),
    };
    let rest = rest.trim_end_matches('/');
    let (host, port) = rest.rsplit_once(':')?;
    let port: u16 = port.parse().ok()?;
    let ip = match host.trim_matches(['[', ']']) {
        "" | "0.0.0.0" => std::net::IpAddr::from([0, 0, 0, 0]),
        "localhost" => std::net::IpAddr::from([127, 0, 0, 1]),
        other => other.parse().ok()?,
    };
    Some(RestListener {
        addr: SocketAddr::new(ip, port),
        https,
    })
}

fn local_host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn quickstart() -> Vec<(&'static str, &'static str)> {
        vec![
            ("key.converter", "org.apache.kafka.connect.json.JsonConverter"),
            ("value.converter", "org.apache.kafka.connect.json.JsonConverter"),
            ("offset.storage.file.filename", "/tmp/connect.offsets"),
            ("offset.flush.interval.ms", "10000"),
            ("plugin.path", "libs/connect-file-3.9.0.jar"),
        ]
    }

    #[test]
    fn quickstart_config_runs_embedded() {
        let config = WorkerConfig::new(props(&quickstart())).unwrap();
        assert!(config.embedded_broker);
        assert_eq!(config.offset_flush_interval(), Duration::from_secs(10));
        let default = RestListener {
            addr: "0.0.0.0:8083".parse().unwrap(),
            https: false,
        };
        assert_eq!(config.rest_listeners().unwrap(), [default]);
        assert_eq!(config.admin_listeners().unwrap(), None);
        assert_eq!(config.embedded_data_dir(), PathBuf::from("/tmp/kconnect-broker"));
    }

    #[test]
    fn bootstrap_servers_disable_the_embedded_broker() {
        let mut pairs = quickstart();
        pairs.push(("bootstrap.servers", "kafka1:9092, kafka2:9092"));
        let config = WorkerConfig::new(props(&pairs)).unwrap();
        assert!(!config.embedded_broker);
        assert_eq!(config.bootstrap_servers.as_deref(), Some("kafka1:9092,kafka2:9092"));
    }

    #[test]
    fn every_bad_key_is_named() {
        let err = WorkerConfig::new(props(&[("offset.flush.interval.ms", "soon")]))
            .unwrap_err()
            .to_string();
        for key in [
            "key.converter",
            "value.converter",
            "offset.storage.file.filename",
            "offset.flush.interval.ms",
        ] {
            assert!(err.contains(key), "{key} missing from {err}");
        }
    }

    #[test]
    fn listeners_parse() {
        let listener = |text: &str, https| RestListener {
            addr: text.parse::<SocketAddr>().unwrap(),
            https,
        };
        assert_eq!(
            parse_listener("http://localhost:8084"),
            Some(listener("127.0.0.1:8084", false))
        );
        assert_eq!(
            parse_listener("https://127.0.0.1:8443"),
            Some(listener("127.0.0.1:8443", true))
        );
        assert_eq!(parse_listener("http://:8083"), Some(listener("0.0.0.0:8083", false)));
        assert_eq!(parse_listener("ftp://x:1"), None);
    }

    fn with(pairs: &[(&'static str, &'static str)]) -> WorkerConfig {
        let mut all = quickstart();
        all.extend_from_slice(pairs);
        WorkerConfig::new(props(&all)).unwrap()
    }

    #[test]
    fn every_listener_is_listed_and_the_advertised_one_is_chosen_by_protocol() {
        let both = [("listeners", "http://127.0.0.1:8083, https://127.0.0.1:8443")];
        let config = with(&both);
        assert_eq!(config.rest_listeners().unwrap().len(), 2);
        assert_eq!(config.worker_id(), "127.0.0.1:8083", "the first by default");
        assert!(!config.rest_uses_tls());
        let config = with(&[both[0], ("rest.advertised.listener", "HTTPS")]);
        assert_eq!(config.worker_id(), "127.0.0.1:8443");
        assert!(config.rest_uses_tls());
        let missing = with(&[
            ("listeners", "http://127.0.0.1:8083"),
            ("rest.advertised.listener", "https"),
        ]);
        let err = missing.advertised_listener().unwrap_err().to_string();
        assert!(err.contains("rest.advertised.listener"), "{err}");
        let bad = with(&[("listeners", "http://127.0.0.1:8083,tcp://x:1")]);
        assert!(
            bad.rest_listeners()
                .unwrap_err()
                .to_string()
                .contains("Invalid listener tcp://x:1")
        );
    }

    #[test]
    fn admin_listeners_unset_empty_or_listed() {
        assert_eq!(with(&[]).admin_listeners().unwrap(), None);
        assert_eq!(
            with(&[("admin.listeners", "")]).admin_listeners().unwrap(),
            Some(vec![])
        );
        let listed = with(&[("admin.listeners", "http://127.0.0.1:9093")])
            .admin_listeners()
            .unwrap();
        assert_eq!(listed.map(|l| l.len()), Some(1));
    }
}
