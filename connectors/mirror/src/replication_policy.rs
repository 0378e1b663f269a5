//! How remote topics are named: Apache's `DefaultReplicationPolicy` (`<source alias>.<topic>`)
//! and `IdentityReplicationPolicy` (the topic's own name; heartbeats still prefixed).

use kconnect_api::{ConnectError, Result};

/// The key naming the policy.
pub const POLICY_CLASS: &str = "replication.policy.class";
/// The class of the default policy.
pub const DEFAULT_POLICY: &str = "org.apache.kafka.connect.mirror.DefaultReplicationPolicy";
const IDENTITY_POLICY: &str = "org.apache.kafka.connect.mirror.IdentityReplicationPolicy";
/// The topic heartbeats go to.
pub const HEARTBEATS_TOPIC: &str = "heartbeats";

/// A replication policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationPolicy {
    /// Between the alias and the topic (`.`).
    separator: String,
    /// Whether internal topics' names use `separator` too (else `.`).
    internal_separator: bool,
    /// `Some(alias of the source)` for the identity policy: remote topics keep their names.
    identity_source: Option<String>,
}

impl ReplicationPolicy {
    /// The policy `class` (Apache's class name or its simple name), with `separator`, whether
    /// internal topics use it, and the source cluster's alias (which the identity policy needs).
    pub fn new(class: &str, separator: &str, internal_separator: bool, source_alias: &str) -> Result<Self> {
        let identity_source = match class.rsplit('.').next().unwrap_or(class) {
            "DefaultReplicationPolicy" => None,
            "IdentityReplicationPolicy" => Some(source_alias.to_string()),
            _ => {
                return Err(ConnectError::config(
                    POLICY_CLASS,
                    format!("unknown replication policy {class}: kconnect has {DEFAULT_POLICY} and {IDENTITY_POLICY}"),
                ));
            }
        };
        Ok(Self {
            separator: separator.to_string(),
            internal_separator,
            identity_source,
        })
    }

    fn looks_like_heartbeat(topic: &str) -> bool {
        topic.ends_with(HEARTBEATS_TOPIC)
    }

    fn prefixed(&self, alias: &str, topic: &str) -> String {
        format!("{alias}{}{topic}", self.separator)
    }

    /// The name on the target of `topic` from cluster `source_alias`.
    pub fn format_remote_topic(&self, source_alias: &str, topic: &str) -> String {
        match &self.identity_source {
            Some(_) if !Self::looks_like_heartbeat(topic) => topic.to_string(),
            _ => self.prefixed(source_alias, topic),
        }
    }

    fn default_topic_source<'a>(&self, topic: &'a str) -> Option<&'a str> {
        topic
            .split_once(self.separator.as_str())
            .map(|(source, _)| source)
            .filter(|_| !self.separator.is_empty())
    }

    /// The alias of the cluster `topic` was replicated from, if it is a remote topic.
    pub fn topic_source<'a>(&'a self, topic: &'a str) -> Option<&'a str> {
        match &self.identity_source {
            Some(source) if !Self::looks_like_heartbeat(topic) => Some(source),
            _ => self.default_topic_source(topic),
        }
    }

    /// The name `topic` has on the cluster it was replicated from, if it is a remote topic.
    pub fn upstream_topic<'a>(&self, topic: &'a str) -> Option<&'a str> {
        if self.identity_source.is_some() && !Self::looks_like_heartbeat(topic) {
            return Some(topic);
        }
        let source = self.default_topic_source(topic)?;
        Some(&topic[source.len() + self.separator.len()..])
    }

    /// The topic's name on the cluster it was first written to.
    pub fn original_topic<'a>(&self, topic: &'a str) -> &'a str {
        match self.upstream_topic(topic) {
            Some(upstream) if upstream != topic => self.original_topic(upstream),
            _ => topic,
        }
    }

    fn internal_separator(&self) -> &str {
        if self.internal_separator { &self.separator } else { "." }
    }

    /// The offset-syncs topic of the flow to (or from) cluster `alias`.
    pub fn offset_syncs_topic(&self, alias: &str) -> String {
        let separator = self.internal_separator();
        format!("mm2-offset-syncs{separator}{alias}{separator}internal")
    }

    /// The checkpoints topic of source cluster `alias`.
    pub fn checkpoints_topic(&self, alias: &str) -> String {
        let separator = self.internal_separator();
        format!("{alias}{separator}checkpoints{separator}internal")
    }

    /// Whether `topic` is a heartbeats topic, here or upstream.
    pub fn is_heartbeats_topic(&self, topic: &str) -> bool {
        self.original_topic(topic) == HEARTBEATS_TOPIC
    }

    /// Whether `topic` is internal to Kafka, Connect or MirrorMaker, never replicated.
    pub fn is_internal_topic(&self, topic: &str) -> bool {
        let mm2_internal = topic.ends_with(&format!("{}internal", self.internal_separator()));
        mm2_internal
            || topic.starts_with("__")
            || topic.starts_with('.')
            || topic.ends_with("-internal")
            || topic.ends_with(".internal")
    }

    /// Whether `topic` already came from cluster `target` (replicating it back would loop).
    pub fn is_cycle(&self, topic: &str, target: &str) -> bool {
        match self.topic_source(topic) {
            None => false,
            Some(source) if source == target => true,
            Some(_) => match self.upstream_topic(topic) {
                Some(upstream) if upstream != topic => self.is_cycle(upstream, target),
                _ => false,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn default() -> ReplicationPolicy {
        ReplicationPolicy::new(DEFAULT_POLICY, ".", true, "A").unwrap()
    }

    #[test]
    fn the_default_policy_prefixes_the_source_alias() {
        let policy = default();
        assert_eq!(policy.format_remote_topic("A", "orders"), "A.orders");
        assert_eq!(policy.topic_source("A.orders"), Some("A"));
        assert_eq!(policy.upstream_topic("B.A.orders"), Some("A.orders"));
        assert_eq!(policy.original_topic("B.A.orders"), "orders");
        assert_eq!(policy.topic_source("orders"), None);
        assert!(policy.is_cycle("B.A.orders", "A"));
        assert!(!policy.is_cycle("B.orders", "A"));
        assert!(policy.is_heartbeats_topic("B.heartbeats"));
        assert_eq!(policy.offset_syncs_topic("B"), "mm2-offset-syncs.B.internal");
        assert_eq!(policy.checkpoints_topic("A"), "A.checkpoints.internal");
    }

    #[test]
    fn the_identity_policy_keeps_names_but_not_for_heartbeats() {
        let policy = ReplicationPolicy::new("IdentityReplicationPolicy", ".", true, "A").unwrap();
        assert_eq!(policy.format_remote_topic("A", "orders"), "orders");
        assert_eq!(policy.format_remote_topic("A", "heartbeats"), "A.heartbeats");
        assert_eq!(policy.topic_source("orders"), Some("A"));
        assert_eq!(policy.upstream_topic("orders"), Some("orders"));
        assert!(!policy.is_cycle("orders", "B"));
    }

    #[test]
    fn a_custom_separator_applies_to_internal_topics_unless_disabled() {
        let policy = ReplicationPolicy::new(DEFAULT_POLICY, "_", true, "A").unwrap();
        assert_eq!(policy.format_remote_topic("A", "t"), "A_t");
        assert_eq!(policy.checkpoints_topic("A"), "A_checkpoints_internal");
        let policy = ReplicationPolicy::new(DEFAULT_POLICY, "_", false, "A").unwrap();
        assert_eq!(policy.offset_syncs_topic("B"), "mm2-offset-syncs.B.internal");
    }

    #[test]
    fn internal_topics_are_never_replicated() {
        let policy = default();
        for topic in [
            "__consumer_offsets",
            ".hidden",
            "connect-offsets-internal",
            "A.checkpoints.internal",
        ] {
            assert!(policy.is_internal_topic(topic), "{topic}");
        }
        assert!(!policy.is_internal_topic("orders"));
    }

    #[test]
    fn an_unknown_policy_names_its_key() {
        let err = ReplicationPolicy::new("com.example.Custom", ".", true, "A").unwrap_err();
        assert!(matches!(err, ConnectError::Config { key, .. } if key == POLICY_CLASS));
    }
}
