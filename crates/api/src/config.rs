//! Declarative configuration, as Apache's `ConfigDef`: declared once, it parses a plugin's raw
//! string properties into typed values and produces the REST validate response (`ConfigInfos`).

mod infos;
mod key;
mod parse;
pub use parse::parse_list;
mod properties;
pub use properties::parse_properties;
mod typed;
pub use typed::PluginConfig;
mod validator;

use std::collections::BTreeMap;

pub use infos::{ConfigInfo, ConfigInfos, ConfigKeyInfo, ConfigValueInfo};
pub use key::{ConfigKey, ConfigType, ConfigValue, DefaultValue, Importance, Width};
pub use validator::Validator;

use crate::error::{ConnectError, Result};

/// Raw configuration: keys to string values, as read from properties, JSON or REST.
pub type ConfigMap = BTreeMap<String, String>;

/// What Apache prints instead of a password.
pub const HIDDEN: &str = "[hidden]";

/// An ordered set of configuration keys.
#[derive(Debug, Clone, Default)]
pub struct ConfigDef {
    keys: Vec<ConfigKey>,
}

impl ConfigDef {
    /// An empty definition.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `key`, replacing an earlier key of the same name.
    pub fn define(mut self, key: ConfigKey) -> Self {
        self.keys.retain(|existing| existing.name != key.name);
        self.keys.push(key);
        self
    }

    /// Adds every key of `other` after this definition's own.
    pub fn merge(self, other: &ConfigDef) -> Self {
        other.keys.iter().cloned().fold(self, Self::define)
    }

    /// The keys, in declaration order.
    pub fn keys(&self) -> &[ConfigKey] {
        &self.keys
    }

    /// The key named `name`.
    pub fn key(&self, name: &str) -> Option<&ConfigKey> {
        self.keys.iter().find(|key| key.name == name)
    }

    /// Parses `props` into typed values, failing on the first missing or invalid key with a message
    /// that names it.
    pub fn parse(&self, props: &ConfigMap) -> Result<ParsedConfig> {
        let mut values = BTreeMap::new();
        for key in &self.keys {
            let value = key
                .parse_from(props.get(&key.name).map(String::as_str))
                .map_err(|message| ConnectError::config(&key.name, message))?;
            values.insert(key.name.clone(), value);
        }
        Ok(ParsedConfig {
            values,
            originals: props.clone(),
        })
    }

    /// Checks every key of `props`, collecting each key's errors instead of stopping at the first.
    pub fn validate(&self, props: &ConfigMap) -> Vec<ConfigInfo> {
        self.keys
            .iter()
            .map(|key| {
                let raw = props.get(&key.name).map(String::as_str);
                let errors = key.parse_from(raw).err().into_iter().collect();
                ConfigInfo {
                    definition: ConfigKeyInfo::from(key),
                    value: ConfigValueInfo {
                        name: key.name.clone(),
                        value: raw.map(|raw| key.display_value(raw)),
                        recommended_values: key.recommended_values.clone(),
                        errors,
                        visible: true,
                    },
                }
            })
            .collect()
    }
}

/// Typed configuration values produced by [`ConfigDef::parse`].
#[derive(Debug, Clone)]
pub struct ParsedConfig {
    values: BTreeMap<String, ConfigValue>,
    originals: ConfigMap,
}

impl ParsedConfig {
    /// The typed value of `name` (declared keys only).
    pub fn get(&self, name: &str) -> Option<&ConfigValue> {
        self.values.get(name)
    }

    /// A STRING, CLASS or PASSWORD value; `None` when null or undeclared.
    pub fn string(&self, name: &str) -> Option<&str> {
        match self.values.get(name)? {
            ConfigValue::String(s) | ConfigValue::Class(s) | ConfigValue::Password(s) => Some(s),
            _ => None,
        }
    }

    /// An INT, SHORT or LONG value widened to `i64`.
    pub fn long(&self, name: &str) -> Option<i64> {
        match self.values.get(name)? {
            ConfigValue::Int(v) => Some(i64::from(*v)),
            ConfigValue::Short(v) => Some(i64::from(*v)),
            ConfigValue::Long(v) => Some(*v),
            _ => None,
        }
    }

    /// An INT value.
    pub fn int(&self, name: &str) -> Option<i32> {
        match self.values.get(name)? {
            ConfigValue::Int(v) => Some(*v),
            _ => None,
        }
    }

    /// A BOOLEAN value.
    pub fn boolean(&self, name: &str) -> Option<bool> {
        match self.values.get(name)? {
            ConfigValue::Boolean(v) => Some(*v),
            _ => None,
        }
    }

    /// A LIST value; an empty list when null.
    pub fn list(&self, name: &str) -> Vec<String> {
        match self.values.get(name) {
            Some(ConfigValue::List(items)) => items.clone(),
            _ => Vec::new(),
        }
    }

    /// The value of a key the definition guarantees one (required, or with a non-null default):
    /// an error naming the key when it is undeclared or null, which is the definition's fault.
    fn present(&self, name: &str) -> Result<&ConfigValue> {
        match self.values.get(name) {
            Some(ConfigValue::Null) => Err(ConnectError::config(name, "has no value and no default")),
            Some(value) => Ok(value),
            None => Err(ConnectError::config(name, "is not a declared configuration")),
        }
    }

    fn mismatch<T>(name: &str, wanted: &str) -> Result<T> {
        Err(ConnectError::config(name, format!("is not declared as {wanted}")))
    }

    /// A STRING, CLASS or PASSWORD value that is never null (Apache's `getString`), so that its
    /// default is read from the definition instead of being repeated where it is used.
    pub fn get_string(&self, name: &str) -> Result<&str> {
        match self.present(name)? {
            ConfigValue::String(s) | ConfigValue::Class(s) | ConfigValue::Password(s) => Ok(s),
            _ => Self::mismatch(name, "a STRING"),
        }
    }

    /// An INT value that is never null (Apache's `getInt`).
    pub fn get_int(&self, name: &str) -> Result<i32> {
        match self.present(name)? {
            ConfigValue::Int(v) => Ok(*v),
            _ => Self::mismatch(name, "an INT"),
        }
    }

    /// An INT, SHORT or LONG value that is never null, widened to `i64` (Apache's `getLong`).
    pub fn get_long(&self, name: &str) -> Result<i64> {
        match self.present(name)? {
            ConfigValue::Int(v) => Ok(i64::from(*v)),
            ConfigValue::Short(v) => Ok(i64::from(*v)),
            ConfigValue::Long(v) => Ok(*v),
            _ => Self::mismatch(name, "a LONG"),
        }
    }

    /// A BOOLEAN value that is never null (Apache's `getBoolean`).
    pub fn get_boolean(&self, name: &str) -> Result<bool> {
        match self.present(name)? {
            ConfigValue::Boolean(v) => Ok(*v),
            _ => Self::mismatch(name, "a BOOLEAN"),
        }
    }

    /// A non-negative INT or LONG of milliseconds that is never null, as a duration.
    pub fn get_millis(&self, name: &str) -> Result<std::time::Duration> {
        Ok(std::time::Duration::from_millis(self.get_long(name)?.max(0) as u64))
    }

    /// Every raw property given, declared or not.
    pub fn originals(&self) -> &ConfigMap {
        &self.originals
    }

    /// The raw properties whose keys start with `prefix`, with the prefix removed.
    pub fn originals_with_prefix(&self, prefix: &str) -> ConfigMap {
        with_prefix(&self.originals, prefix)
    }
}

/// The entries of `props` whose keys start with `prefix`, with the prefix removed.
pub fn with_prefix(props: &ConfigMap, prefix: &str) -> ConfigMap {
    props
        .iter()
        .filter_map(|(k, v)| k.strip_prefix(prefix).map(|rest| (rest.to_string(), v.clone())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn def() -> ConfigDef {
        ConfigDef::new()
            .define(ConfigKey::new("topic", ConfigType::String).importance(Importance::High))
            .define(
                ConfigKey::new("batch.size", ConfigType::Int)
                    .default_value(ConfigValue::Int(2000))
                    .validator(Validator::AtLeast(1.0)),
            )
            .define(ConfigKey::new("tags", ConfigType::List).default_value(ConfigValue::Null))
            .define(ConfigKey::new("secret", ConfigType::Password).default_value(ConfigValue::Null))
    }

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parses_typed_values_and_defaults() {
        let parsed = def().parse(&props(&[("topic", "t"), ("tags", "a, b,c")])).unwrap();
        assert_eq!(parsed.string("topic"), Some("t"));
        assert_eq!(parsed.int("batch.size"), Some(2000));
        assert_eq!(parsed.list("tags"), ["a", "b", "c"]);
        assert_eq!(
            parsed.get_int("batch.size").unwrap(),
            2000,
            "the default, from the definition"
        );
        assert_eq!(parsed.get_string("topic").unwrap(), "t");
    }

    #[test]
    fn strict_accessors_name_the_key_the_definition_leaves_without_value() {
        let parsed = def().parse(&props(&[("topic", "t")])).unwrap();
        let null = parsed.get_string("secret").unwrap_err().to_string();
        assert!(null.contains("secret") && null.contains("no default"), "{null}");
        let undeclared = parsed.get_boolean("nope").unwrap_err().to_string();
        assert!(
            undeclared.contains("nope") && undeclared.contains("not a declared"),
            "{undeclared}"
        );
        let wrong = parsed.get_boolean("batch.size").unwrap_err().to_string();
        assert!(wrong.contains("batch.size") && wrong.contains("BOOLEAN"), "{wrong}");
    }

    #[test]
    fn parse_errors_name_the_key() {
        let missing = def().parse(&props(&[])).unwrap_err().to_string();
        assert!(
            missing.contains("Missing required configuration \"topic\""),
            "{missing}"
        );
        let bad = def()
            .parse(&props(&[("topic", "t"), ("batch.size", "x")]))
            .unwrap_err()
            .to_string();
        assert!(
            bad.contains("Invalid value x for configuration batch.size: Not a number of type INT"),
            "{bad}"
        );
        let small = def()
            .parse(&props(&[("topic", "t"), ("batch.size", "0")]))
            .unwrap_err()
            .to_string();
        assert!(small.contains("Value must be at least 1"), "{small}");
    }

    #[test]
    fn validate_collects_errors_and_hides_passwords() {
        let infos = def().validate(&props(&[("batch.size", "x"), ("secret", "hunter2")]));
        let errors: usize = infos.iter().map(|info| info.value.errors.len()).sum();
        assert_eq!(errors, 2);
        let secret = infos.iter().find(|i| i.value.name == "secret").unwrap();
        assert_eq!(secret.value.value.as_deref(), Some(HIDDEN));
    }
}
