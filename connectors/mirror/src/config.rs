//! MirrorMaker 2's keys, declared once with Apache's names and defaults: those every mirror
//! connector shares ([`MirrorConfig`]), the source connector's ([`SourceConfig`]) and the heartbeat
//! connector's ([`HeartbeatConfig`]); and the client settings of each role, built from the
//! `source.cluster.*` / `target.cluster.*` keys as Apache builds them.

use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConfigMap, Result};

use crate::filters::NameFilter;
use crate::replication_policy::{DEFAULT_POLICY, POLICY_CLASS, ReplicationPolicy};

const SOURCE_ALIAS: &str = "source.cluster.alias";
const TARGET_ALIAS: &str = "target.cluster.alias";
const SOURCE_BOOTSTRAP: &str = "source.cluster.bootstrap.servers";
const TARGET_BOOTSTRAP: &str = "target.cluster.bootstrap.servers";
const SEPARATOR: &str = "replication.policy.separator";
const INTERNAL_SEPARATOR: &str = "replication.policy.internal.topic.separator.enabled";
const ENABLED: &str = "enabled";
const ADMIN_TIMEOUT: &str = "admin.timeout.ms";
const OFFSET_SYNCS_LOCATION: &str = "offset-syncs.topic.location";
const EMIT_OFFSET_SYNCS: &str = "emit.offset-syncs.enabled";
const TOPICS: &str = "topics";
const TOPICS_EXCLUDE: &str = "topics.exclude";
const CONFIG_PROPERTIES_EXCLUDE: &str = "config.properties.exclude";
const USE_DEFAULTS_FROM: &str = "use.defaults.from";
const REFRESH_TOPICS_ENABLED: &str = "refresh.topics.enabled";
const REFRESH_TOPICS_INTERVAL: &str = "refresh.topics.interval.seconds";
const SYNC_CONFIGS_ENABLED: &str = "sync.topic.configs.enabled";
const SYNC_CONFIGS_INTERVAL: &str = "sync.topic.configs.interval.seconds";
const SYNC_ACLS_ENABLED: &str = "sync.topic.acls.enabled";
const SYNC_ACLS_INTERVAL: &str = "sync.topic.acls.interval.seconds";
const REPLICATION_FACTOR: &str = "replication.factor";
const OFFSET_SYNCS_REPLICATION_FACTOR: &str = "offset-syncs.topic.replication.factor";
const OFFSET_LAG_MAX: &str = "offset.lag.max";
const POLL_TIMEOUT: &str = "consumer.poll.timeout.ms";
const HEARTBEATS_REPLICATION: &str = "heartbeats.replication.enabled";
const EMIT_HEARTBEATS: &str = "emit.heartbeats.enabled";
const EMIT_HEARTBEATS_INTERVAL: &str = "emit.heartbeats.interval.seconds";
const HEARTBEATS_REPLICATION_FACTOR: &str = "heartbeats.topic.replication.factor";
/// The consumer key that says whether uncommitted records are read.
const ISOLATION_LEVEL: &str = "isolation.level";

/// The task key listing a source task's partitions (`topic-partition`, comma-separated).
pub(crate) const TASK_PARTITIONS: &str = "task.assigned.partitions";
/// The task key listing a checkpoint task's consumer groups (comma-separated).
pub(crate) const TASK_GROUPS: &str = "task.assigned.groups";
/// The task key numbering a task.
pub(crate) const TASK_INDEX: &str = "task.index";

const GROUPS: &str = "groups";
const GROUPS_EXCLUDE: &str = "groups.exclude";
const REFRESH_GROUPS_ENABLED: &str = "refresh.groups.enabled";
const REFRESH_GROUPS_INTERVAL: &str = "refresh.groups.interval.seconds";
const EMIT_CHECKPOINTS: &str = "emit.checkpoints.enabled";
const EMIT_CHECKPOINTS_INTERVAL: &str = "emit.checkpoints.interval.seconds";
const SYNC_GROUP_OFFSETS: &str = "sync.group.offsets.enabled";
const SYNC_GROUP_OFFSETS_INTERVAL: &str = "sync.group.offsets.interval.seconds";
const CHECKPOINTS_REPLICATION_FACTOR: &str = "checkpoints.topic.replication.factor";
const GROUPS_EXCLUDE_DEFAULT: &str = "console-consumer-.*, connect-.*, __.*";
const TOPICS_EXCLUDE_DEFAULT: &str = ".*[\\-\\.]internal, .*\\.replica, __.*";
const CONFIG_PROPERTIES_EXCLUDE_DEFAULT: &str = "follower\\.replication\\.throttled\\.replicas, \
     leader\\.replication\\.throttled\\.replicas, message\\.timestamp\\.difference\\.max\\.ms, \
     message\\.timestamp\\.type, unclean\\.leader\\.election\\.enable, min\\.insync\\.replicas";

/// The client keys a `source.cluster.*` or `target.cluster.*` setting may carry to every client
/// (Apache's common client keys); role-specific keys come from `consumer.*`, `source.consumer.*` …
const CLIENT_KEYS: [&str; 13] = [
    "bootstrap.servers",
    "client.dns.lookup",
    "security.protocol",
    "connections.max.idle.ms",
    "request.timeout.ms",
    "retry.backoff.ms",
    "reconnect.backoff.ms",
    "reconnect.backoff.max.ms",
    "metadata.max.age.ms",
    "send.buffer.bytes",
    "receive.buffer.bytes",
    "socket.connection.setup.timeout.ms",
    "socket.connection.setup.timeout.max.ms",
];

/// Whether `key` is one of the common client keys a cluster's settings give every client of it
/// (Apache's `MirrorClientConfig` keys: `bootstrap.servers`, `security.protocol`, `ssl.*`,
/// `sasl.*`, timeouts …).
pub fn is_client_key(key: &str) -> bool {
    CLIENT_KEYS.contains(&key) || key.starts_with("ssl.") || key.starts_with("sasl.")
}

fn string_key(name: &str, default: &str, importance: Importance, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::String(default.to_string()))
        .importance(importance)
        .doc(doc)
}

fn boolean_key(name: &str, default: bool, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Boolean)
        .default_value(ConfigValue::Boolean(default))
        .importance(Importance::Low)
        .doc(doc)
}

fn long_key(name: &str, default: i64, importance: Importance, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Long)
        .default_value(ConfigValue::Long(default))
        .importance(importance)
        .doc(doc)
}

fn list_key(name: &str, default: &str, doc: &str) -> ConfigKey {
    let values = default.split(',').map(|v| v.trim().to_string()).collect();
    ConfigKey::new(name, ConfigType::List)
        .default_value(ConfigValue::List(values))
        .importance(Importance::High)
        .doc(doc)
}

/// A replication factor: an INT for remote topics, a SHORT for MirrorMaker's own, as Apache's.
fn replication_factor_key(name: &str, default: i16, doc: &str) -> ConfigKey {
    let (config_type, default) = if name == REPLICATION_FACTOR {
        (ConfigType::Int, ConfigValue::Int(i32::from(default)))
    } else {
        (ConfigType::Short, ConfigValue::Short(default))
    };
    ConfigKey::new(name, config_type)
        .default_value(default)
        .importance(Importance::Low)
        .doc(doc)
}

/// A replication factor's value, whichever its type.
fn replication_factor(parsed: &ParsedConfig, name: &str) -> Result<i32> {
    Ok(parsed.get_long(name)? as i32)
}

fn bootstrap_key(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .validator(Validator::NonEmptyString)
        .importance(Importance::High)
        .doc(doc)
}

/// The keys of every mirror connector, added to `def`.
fn common_keys(def: ConfigDef) -> ConfigDef {
    def.define(string_key(SOURCE_ALIAS, "source", Importance::High, "The alias of the cluster records are copied from."))
        .define(string_key(TARGET_ALIAS, "target", Importance::High, "The alias of the cluster records are copied to."))
        .define(string_key(
            POLICY_CLASS,
            DEFAULT_POLICY,
            Importance::Low,
            "How remote topics are named: DefaultReplicationPolicy (`<source alias>.<topic>`) or IdentityReplicationPolicy (the same name).",
        ))
        .define(bootstrap_key(SOURCE_BOOTSTRAP, "The source cluster's brokers (host:port, comma-separated)."))
        .define(
            ConfigKey::new(TARGET_BOOTSTRAP, ConfigType::String)
                .default_value(ConfigValue::Null)
                .importance(Importance::High)
                .doc("The target cluster's brokers (host:port, comma-separated). kconnect: when unset, the worker's own cluster (where the records go), with the worker's client settings."),
        )
        .define(string_key(SEPARATOR, ".", Importance::Low, "What separates the source alias from the topic in a remote topic's name."))
        .define(boolean_key(
            INTERNAL_SEPARATOR,
            true,
            "Whether MirrorMaker's internal topics use replication.policy.separator too (else `.`).",
        ))
        .define(boolean_key(ENABLED, true, "Whether to replicate source->target."))
        .define(long_key(ADMIN_TIMEOUT, 60_000, Importance::Low, "How long an administrative call (finding new topics, creating them) may take."))
        .define(
            string_key(
                OFFSET_SYNCS_LOCATION,
                "source",
                Importance::Low,
                "On which cluster (source or target) the offset-syncs topic lives.",
            )
            .validator(Validator::one_of(&["source", "target"])),
        )
        .define(boolean_key(
            EMIT_OFFSET_SYNCS,
            true,
            "Whether to record where replicated records land in the offset-syncs topic (checkpoints need it).",
        ))
}

/// Which cluster a client reaches.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Cluster {
    Source,
    Target,
}

impl Cluster {
    fn name(self) -> &'static str {
        match self {
            Self::Source => "source",
            Self::Target => "target",
        }
    }
}

/// What a client does: its settings come from `<role>.*` and `<cluster>.<role>.*`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Consumer,
    Producer,
    Admin,
}

impl Role {
    fn prefix(self) -> &'static str {
        match self {
            Self::Consumer => "consumer.",
            Self::Producer => "producer.",
            Self::Admin => "admin.",
        }
    }
}

/// What every mirror connector is configured with.
#[derive(Debug, Clone)]
pub(crate) struct MirrorConfig {
    /// The connector's name.
    pub name: String,
    pub source_alias: String,
    pub target_alias: String,
    pub policy: ReplicationPolicy,
    /// `false`: the connector runs no task.
    pub enabled: bool,
    pub admin_timeout: Duration,
    /// Where the offset-syncs topic lives.
    pub offset_syncs_on: Cluster,
    pub emit_offset_syncs: bool,
    originals: ConfigMap,
}

impl MirrorConfig {
    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let source_alias = parsed.get_string(SOURCE_ALIAS)?.to_string();
        let policy = ReplicationPolicy::new(
            parsed.get_string(POLICY_CLASS)?,
            parsed.get_string(SEPARATOR)?,
            parsed.get_boolean(INTERNAL_SEPARATOR)?,
            &source_alias,
        )?;
        let offset_syncs_on = match parsed.get_string(OFFSET_SYNCS_LOCATION)? {
            "target" => Cluster::Target,
            _ => Cluster::Source,
        };
        Ok(Self {
            name: parsed.originals().get("name").cloned().unwrap_or_default(),
            source_alias,
            target_alias: parsed.get_string(TARGET_ALIAS)?.to_string(),
            policy,
            enabled: parsed.get_boolean(ENABLED)?,
            admin_timeout: parsed.get_millis(ADMIN_TIMEOUT)?,
            offset_syncs_on,
            emit_offset_syncs: parsed.get_boolean(EMIT_OFFSET_SYNCS)?,
            originals: parsed.originals().clone(),
        })
    }

    /// The settings of a `role` client of `cluster`, as Apache builds them: the cluster's common
    /// client keys, then `<role>.*`, then `<cluster>.<role>.*`; consumers never commit and start
    /// at the earliest record unless told otherwise; the client id names the flow.
    pub fn client(&self, cluster: Cluster, role: Role) -> ConfigMap {
        let with_prefix = |prefix: &str| kconnect_api::config::with_prefix(&self.originals, prefix);
        let mut settings: ConfigMap = with_prefix(&format!("{}.cluster.", cluster.name()))
            .into_iter()
            .filter(|(key, _)| is_client_key(key))
            .collect();
        settings.extend(with_prefix(role.prefix()));
        settings.extend(with_prefix(&format!("{}.{}", cluster.name(), role.prefix())));
        if role == Role::Consumer {
            settings.insert("enable.auto.commit".into(), "false".into());
            settings
                .entry("auto.offset.reset".into())
                .or_insert_with(|| "earliest".into());
            // Java's consumers read uncommitted records unless told otherwise (librdkafka's read
            // committed ones): Apache's flows copy open and aborted transactions' records too.
            settings
                .entry(ISOLATION_LEVEL.into())
                .or_insert_with(|| "read_uncommitted".into());
        }
        let label = format!("{}->{}|{}", self.source_alias, self.target_alias, self.name);
        settings
            .entry("client.id".into())
            .and_modify(|id| *id = format!("{id}|{label}"))
            .or_insert(label);
        settings
    }

    /// Whether the source consumer reads committed records only: what a flow needs to copy
    /// exactly once (`source.consumer.isolation.level=read_committed`), as Apache requires.
    pub fn reads_committed(&self) -> bool {
        self.client(Cluster::Source, Role::Consumer)
            .get(ISOLATION_LEVEL)
            .is_some_and(|level| level == "read_committed")
    }

    /// The offset-syncs topic this flow writes (or reads).
    pub fn offset_syncs_topic(&self) -> String {
        let other = match self.offset_syncs_on {
            Cluster::Source => &self.target_alias,
            Cluster::Target => &self.source_alias,
        };
        self.policy.offset_syncs_topic(other)
    }

    /// The connector's own configuration, for its tasks.
    pub fn originals(&self) -> &ConfigMap {
        &self.originals
    }
}

/// MirrorSourceConnector's configuration.
#[derive(Debug, Clone)]
pub(crate) struct SourceConfig {
    pub mirror: MirrorConfig,
    /// Which source topics to replicate.
    pub topics: NameFilter,
    /// Which topic configuration keys not to copy.
    pub config_properties: NameFilter,
    /// Whether a topic's default values are copied from the source (else the target's stand).
    pub defaults_from_source: bool,
    /// How often new topics and partitions are looked for; `None`: never.
    pub refresh_topics: Option<Duration>,
    /// How often topic configurations are copied again; `None`: never.
    pub sync_configs: Option<Duration>,
    /// Whether topic ACLs were asked to be copied (kconnect copies none).
    pub sync_acls: bool,
    pub replication_factor: i32,
    pub offset_syncs_replication_factor: i32,
    /// How far a remote partition may run ahead of its last offset sync before another is sent.
    pub offset_lag_max: i64,
    pub poll_timeout: Duration,
    /// Whether heartbeats topics are replicated even when the topic filter leaves them out.
    pub heartbeats_replication: bool,
}

/// `interval` seconds when `enabled`, never otherwise (or when negative).
fn every(parsed: &ParsedConfig, enabled: &str, interval: &str) -> Result<Option<Duration>> {
    let seconds = parsed.get_long(interval)?;
    Ok((parsed.get_boolean(enabled)? && seconds >= 0).then(|| Duration::from_secs(seconds as u64)))
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        topic_filter_keys(common_keys(ConfigDef::new()))
            .define(list_key(
                CONFIG_PROPERTIES_EXCLUDE,
                CONFIG_PROPERTIES_EXCLUDE_DEFAULT,
                "The topic configuration keys never copied: names and regular expressions.",
            ))
            .define(
                string_key(
                    USE_DEFAULTS_FROM,
                    "target",
                    Importance::Low,
                    "Whose defaults (source or target) a copied topic configuration keeps.",
                )
                .validator(Validator::one_of(&["source", "target"])),
            )
            .define(boolean_key(
                REFRESH_TOPICS_ENABLED,
                true,
                "Whether to look for new topics and partitions periodically.",
            ))
            .define(long_key(
                REFRESH_TOPICS_INTERVAL,
                600,
                Importance::Low,
                "How often to look for new topics and partitions.",
            ))
            .define(boolean_key(
                SYNC_CONFIGS_ENABLED,
                true,
                "Whether to copy the configuration of replicated topics to their remote topics periodically.",
            ))
            .define(long_key(
                SYNC_CONFIGS_INTERVAL,
                600,
                Importance::Low,
                "How often topic configurations are copied.",
            ))
            .define(boolean_key(
                SYNC_ACLS_ENABLED,
                true,
                "Whether to copy topic ACLs (kconnect copies none yet: see docs/connectors/mirror.md).",
            ))
            .define(long_key(
                SYNC_ACLS_INTERVAL,
                600,
                Importance::Low,
                "How often topic ACLs are copied.",
            ))
            .define(replication_factor_key(
                REPLICATION_FACTOR,
                2,
                "The replication factor of new remote topics.",
            ))
            .define(replication_factor_key(
                OFFSET_SYNCS_REPLICATION_FACTOR,
                3,
                "The replication factor of the offset-syncs topic.",
            ))
            .define(long_key(
                OFFSET_LAG_MAX,
                100,
                Importance::Low,
                "How far a remote partition may run ahead of its last offset sync before another is written.",
            ))
            .define(long_key(
                POLL_TIMEOUT,
                1000,
                Importance::Low,
                "How long one poll of the source cluster waits.",
            ))
            .define(boolean_key(
                HEARTBEATS_REPLICATION,
                true,
                "Whether to replicate heartbeats topics even when the topic filter leaves them out.",
            ))
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            mirror: MirrorConfig::from_parsed(parsed)?,
            topics: topic_filter(parsed)?,
            config_properties: NameFilter::new(
                &[".*".to_string()],
                &parsed.list(CONFIG_PROPERTIES_EXCLUDE),
                CONFIG_PROPERTIES_EXCLUDE,
            )?,
            defaults_from_source: parsed.get_string(USE_DEFAULTS_FROM)? == "source",
            refresh_topics: every(parsed, REFRESH_TOPICS_ENABLED, REFRESH_TOPICS_INTERVAL)?,
            sync_configs: every(parsed, SYNC_CONFIGS_ENABLED, SYNC_CONFIGS_INTERVAL)?,
            sync_acls: parsed.get_boolean(SYNC_ACLS_ENABLED)?,
            replication_factor: replication_factor(parsed, REPLICATION_FACTOR)?,
            offset_syncs_replication_factor: replication_factor(parsed, OFFSET_SYNCS_REPLICATION_FACTOR)?,
            offset_lag_max: parsed.get_long(OFFSET_LAG_MAX)?,
            poll_timeout: parsed.get_millis(POLL_TIMEOUT)?,
            heartbeats_replication: parsed.get_boolean(HEARTBEATS_REPLICATION)?,
        })
    }
}

impl SourceConfig {
    /// Whether source topic `topic` is replicated: the filter takes it (or it is a heartbeats
    /// topic), it is not internal, and it did not come from the target (no cycles).
    pub fn replicates(&self, topic: &str) -> bool {
        let policy = &self.mirror.policy;
        (self.topics.accepts(topic) || (self.heartbeats_replication && policy.is_heartbeats_topic(topic)))
            && !policy.is_internal_topic(topic)
            && !policy.is_cycle(topic, &self.mirror.target_alias)
    }
}

/// The topic filter keys, which the source and checkpoint connectors share.
fn topic_filter_keys(def: ConfigDef) -> ConfigDef {
    def.define(list_key(
        TOPICS,
        ".*",
        "The topics to replicate: names and regular expressions.",
    ))
    .define(list_key(
        TOPICS_EXCLUDE,
        TOPICS_EXCLUDE_DEFAULT,
        "The topics never replicated: names and regular expressions.",
    ))
}

fn topic_filter(parsed: &ParsedConfig) -> Result<NameFilter> {
    NameFilter::new(&parsed.list(TOPICS), &parsed.list(TOPICS_EXCLUDE), TOPICS)
}

/// MirrorCheckpointConnector's configuration.
#[derive(Debug, Clone)]
pub(crate) struct CheckpointConfig {
    pub mirror: MirrorConfig,
    /// Which source topics' offsets are translated.
    pub topics: NameFilter,
    /// Which consumer groups are checkpointed.
    pub groups: NameFilter,
    /// How often new consumer groups are looked for; `None`: never.
    pub refresh_groups: Option<Duration>,
    /// How often checkpoints are emitted; `None`: never.
    pub emit_checkpoints: Option<Duration>,
    /// How often translated offsets are committed for the groups on the target; `None`: never.
    pub sync_group_offsets: Option<Duration>,
    pub replication_factor: i32,
}

impl PluginConfig for CheckpointConfig {
    fn definition() -> ConfigDef {
        topic_filter_keys(common_keys(ConfigDef::new()))
            .define(list_key(GROUPS, ".*", "The consumer groups to checkpoint: names and regular expressions."))
            .define(list_key(
                GROUPS_EXCLUDE,
                GROUPS_EXCLUDE_DEFAULT,
                "The consumer groups never checkpointed: names and regular expressions.",
            ))
            .define(boolean_key(REFRESH_GROUPS_ENABLED, true, "Whether to look for new consumer groups periodically."))
            .define(long_key(REFRESH_GROUPS_INTERVAL, 600, Importance::Low, "How often to look for new consumer groups."))
            .define(boolean_key(EMIT_CHECKPOINTS, true, "Whether to emit consumer group checkpoints to the target cluster."))
            .define(long_key(EMIT_CHECKPOINTS_INTERVAL, 60, Importance::Low, "How often checkpoints are emitted."))
            .define(boolean_key(
                SYNC_GROUP_OFFSETS,
                false,
                "Whether to commit the translated offsets for the consumer groups on the target cluster (groups with no active member there).",
            ))
            .define(long_key(
                SYNC_GROUP_OFFSETS_INTERVAL,
                60,
                Importance::Low,
                "How often translated offsets are committed on the target.",
            ))
            .define(replication_factor_key(
                CHECKPOINTS_REPLICATION_FACTOR,
                3,
                "The replication factor of the checkpoints topic.",
            ))
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            mirror: MirrorConfig::from_parsed(parsed)?,
            topics: topic_filter(parsed)?,
            groups: NameFilter::new(&parsed.list(GROUPS), &parsed.list(GROUPS_EXCLUDE), GROUPS)?,
            refresh_groups: every(parsed, REFRESH_GROUPS_ENABLED, REFRESH_GROUPS_INTERVAL)?,
            emit_checkpoints: every(parsed, EMIT_CHECKPOINTS, EMIT_CHECKPOINTS_INTERVAL)?,
            sync_group_offsets: every(parsed, SYNC_GROUP_OFFSETS, SYNC_GROUP_OFFSETS_INTERVAL)?,
            replication_factor: replication_factor(parsed, CHECKPOINTS_REPLICATION_FACTOR)?,
        })
    }
}

impl CheckpointConfig {
    /// The checkpoints topic on the target.
    pub fn checkpoints_topic(&self) -> String {
        self.mirror.policy.checkpoints_topic(&self.mirror.source_alias)
    }
}

/// MirrorHeartbeatConnector's configuration.
#[derive(Debug, Clone)]
pub(crate) struct HeartbeatConfig {
    pub mirror: MirrorConfig,
    /// How often a heartbeat is emitted; `None`: never.
    pub interval: Option<Duration>,
    pub replication_factor: i32,
}

impl PluginConfig for HeartbeatConfig {
    fn definition() -> ConfigDef {
        common_keys(ConfigDef::new())
            .define(boolean_key(
                EMIT_HEARTBEATS,
                true,
                "Whether to emit heartbeats to the target cluster.",
            ))
            .define(long_key(
                EMIT_HEARTBEATS_INTERVAL,
                1,
                Importance::Low,
                "How often heartbeats are emitted.",
            ))
            .define(replication_factor_key(
                HEARTBEATS_REPLICATION_FACTOR,
                3,
                "The replication factor of the heartbeats topic.",
            ))
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            mirror: MirrorConfig::from_parsed(parsed)?,
            interval: every(parsed, EMIT_HEARTBEATS, EMIT_HEARTBEATS_INTERVAL)?,
            replication_factor: replication_factor(parsed, HEARTBEATS_REPLICATION_FACTOR)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        let mut config: ConfigMap = [
            ("name", "mirror"),
            ("source.cluster.alias", "A"),
            ("target.cluster.alias", "B"),
            ("source.cluster.bootstrap.servers", "a:9092"),
            ("target.cluster.bootstrap.servers", "b:9092"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        config.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        config
    }

    #[test]
    fn client_settings_layer_the_cluster_the_role_and_the_cluster_role() {
        let parsed = SourceConfig::parse(&config(&[
            ("source.cluster.security.protocol", "SSL"),
            ("source.cluster.linger.ms", "7"),
            ("consumer.fetch.min.bytes", "10"),
            ("source.consumer.fetch.min.bytes", "20"),
            ("target.admin.request.timeout.ms", "5"),
        ]))
        .unwrap();
        let consumer = parsed.mirror.client(Cluster::Source, Role::Consumer);
        assert_eq!(consumer["bootstrap.servers"], "a:9092");
        assert_eq!(consumer["security.protocol"], "SSL");
        assert!(!consumer.contains_key("linger.ms"), "not a common client key");
        assert_eq!(consumer["fetch.min.bytes"], "20");
        assert_eq!(consumer["enable.auto.commit"], "false");
        assert_eq!(consumer["auto.offset.reset"], "earliest");
        assert_eq!(consumer["client.id"], "A->B|mirror");
        assert_eq!(consumer["isolation.level"], "read_uncommitted", "Java's default");
        assert!(!parsed.mirror.reads_committed());
        let committed = SourceConfig::parse(&config(&[("source.consumer.isolation.level", "read_committed")]));
        assert!(committed.unwrap().mirror.reads_committed());
        let admin = parsed.mirror.client(Cluster::Target, Role::Admin);
        assert_eq!(admin["bootstrap.servers"], "b:9092");
        assert_eq!(admin["request.timeout.ms"], "5");
    }

    #[test]
    fn the_default_filters_leave_out_internal_and_cyclic_topics() {
        let parsed = SourceConfig::parse(&config(&[])).unwrap();
        assert!(parsed.replicates("orders"));
        assert!(parsed.replicates("heartbeats"));
        assert!(!parsed.replicates("__consumer_offsets"));
        assert!(!parsed.replicates("mm2-offset-syncs.B.internal"));
        assert!(!parsed.replicates("B.orders"), "came from the target");
        assert!(!parsed.replicates("orders.replica"));
        let only = SourceConfig::parse(&config(&[
            ("topics", "orders, pay.*"),
            ("heartbeats.replication.enabled", "false"),
        ]))
        .unwrap();
        assert!(only.replicates("payments"));
        assert!(!only.replicates("heartbeats"));
        assert!(!only.replicates("orders2"), "a whole-name match");
        assert_eq!(parsed.mirror.offset_syncs_topic(), "mm2-offset-syncs.B.internal");
    }

    #[test]
    fn the_source_cluster_is_required_and_the_target_defaults_to_the_workers() {
        let mut without = config(&[]);
        without.remove("source.cluster.bootstrap.servers");
        let err = SourceConfig::parse(&without).unwrap_err().to_string();
        assert!(err.contains("source.cluster.bootstrap.servers"), "{err}");
        let mut without = config(&[]);
        without.remove("target.cluster.bootstrap.servers");
        let parsed = SourceConfig::parse(&without).unwrap();
        assert!(
            !parsed
                .mirror
                .client(Cluster::Target, Role::Admin)
                .contains_key("bootstrap.servers")
        );
    }

    #[test]
    fn intervals_turn_off_with_their_switch() {
        let parsed = SourceConfig::parse(&config(&[
            ("refresh.topics.enabled", "false"),
            ("sync.topic.configs.interval.seconds", "5"),
        ]))
        .unwrap();
        assert_eq!(parsed.refresh_topics, None);
        assert_eq!(parsed.sync_configs, Some(Duration::from_secs(5)));
        let heartbeat = HeartbeatConfig::parse(&config(&[])).unwrap();
        assert_eq!(heartbeat.interval, Some(Duration::from_secs(1)));
    }
}
