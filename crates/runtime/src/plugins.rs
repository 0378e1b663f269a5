//! The plugin registry: the runtime's view of the plugin table the binary hands it.
//!
//! Every plugin is known by its Apache class name, its simple class name and, as Apache accepts,
//! the simple name without its `Connector`/`Converter` suffix
//! (`org.apache.kafka.connect.file.FileStreamSourceConnector`, `FileStreamSourceConnector`,
//! `FileStreamSource`). The runtime knows no plugin crate: which plugins exist is the table's
//! business ([`PluginTable`]).

use kconnect_api::{ChainRecord, ConnectorKind, Converter, HeaderConverter, PluginTable, Predicate, Transformation};
use serde::Serialize;

pub use kconnect_api::PluginType;

use crate::error::RuntimeError;

/// The version of every plugin built into this binary: kconnect's own.
pub const BUILT_IN_VERSION: &str = env!("CARGO_PKG_VERSION");

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

/// The keys that name converters, for workers and connectors alike.
pub const CONVERTER_KEYS: [&str; 3] = ["key.converter", "value.converter", "header.converter"];

fn unknown(kind: &'static str, name: &str) -> RuntimeError {
    RuntimeError::UnknownPlugin {
        kind,
        name: name.to_string(),
    }
}

/// Every plugin this worker can run, with the runtime's errors for names it does not know.
#[derive(Clone)]
pub struct PluginRegistry {
    table: PluginTable,
}

impl PluginRegistry {
    /// The registry of the plugins in `table`.
    pub fn new(table: PluginTable) -> Self {
        Self { table }
    }

    /// Every plugin, as the table the registry was made of.
    pub fn table(&self) -> &PluginTable {
        &self.table
    }

    /// A new connector named `name` (any alias).
    pub fn connector(&self, name: &str) -> Result<ConnectorKind, RuntimeError> {
        self.table.connector(name).ok_or_else(|| unknown("Connector", name))
    }

    /// The Apache class name of connector `name`.
    pub fn connector_class(&self, name: &str) -> Option<&str> {
        self.table.connector_class(name)
    }

    /// A new, unconfigured converter named `name`.
    pub fn converter(&self, name: &str) -> Result<Box<dyn Converter>, RuntimeError> {
        self.table.new_converter(name).ok_or_else(|| unknown("Converter", name))
    }

    /// A new, unconfigured header converter named `name`.
    pub fn header_converter(&self, name: &str) -> Result<Box<dyn HeaderConverter>, RuntimeError> {
        self.table
            .new_header_converter(name)
            .ok_or_else(|| unknown("HeaderConverter", name))
    }

    /// A new, unconfigured transformation named `name`, if there is one.
    pub fn transformation<R: ChainRecord>(&self, name: &str) -> Option<Box<dyn Transformation<R>>> {
        self.table.new_transformation(name)
    }

    /// A new, unconfigured config provider named `name`, if there is one.
    pub fn config_provider(&self, name: &str) -> Option<Box<dyn kconnect_api::ConfigProvider>> {
        self.table.new_config_provider(name)
    }

    /// A new, unconfigured predicate named `name`, if there is one.
    pub fn predicate<R: ChainRecord>(&self, name: &str) -> Option<Box<dyn Predicate<R>>> {
        self.table.new_predicate(name)
    }

    /// The configuration keys of plugin `name` of any type.
    pub fn config_def(&self, name: &str) -> Result<kconnect_api::ConfigDef, RuntimeError> {
        let table = &self.table;
        let def = table
            .connector(name)
            .map(|connector| connector.connector().config_def())
            .or_else(|| table.new_converter(name).map(|c| c.config_def()))
            .or_else(|| table.new_header_converter(name).map(|c| c.config_def()))
            .or_else(|| {
                table
                    .new_transformation::<kconnect_api::SourceRecord>(name)
                    .map(|t| t.config_def())
            })
            .or_else(|| {
                table
                    .new_predicate::<kconnect_api::SourceRecord>(name)
                    .map(|p| p.config_def())
            });
        def.ok_or_else(|| unknown("plugin", name))
    }

    /// Whether `a` and `b` name the same connector plugin.
    pub fn same_connector(&self, a: &str, b: &str) -> bool {
        matches!((self.connector_class(a), self.connector_class(b)), (Some(x), Some(y)) if x == y)
    }

    /// Apache's error when `name`, the value of converter key `key`, names no converter of that
    /// kind (a header converter for `header.converter`).
    pub fn converter_error(&self, key: &str, name: &str) -> Option<String> {
        let found = match key {
            "header.converter" => self.table.new_header_converter(name).is_some(),
            _ => self.table.new_converter(name).is_some(),
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
        self.table
            .classes()
            .into_iter()
            .filter(|c| !connectors_only || matches!(c.plugin_type, PluginType::Source | PluginType::Sink))
            .map(|c| PluginInfo {
                class_name: c.class.to_string(),
                plugin_type: c.plugin_type,
                version: c.version.unwrap_or(BUILT_IN_VERSION).to_string(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn registry() -> PluginRegistry {
        PluginRegistry::new(kconnect_test_plugins::with_core_plugins())
    }

    #[test]
    fn every_alias_resolves() {
        let registry = registry();
        for name in [
            kconnect_test_plugins::SCRIPTED_SOURCE,
            "ScriptedSourceConnector",
            "ScriptedSource",
        ] {
            assert_eq!(registry.connector(name).unwrap().type_name(), "source", "{name}");
        }
        assert_eq!(registry.connector("ScriptedSink").unwrap().type_name(), "sink");
        assert!(registry.converter("JsonConverter").is_ok());
        assert!(
            registry
                .converter("org.apache.kafka.connect.storage.StringConverter")
                .is_ok()
        );
        assert!(registry.header_converter("SimpleHeaderConverter").is_ok());
        assert!(registry.config_def("InsertField$Value").is_ok());
    }

    #[test]
    fn unknown_names_are_errors_that_name_them() {
        let err = registry().connector("com.example.Nope").err().unwrap().to_string();
        assert!(err.contains("com.example.Nope"), "{err}");
        let none = PluginRegistry::new(PluginTable::new());
        assert!(
            none.converter("JsonConverter").is_err(),
            "only what the table holds exists"
        );
    }

    #[test]
    fn lists_connectors_or_everything() {
        let registry = registry();
        assert_eq!(registry.list(true).len(), 2, "the scripted source and sink");
        let all = registry.list(false);
        assert!(all.iter().any(|p| p.plugin_type == PluginType::HeaderConverter));
        assert!(all.iter().any(|p| p.plugin_type == PluginType::Predicate));
    }
}
