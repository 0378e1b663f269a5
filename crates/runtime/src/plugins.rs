//! The plugin registry: one table from names to factories.
//!
//! Every plugin is known by its Apache class name, its simple class name and, as Apache accepts,
//! the simple name without its `Connector`/`Converter` suffix
//! (`org.apache.kafka.connect.file.FileStreamSourceConnector`, `FileStreamSourceConnector`,
//! `FileStreamSource`).

use kconnect_api::{ConnectorKind, Converter, HeaderConverter};
use kconnect_converters as conv;
use kconnect_file::{FileStreamSinkConnector, FileStreamSourceConnector};
use kconnect_jdbc::{JdbcSinkConnector, JdbcSourceConnector};
use serde::Serialize;

use crate::error::RuntimeError;

/// The kinds of plugin, named as the REST API names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginType {
    /// A source connector.
    Source,
    /// A sink connector.
    Sink,
    /// A key/value converter.
    Converter,
    /// A header converter.
    HeaderConverter,
    /// A single message transformation.
    Transformation,
    /// A predicate.
    Predicate,
}

/// A plugin as `GET /connector-plugins` lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PluginInfo {
    /// The Apache class name.
    #[serde(rename = "class")]
    pub class_name: String,
    /// The plugin type.
    #[serde(rename = "type")]
    pub plugin_type: PluginType,
    /// The version.
    pub version: String,
}

struct Entry<F> {
    class: &'static str,
    plugin_type: PluginType,
    create: F,
}

impl<F> Entry<F> {
    fn matches(&self, name: &str) -> bool {
        let simple = self.class.rsplit(['.', '$']).next().unwrap_or(self.class);
        let short = simple
            .strip_suffix("Connector")
            .or_else(|| simple.strip_suffix("Converter"))
            .unwrap_or(simple);
        name == self.class || name == simple || name == short
    }

    fn info(&self) -> PluginInfo {
        PluginInfo {
            class_name: self.class.to_string(),
            plugin_type: self.plugin_type,
            version: env!("CARGO_PKG_VERSION").to_string(),
        }
    }
}

fn find<'a, F>(entries: &'a [Entry<F>], name: &str) -> Option<&'a Entry<F>> {
    let name = name.trim();
    entries.iter().find(|entry| entry.matches(name))
}

/// The keys that name converters, for workers and connectors alike.
pub const CONVERTER_KEYS: [&str; 3] = ["key.converter", "value.converter", "header.converter"];

type ConnectorFactory = fn() -> ConnectorKind;
type ConverterFactory = fn() -> Box<dyn Converter>;
type HeaderConverterFactory = fn() -> Box<dyn HeaderConverter>;

/// Every built-in plugin.
pub struct PluginRegistry {
    connectors: Vec<Entry<ConnectorFactory>>,
    converters: Vec<Entry<ConverterFactory>>,
    header_converters: Vec<Entry<HeaderConverterFactory>>,
}

impl Default for PluginRegistry {
    fn default() -> Self {
        Self::new()
    }
}

macro_rules! entry {
    ($class:literal, $type:ident, $create:expr) => {
        Entry {
            class: $class,
            plugin_type: PluginType::$type,
            create: $create,
        }
    };
}

impl PluginRegistry {
    /// The registry of every plugin built into this binary.
    pub fn new() -> Self {
        Self {
            connectors: vec![
                entry!(
                    "org.apache.kafka.connect.file.FileStreamSourceConnector",
                    Source,
                    || { ConnectorKind::Source(Box::new(FileStreamSourceConnector::default())) }
                ),
                entry!("org.apache.kafka.connect.file.FileStreamSinkConnector", Sink, || {
                    ConnectorKind::Sink(Box::new(FileStreamSinkConnector::default()))
                }),
                entry!("io.confluent.connect.jdbc.JdbcSourceConnector", Source, || {
                    ConnectorKind::Source(Box::new(JdbcSourceConnector::default()))
                }),
                entry!("io.confluent.connect.jdbc.JdbcSinkConnector", Sink, || {
                    ConnectorKind::Sink(Box::new(JdbcSinkConnector::default()))
                }),
            ],
            converters: vec![
                entry!("org.apache.kafka.connect.json.JsonConverter", Converter, || Box::new(
                    conv::JsonConverter::default()
                )),
                entry!("org.apache.kafka.connect.storage.StringConverter", Converter, || {
                    Box::new(conv::StringConverter)
                }),
                entry!(
                    "org.apache.kafka.connect.converters.ByteArrayConverter",
                    Converter,
                    || Box::new(conv::ByteArrayConverter)
                ),
                entry!(
                    "org.apache.kafka.connect.converters.BooleanConverter",
                    Converter,
                    || Box::new(conv::BooleanConverter)
                ),
                entry!("org.apache.kafka.connect.converters.DoubleConverter", Converter, || {
                    Box::new(conv::DoubleConverter)
                }),
                entry!("org.apache.kafka.connect.converters.FloatConverter", Converter, || {
                    Box::new(conv::FloatConverter)
                }),
                entry!(
                    "org.apache.kafka.connect.converters.IntegerConverter",
                    Converter,
                    || Box::new(conv::IntegerConverter)
                ),
                entry!("org.apache.kafka.connect.converters.LongConverter", Converter, || {
                    Box::new(conv::LongConverter)
                }),
                entry!("org.apache.kafka.connect.converters.ShortConverter", Converter, || {
                    Box::new(conv::ShortConverter)
                }),
            ],
            header_converters: vec![
                entry!(
                    "org.apache.kafka.connect.storage.SimpleHeaderConverter",
                    HeaderConverter,
                    || Box::new(conv::SimpleHeaderConverter)
                ),
                entry!("org.apache.kafka.connect.json.JsonConverter", HeaderConverter, || {
                    Box::new(conv::JsonHeaderConverter::default())
                }),
                entry!(
                    "org.apache.kafka.connect.storage.StringConverter",
                    HeaderConverter,
                    || Box::new(conv::StringHeaderConverter)
                ),
                entry!(
                    "org.apache.kafka.connect.converters.DoubleConverter",
                    HeaderConverter,
                    || Box::new(conv::DoubleConverter)
                ),
                entry!(
                    "org.apache.kafka.connect.converters.FloatConverter",
                    HeaderConverter,
                    || Box::new(conv::FloatConverter)
                ),
                entry!(
                    "org.apache.kafka.connect.converters.IntegerConverter",
                    HeaderConverter,
                    || Box::new(conv::IntegerConverter)
                ),
                entry!(
                    "org.apache.kafka.connect.converters.LongConverter",
                    HeaderConverter,
                    || Box::new(conv::LongConverter)
                ),
                entry!(
                    "org.apache.kafka.connect.converters.ShortConverter",
                    HeaderConverter,
                    || Box::new(conv::ShortConverter)
                ),
            ],
        }
    }

    /// A new connector named `name` (any alias).
    pub fn connector(&self, name: &str) -> Result<ConnectorKind, RuntimeError> {
        find(&self.connectors, name)
            .map(|e| (e.create)())
            .ok_or_else(|| RuntimeError::UnknownPlugin {
                kind: "Connector",
                name: name.to_string(),
            })
    }

    /// The Apache class name of connector `name`.
    pub fn connector_class(&self, name: &str) -> Option<&'static str> {
        find(&self.connectors, name).map(|e| e.class)
    }

    /// A new, unconfigured converter named `name`.
    pub fn converter(&self, name: &str) -> Result<Box<dyn Converter>, RuntimeError> {
        find(&self.converters, name)
            .map(|e| (e.create)())
            .ok_or_else(|| RuntimeError::UnknownPlugin {
                kind: "Converter",
                name: name.to_string(),
            })
    }

    /// A new, unconfigured header converter named `name`.
    pub fn header_converter(&self, name: &str) -> Result<Box<dyn HeaderConverter>, RuntimeError> {
        find(&self.header_converters, name)
            .map(|e| (e.create)())
            .ok_or_else(|| RuntimeError::UnknownPlugin {
                kind: "HeaderConverter",
                name: name.to_string(),
            })
    }

    /// The configuration keys of plugin `name` of any type.
    pub fn config_def(&self, name: &str) -> Result<kconnect_api::ConfigDef, RuntimeError> {
        if let Some(entry) = find(&self.connectors, name) {
            return Ok((entry.create)().connector().config_def());
        }
        if let Some(entry) = find(&self.converters, name) {
            return Ok((entry.create)().config_def());
        }
        if let Some(entry) = find(&self.header_converters, name) {
            return Ok((entry.create)().config_def());
        }
        if let Some(transformation) = kconnect_transforms::transformation::<kconnect_api::SourceRecord>(name) {
            return Ok(transformation.config_def());
        }
        if let Some(predicate) = kconnect_transforms::predicate::<kconnect_api::SourceRecord>(name) {
            return Ok(predicate.config_def());
        }
        Err(RuntimeError::UnknownPlugin {
            kind: "plugin",
            name: name.to_string(),
        })
    }

    /// Whether `a` and `b` name the same connector plugin.
    pub fn same_connector(&self, a: &str, b: &str) -> bool {
        matches!((self.connector_class(a), self.connector_class(b)), (Some(x), Some(y)) if x == y)
    }

    /// Apache's error when `name`, the value of converter key `key`, names no converter of that
    /// kind (a header converter for `header.converter`).
    pub fn converter_error(&self, key: &str, name: &str) -> Option<String> {
        let found = match key {
            "header.converter" => self.header_converter(name).is_ok(),
            _ => self.converter(name).is_ok(),
        };
        (!found).then(|| format!("Invalid value {name} for configuration {key}: Class {name} could not be found."))
    }

    /// Checks that the worker's converter classes exist, naming each key whose class does not.
    pub fn check_worker_converters(&self, worker: &crate::WorkerConfig) -> Result<(), RuntimeError> {
        let mut errors = Vec::new();
        for key in CONVERTER_KEYS {
            if let Some(message) = worker.string(key).and_then(|name| self.converter_error(key, name)) {
                errors.push(format!("{key}: {message}"));
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(RuntimeError::InvalidConfig {
                context: "Worker configuration".into(),
                errors,
            })
        }
    }

    /// Every plugin, connectors first; with `connectors_only`, only connectors.
    pub fn list(&self, connectors_only: bool) -> Vec<PluginInfo> {
        let mut plugins: Vec<PluginInfo> = self.connectors.iter().map(Entry::info).collect();
        if !connectors_only {
            plugins.extend(self.converters.iter().map(Entry::info));
            plugins.extend(self.header_converters.iter().map(Entry::info));
            let info = |class: &&str, plugin_type| PluginInfo {
                class_name: class.to_string(),
                plugin_type,
                version: env!("CARGO_PKG_VERSION").to_string(),
            };
            plugins.extend(
                kconnect_transforms::TRANSFORMATIONS
                    .iter()
                    .map(|c| info(c, PluginType::Transformation)),
            );
            plugins.extend(
                kconnect_transforms::PREDICATES
                    .iter()
                    .map(|c| info(c, PluginType::Predicate)),
            );
        }
        plugins
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_apache_alias_resolves() {
        let registry = PluginRegistry::new();
        for name in [
            "org.apache.kafka.connect.file.FileStreamSourceConnector",
            "FileStreamSourceConnector",
            "FileStreamSource",
        ] {
            assert_eq!(registry.connector(name).unwrap().type_name(), "source", "{name}");
        }
        assert_eq!(registry.connector("FileStreamSink").unwrap().type_name(), "sink");
        assert_eq!(registry.connector("JdbcSource").unwrap().type_name(), "source");
        assert_eq!(
            registry
                .connector("io.confluent.connect.jdbc.JdbcSinkConnector")
                .unwrap()
                .type_name(),
            "sink"
        );
        assert!(registry.converter("JsonConverter").is_ok());
        assert!(
            registry
                .converter("org.apache.kafka.connect.storage.StringConverter")
                .is_ok()
        );
        assert!(registry.header_converter("SimpleHeaderConverter").is_ok());
    }

    #[test]
    fn unknown_names_are_errors_that_name_them() {
        let err = PluginRegistry::new()
            .connector("com.example.Nope")
            .err()
            .unwrap()
            .to_string();
        assert!(err.contains("com.example.Nope"), "{err}");
    }

    #[test]
    fn lists_connectors_or_everything() {
        let registry = PluginRegistry::new();
        assert_eq!(registry.list(true).len(), 4, "FileStream and JDBC, source and sink");
        assert!(
            registry
                .list(false)
                .iter()
                .any(|p| p.plugin_type == PluginType::HeaderConverter)
        );
    }
}
