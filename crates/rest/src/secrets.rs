//! Secrets kept out of REST answers (`rest.secrets.mask`, kconnect's own worker key, default true):
//! the values of a connector's `PASSWORD` keys, and of its clients' and converters' password,
//! key and JAAS settings, read back as `[hidden]`, Apache's own rendering of a password. A write
//! that sends `[hidden]` back for such a key keeps the stored value, so read-modify-write
//! clients keep working.

use kconnect_api::ConfigMap;
use kconnect_api::config::{ConfigType, HIDDEN};
use kconnect_runtime::PluginRegistry;
use kconnect_runtime::connector_config::CONNECTOR_CLASS;

/// Kafka client and converter settings that hold a secret, by the end of their key.
const SECRET_SUFFIXES: [&str; 5] = [
    "password",
    "sasl.jaas.config",
    "ssl.keystore.key",
    "basic.auth.user.info",
    "bearer.auth.token",
];

/// Whether `key` of a connector of class `class` holds a secret.
fn is_secret(registry: &PluginRegistry, class: Option<&str>, key: &str) -> bool {
    SECRET_SUFFIXES.iter().any(|suffix| key.ends_with(suffix))
        || class
            .and_then(|class| registry.config_def(class).ok())
            .is_some_and(|def| {
                def.keys()
                    .iter()
                    .any(|k| k.name == key && k.config_type == ConfigType::Password)
            })
}

/// The connector class `config` names.
pub(crate) fn class_of(config: &ConfigMap) -> Option<&str> {
    config.get(CONNECTOR_CLASS).map(String::as_str)
}

/// `config` (of a connector, or of a task of a connector, of class `class`) with every secret
/// value replaced by `[hidden]`.
pub(crate) fn masked(registry: &PluginRegistry, class: Option<&str>, config: ConfigMap) -> ConfigMap {
    let secrets: Vec<String> = config
        .keys()
        .filter(|key| is_secret(registry, class, key))
        .cloned()
        .collect();
    let mut config = config;
    for key in secrets {
        config.insert(key, HIDDEN.to_string());
    }
    config
}

/// Whether `value` for `key` is a secret of `stored` sent back as the API showed it.
pub(crate) fn sent_back(registry: &PluginRegistry, stored: &ConfigMap, key: &str, value: &str) -> bool {
    value == HIDDEN && is_secret(registry, class_of(stored), key)
}

/// `given` with each secret sent back as `[hidden]` replaced by its value in `stored`.
pub(crate) fn unmasked(registry: &PluginRegistry, mut given: ConfigMap, stored: &ConfigMap) -> ConfigMap {
    let hidden: Vec<String> = given
        .iter()
        .filter(|(key, value)| sent_back(registry, stored, key, value))
        .map(|(key, _)| key.clone())
        .collect();
    for key in hidden {
        if let Some(value) = stored.get(&key) {
            given.insert(key, value.clone());
        }
    }
    given
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn client_passwords_are_hidden_and_a_hidden_value_sent_back_keeps_the_stored_one() {
        let registry = PluginRegistry::new(kconnect_api::PluginTable::default());
        let stored = config(&[
            ("connector.class", "X"),
            ("topic", "t"),
            ("producer.override.ssl.key.password", "s3cret"),
            ("consumer.override.sasl.jaas.config", "jaas"),
        ]);
        let shown = masked(&registry, class_of(&stored), stored.clone());
        assert_eq!(shown["topic"], "t");
        assert_eq!(shown["producer.override.ssl.key.password"], HIDDEN);
        assert_eq!(shown["consumer.override.sasl.jaas.config"], HIDDEN);
        let mut edited = shown.clone();
        edited.insert("topic".into(), "u".into());
        let written = unmasked(&registry, edited, &stored);
        assert_eq!(written["producer.override.ssl.key.password"], "s3cret");
        assert_eq!(written["topic"], "u");
        let mut changed = shown;
        changed.insert("producer.override.ssl.key.password".into(), "new".into());
        assert_eq!(
            unmasked(&registry, changed, &stored)["producer.override.ssl.key.password"],
            "new"
        );
    }
}
