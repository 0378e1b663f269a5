//! The distributed worker's configuration: the standalone keys (without the offsets file) plus
//! Apache's `DistributedConfig` keys, validated with each bad key named.

use std::time::Duration;

use kconnect_api::ConfigDef;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_runtime::worker_config::{OFFSET_FILE, worker_config_def};
use kconnect_runtime::{ConfigMap, RuntimeError, WorkerConfig};

use crate::group::GroupTimings;
use crate::group_security::GroupSecurity;
use crate::kafka_log::TopicSpec;

/// `group.id`.
pub const GROUP_ID: &str = "group.id";
const CONFIG_TOPIC: &str = "config.storage.topic";
const OFFSET_TOPIC: &str = "offset.storage.topic";
const STATUS_TOPIC: &str = "status.storage.topic";
const MAX_DELAY: &str = "scheduled.rebalance.max.delay.ms";
const SESSION_TIMEOUT: &str = "session.timeout.ms";
const HEARTBEAT_INTERVAL: &str = "heartbeat.interval.ms";
const REBALANCE_TIMEOUT: &str = "rebalance.timeout.ms";
const SYNC_TIMEOUT: &str = "worker.sync.timeout.ms";
const KEY_TTL: &str = "inter.worker.key.ttl.ms";
const CONNECT_PROTOCOL: &str = "connect.protocol";

/// The worker key of exactly-once source delivery.
const EXACTLY_ONCE_SOURCE_SUPPORT: &str = "exactly.once.source.support";

fn required_string(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .validator(Validator::NonEmptyString)
        .importance(Importance::High)
        .doc(doc)
}

/// `exactly.once.source.support`: `disabled`, `preparing` (Apache's rolling-upgrade step, which
/// changes nothing while no worker writes in transactions) or `enabled` (source tasks write their
/// records and offsets in transactions).
fn exactly_once_source_support() -> ConfigKey {
    ConfigKey::new(EXACTLY_ONCE_SOURCE_SUPPORT, ConfigType::String)
        .default_value(ConfigValue::String("disabled".into()))
        .validator(Validator::one_of(&["disabled", "preparing", "enabled"]))
        .importance(Importance::High)
        .doc("Whether source tasks write their records and offsets in transactions (KIP-618): disabled, preparing or enabled.")
}

fn number(name: &str, kind: ConfigType, default: i64, minimum: f64, doc: &str) -> ConfigKey {
    let value = match kind {
        ConfigType::Short => ConfigValue::Short(default as i16),
        ConfigType::Int => ConfigValue::Int(default as i32),
        _ => ConfigValue::Long(default),
    };
    ConfigKey::new(name, kind)
        .default_value(value)
        .validator(Validator::AtLeast(minimum))
        .importance(Importance::Medium)
        .doc(doc)
}

/// Every key of a distributed worker.
pub fn distributed_config_def() -> ConfigDef {
    let short = |name: &str, default: i64, doc: &str| number(name, ConfigType::Short, default, -1.0, doc);
    worker_config_def()
        .define(
            ConfigKey::new(OFFSET_FILE, ConfigType::String)
                .default_value(ConfigValue::Null)
                .importance(Importance::Low)
                .doc("Not used by distributed workers."),
        )
        .define(required_string(GROUP_ID, "A unique string that identifies the Connect cluster group this worker belongs to."))
        .define(required_string(CONFIG_TOPIC, "The name of the Kafka topic where connector configurations are stored"))
        .define(required_string(OFFSET_TOPIC, "The name of the Kafka topic where source connector offsets are stored"))
        .define(required_string(STATUS_TOPIC, "The name of the Kafka topic where connector and task status are stored"))
        .define(short("config.storage.replication.factor", 3, "Replication factor used when creating the configuration storage topic"))
        .define(short("offset.storage.replication.factor", 3, "Replication factor used when creating the offset storage topic"))
        .define(short("status.storage.replication.factor", 3, "Replication factor used when creating the status storage topic"))
        .define(number("offset.storage.partitions", ConfigType::Int, 25, 1.0, "The number of partitions used when creating the offset storage topic"))
        .define(number("status.storage.partitions", ConfigType::Int, 5, 1.0, "The number of partitions used when creating the status storage topic"))
        .define(number(SESSION_TIMEOUT, ConfigType::Int, 10_000, 1.0, "The timeout used to detect worker failures."))
        .define(number(HEARTBEAT_INTERVAL, ConfigType::Int, 3_000, 1.0, "The expected time between heartbeats to the group coordinator."))
        .define(number(REBALANCE_TIMEOUT, ConfigType::Int, 60_000, 1.0, "The maximum allowed time for each worker to join the group once a rebalance has begun."))
        .define(number(MAX_DELAY, ConfigType::Int, 300_000, 0.0, "The maximum delay that is scheduled in order to wait for the return of one or more departed workers before rebalancing and reassigning their connectors and tasks to the group."))
        .define(number(SYNC_TIMEOUT, ConfigType::Int, 3_000, 1.0, "When the worker is out of sync with other workers and needs to resynchronize configurations, wait up to this amount of time before giving up."))
        .define(number(KEY_TTL, ConfigType::Long, 3_600_000, 0.0, "The TTL of generated session keys used for internal request validation (in milliseconds)"))
        .define(exactly_once_source_support())
        .define(
            ConfigKey::new(CONNECT_PROTOCOL, ConfigType::String)
                .default_value(ConfigValue::String("sessioned".into()))
                .validator(Validator::one_of(&["sessioned"]))
                .importance(Importance::Low)
                .doc("Compatibility mode for Kafka Connect Protocol; kconnect speaks `sessioned`."),
        )
}

/// The parsed distributed settings.
#[derive(Debug, Clone)]
pub struct DistributedConfig {
    /// The worker settings shared with standalone mode.
    pub worker: WorkerConfig,
    /// `group.id`.
    pub group_id: String,
    /// The config topic (always one partition).
    pub config_topic: TopicSpec,
    /// The offsets topic.
    pub offset_topic: TopicSpec,
    /// The status topic.
    pub status_topic: TopicSpec,
    /// Group timings.
    pub timings: GroupTimings,
    /// `scheduled.rebalance.max.delay.ms`.
    pub max_delay: Duration,
    /// `worker.sync.timeout.ms`.
    pub sync_timeout: Duration,
    /// `inter.worker.key.ttl.ms`.
    pub key_ttl: Duration,
    /// TLS and SASL for the group connection.
    pub security: GroupSecurity,
}

impl DistributedConfig {
    /// Parses distributed worker `props`, naming every bad key.
    pub fn new(props: ConfigMap) -> Result<Self, RuntimeError> {
        let worker = WorkerConfig::with_def(props, distributed_config_def())?;
        let security =
            GroupSecurity::from_worker(worker.originals()).map_err(|errors| RuntimeError::InvalidConfig {
                context: "Worker configuration".into(),
                errors,
            })?;
        let text = |key: &str| worker.string(key).unwrap_or_default().trim().to_string();
        let num = |key: &str| worker.number(key).unwrap_or_default();
        let millis = |key: &str| Duration::from_millis(num(key).max(0) as u64);
        let topic = |name: &str, partitions: i64, replication: &str| TopicSpec {
            name: text(name),
            partitions: partitions as i32,
            replication: num(replication) as i32,
        };
        Ok(Self {
            group_id: text(GROUP_ID),
            config_topic: topic(CONFIG_TOPIC, 1, "config.storage.replication.factor"),
            offset_topic: topic(
                OFFSET_TOPIC,
                num("offset.storage.partitions"),
                "offset.storage.replication.factor",
            ),
            status_topic: topic(
                STATUS_TOPIC,
                num("status.storage.partitions"),
                "status.storage.replication.factor",
            ),
            timings: GroupTimings {
                session: millis(SESSION_TIMEOUT),
                rebalance: millis(REBALANCE_TIMEOUT),
                heartbeat: millis(HEARTBEAT_INTERVAL),
            },
            max_delay: millis(MAX_DELAY),
            sync_timeout: millis(SYNC_TIMEOUT),
            key_ttl: millis(KEY_TTL),
            security,
            worker,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// The required keys, plus `extra`.
    fn complete(extra: &[(&str, &str)]) -> ConfigMap {
        let mut all = props(&[
            ("key.converter", "StringConverter"),
            ("value.converter", "StringConverter"),
            ("group.id", "g"),
            ("config.storage.topic", "c"),
            ("offset.storage.topic", "o"),
            ("status.storage.topic", "s"),
        ]);
        all.extend(props(extra));
        all
    }

    #[test]
    fn missing_keys_are_named() {
        let err = DistributedConfig::new(props(&[
            ("key.converter", "StringConverter"),
            ("value.converter", "StringConverter"),
        ]))
        .unwrap_err()
        .to_string();
        for key in [GROUP_ID, CONFIG_TOPIC, OFFSET_TOPIC, STATUS_TOPIC] {
            assert!(err.contains(key), "{err}");
        }
    }

    #[test]
    fn an_unsupported_sasl_mechanism_is_refused_with_the_key_named() {
        let err = DistributedConfig::new(complete(&[
            ("security.protocol", "SASL_SSL"),
            ("sasl.mechanism", "OAUTHBEARER"),
        ]))
        .unwrap_err()
        .to_string();
        assert!(err.contains("sasl.mechanism: OAUTHBEARER is not supported"), "{err}");
    }

    #[test]
    fn exactly_once_source_support_takes_apaches_values() {
        for value in ["disabled", "preparing", "enabled"] {
            assert!(DistributedConfig::new(complete(&[("exactly.once.source.support", value)])).is_ok());
        }
        let err = DistributedConfig::new(complete(&[("exactly.once.source.support", "sometimes")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exactly.once.source.support"), "{err}");
    }

    #[test]
    fn defaults_are_apaches() {
        let config = DistributedConfig::new(complete(&[])).unwrap();
        assert_eq!(config.offset_topic.partitions, 25);
        assert_eq!(config.status_topic.partitions, 5);
        assert_eq!(config.config_topic.replication, 3);
        assert_eq!(config.max_delay, Duration::from_secs(300));
        assert_eq!(config.timings.session, Duration::from_secs(10));
    }
}
