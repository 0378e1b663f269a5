//! `connector.client.config.override.policy`: which of a connector's `producer.override.*`,
//! `consumer.override.*` and `admin.override.*` keys the worker lets through, as Apache's
//! `None`, `Principal` and `All` policies (Apache's default: `All`).

use std::sync::Arc;

use kconnect_api::ConfigMap;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};

/// The worker key.
pub const OVERRIDE_POLICY: &str = "connector.client.config.override.policy";
/// The prefixes of a connector's client overrides.
pub const OVERRIDE_PREFIXES: [&str; 3] = ["producer.override.", "consumer.override.", "admin.override."];
/// What the `Principal` policy lets a connector set: its clients' identity.
const PRINCIPAL_KEYS: [&str; 3] = ["sasl.jaas.config", "sasl.mechanism", "security.protocol"];
const CLASS_PACKAGE: &str = "org.apache.kafka.connect.connector.policy.";
const CLASS_SUFFIX: &str = "ConnectorClientConfigOverridePolicy";

/// A policy on connectors' client overrides.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum OverridePolicy {
    /// No override is allowed.
    None,
    /// Only the SASL and security protocol settings.
    Principal,
    /// Every override (Apache's default).
    #[default]
    All,
}

impl OverridePolicy {
    const ALL: [Self; 3] = [Self::None, Self::Principal, Self::All];

    /// The policy's name as Apache's error messages give it.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "None",
            Self::Principal => "Principal",
            Self::All => "All",
        }
    }

    /// The policy named by `value`: `None`, `Principal` or `All`, or its Java class name (full or
    /// simple).
    pub fn named(value: &str) -> Option<Self> {
        let value = value.trim();
        let simple = value.strip_prefix(CLASS_PACKAGE).unwrap_or(value);
        let name = simple.strip_suffix(CLASS_SUFFIX).unwrap_or(simple);
        Self::ALL.into_iter().find(|policy| policy.name() == name)
    }

    /// The worker key's definition.
    pub fn key() -> ConfigKey {
        ConfigKey::new(OVERRIDE_POLICY, ConfigType::String)
            .default_value(ConfigValue::String("All".into()))
            .validator(Validator::Custom(Arc::new(|value| match value {
                ConfigValue::String(name) if Self::named(name).is_none() => Err(format!(
                    "Expected None, Principal or All, or the class name of one of Apache's {CLASS_SUFFIX}s"
                )),
                _ => Ok(()),
            })))
            .importance(Importance::Medium)
            .doc("Which client configurations connectors may override with producer.override.*, consumer.override.* and admin.override.*: None, Principal (SASL and security.protocol only) or All.")
    }

    fn allows(self, client_key: &str) -> bool {
        match self {
            Self::None => false,
            Self::Principal => PRINCIPAL_KEYS.contains(&client_key),
            Self::All => true,
        }
    }

    /// The overrides of `config` this policy refuses: each full key with Apache's message.
    pub fn violations(self, config: &ConfigMap) -> Vec<(String, String)> {
        config
            .keys()
            .filter_map(|key| {
                let client_key = OVERRIDE_PREFIXES.iter().find_map(|prefix| key.strip_prefix(prefix))?;
                (!self.allows(client_key)).then(|| {
                    let message = format!(
                        "The '{}' policy does not allow '{client_key}' to be overridden in the connector configuration.",
                        self.name()
                    );
                    (key.clone(), message)
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(keys: &[&str]) -> ConfigMap {
        keys.iter().map(|k| (k.to_string(), "x".to_string())).collect()
    }

    #[test]
    fn policies_are_named_as_apache_names_them() {
        assert_eq!(OverridePolicy::named("None"), Some(OverridePolicy::None));
        assert_eq!(
            OverridePolicy::named(
                "org.apache.kafka.connect.connector.policy.PrincipalConnectorClientConfigOverridePolicy"
            ),
            Some(OverridePolicy::Principal)
        );
        assert_eq!(
            OverridePolicy::named("AllConnectorClientConfigOverridePolicy"),
            Some(OverridePolicy::All)
        );
        assert_eq!(OverridePolicy::named("Some"), None);
    }

    #[test]
    fn each_policy_refuses_what_apaches_refuses() {
        let overrides = config(&[
            "producer.override.linger.ms",
            "consumer.override.sasl.jaas.config",
            "admin.override.security.protocol",
            "topic",
        ]);
        assert!(OverridePolicy::All.violations(&overrides).is_empty());
        assert_eq!(
            OverridePolicy::Principal.violations(&overrides),
            [(
                "producer.override.linger.ms".to_string(),
                "The 'Principal' policy does not allow 'linger.ms' to be overridden in the connector configuration."
                    .to_string()
            )]
        );
        assert_eq!(OverridePolicy::None.violations(&overrides).len(), 3);
    }
}
