//! The FileStream connectors' keys, declared once with Apache's defaults and docs, and the typed
//! configurations that their connectors check and their tasks are handed.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, Result};

/// The configuration key naming the file (both connectors).
pub(crate) const FILE_CONFIG: &str = "file";
const TOPIC_CONFIG: &str = "topic";
const BATCH_SIZE_CONFIG: &str = "batch.size";

/// FileStreamSource's keys.
fn source_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FILE_CONFIG, ConfigType::String)
                .default_value(ConfigValue::Null)
                .importance(Importance::High)
                .doc("Source filename. If not specified, the standard input will be used"),
        )
        .define(
            ConfigKey::new(TOPIC_CONFIG, ConfigType::String)
                .validator(Validator::NonEmptyString)
                .importance(Importance::High)
                .doc("The topic to publish data to"),
        )
        .define(
            ConfigKey::new(BATCH_SIZE_CONFIG, ConfigType::Int)
                .default_value(ConfigValue::Int(2000))
                .importance(Importance::Low)
                .doc("The maximum number of records the source task can read from the file each time it is polled"),
        )
}

/// FileStreamSink's keys.
fn sink_config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(FILE_CONFIG, ConfigType::String)
            .default_value(ConfigValue::Null)
            .importance(Importance::High)
            .doc("Destination filename. If not specified, the standard output will be used"),
    )
}

/// The file to read or write; `None` (standard input or output) when unset or empty.
fn file(parsed: &ParsedConfig) -> Option<String> {
    parsed.string(FILE_CONFIG).filter(|f| !f.is_empty()).map(str::to_string)
}

/// FileStreamSource's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SourceConfig {
    /// The file to read; standard input when `None`.
    pub file: Option<String>,
    /// The topic every line goes to.
    pub topic: String,
    /// At most this many lines per poll (at least 1).
    pub batch_size: usize,
}

impl PluginConfig for SourceConfig {
    fn definition() -> ConfigDef {
        source_config_def()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            file: file(parsed),
            topic: parsed.get_string(TOPIC_CONFIG)?.to_string(),
            batch_size: parsed.get_int(BATCH_SIZE_CONFIG)?.max(1) as usize,
        })
    }
}

/// FileStreamSink's configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SinkConfig {
    /// The file to append to; standard output when `None`.
    pub file: Option<String>,
}

impl PluginConfig for SinkConfig {
    fn definition() -> ConfigDef {
        sink_config_def()
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self { file: file(parsed) })
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::ConfigMap;

    use super::*;

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_source_takes_its_defaults_from_the_definition() {
        let config = SourceConfig::parse(&props(&[("topic", "t"), ("file", "")])).unwrap();
        assert_eq!(
            config,
            SourceConfig {
                file: None,
                topic: "t".into(),
                batch_size: 2000
            }
        );
    }

    #[test]
    fn a_missing_topic_is_named() {
        let err = SourceConfig::parse(&ConfigMap::new()).unwrap_err().to_string();
        assert!(err.contains("topic"), "{err}");
    }

    #[test]
    fn the_sink_writes_to_standard_output_without_a_file() {
        assert_eq!(SinkConfig::parse(&ConfigMap::new()).unwrap().file, None);
        let named = SinkConfig::parse(&props(&[("file", "/tmp/out")])).unwrap();
        assert_eq!(named.file.as_deref(), Some("/tmp/out"));
    }
}
