//! The connectors' configuration keys, named as the Confluent JDBC connector names them: what both
//! connectors share here, each connector's own keys and typed configuration in its module.

pub(crate) mod sink;
pub(crate) mod source;

use kconnect_api::config::{ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, ConfigKey, ConfigType, ConnectError, Result};

use crate::driver::{ConnectionSettings, dialect_of, unsupported_url_message};

/// `connection.url`.
pub const CONNECTION_URL: &str = "connection.url";
/// `connection.user`.
pub const CONNECTION_USER: &str = "connection.user";
/// `connection.password`.
pub const CONNECTION_PASSWORD: &str = "connection.password";

/// A key with a default value.
pub(crate) fn key(name: &str, config_type: ConfigType, default: ConfigValue, doc: &str) -> ConfigKey {
    ConfigKey::new(name, config_type)
        .default_value(default)
        .importance(Importance::Medium)
        .doc(doc)
}

/// A STRING key defaulting to `default`.
pub(crate) fn string_key(name: &str, default: &str, doc: &str) -> ConfigKey {
    key(name, ConfigType::String, ConfigValue::String(default.to_string()), doc)
}

/// A LIST key defaulting to empty.
pub(crate) fn list_key(name: &str, doc: &str) -> ConfigKey {
    key(name, ConfigType::List, ConfigValue::List(Vec::new()), doc)
}

/// A BOOLEAN key.
pub(crate) fn bool_key(name: &str, default: bool, doc: &str) -> ConfigKey {
    key(name, ConfigType::Boolean, ConfigValue::Boolean(default), doc)
}

/// An INT key at least `min`.
pub(crate) fn int_key(name: &str, default: i32, min: i32, doc: &str) -> ConfigKey {
    key(name, ConfigType::Int, ConfigValue::Int(default), doc).validator(Validator::AtLeast(min.into()))
}

/// The connection keys both connectors share.
pub fn connection_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(CONNECTION_URL, ConfigType::String)
                .importance(Importance::High)
                .validator(Validator::Custom(std::sync::Arc::new(|value| match value {
                    ConfigValue::String(url) if dialect_of(url).is_none() => Err(unsupported_url_message(url)),
                    _ => Ok(()),
                })))
                .doc("JDBC connection URL, e.g. jdbc:postgresql://localhost:5432/db, jdbc:mysql://localhost:3306/db, jdbc:sqlite:/path/file.db"),
        )
        .define(key(CONNECTION_USER, ConfigType::String, ConfigValue::Null, "JDBC connection user."))
        .define(key(
            CONNECTION_PASSWORD,
            ConfigType::Password,
            ConfigValue::Null,
            "JDBC connection password.",
        ))
}

/// The connection settings of parsed configuration.
pub(crate) fn connection_settings(parsed: &ParsedConfig, max_connections: u32) -> Result<ConnectionSettings> {
    Ok(ConnectionSettings {
        url: parsed.get_string(CONNECTION_URL)?.to_string(),
        user: parsed.string(CONNECTION_USER).map(str::to_string),
        password: parsed.string(CONNECTION_PASSWORD).map(str::to_string),
        max_connections,
    })
}

/// The value of an enumerated STRING key (its validator lists the names `parse` knows).
pub(crate) fn enumerated<T>(parsed: &ParsedConfig, key: &str, parse: fn(&str) -> Option<T>) -> Result<T> {
    let name = parsed.get_string(key)?;
    parse(name).ok_or_else(|| ConnectError::config(key, format!("Invalid value {name} for configuration {key}")))
}

/// Helpers for the connectors' validation tests.
#[cfg(test)]
pub(crate) mod testing {
    use kconnect_api::{ConfigInfos, ConfigMap};

    /// A configuration from key/value pairs.
    pub fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    /// Each key with errors, and its errors, as one line each: `key: message`.
    pub fn errors(infos: &ConfigInfos) -> Vec<String> {
        infos
            .configs
            .iter()
            .flat_map(|c| c.value.errors.iter().map(|e| format!("{}: {e}", c.definition.name)))
            .collect()
    }
}
