//! The sources' keys: the store's, the sinks' object names and formats, and what to read.

use std::marker::PhantomData;
use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConnectError, Result};
use regex::Regex;

use super::backend::Backend;
use super::layout::{Naming, naming_definition};
use crate::format::FormatSpec;
use crate::store::StoreSettings;
use crate::stored::Companions;

const MODE: &str = "mode";
const TOPICS: &str = "topics";
const TOPIC_REGEX_LIST: &str = "topic.regex.list";
const POLL_INTERVAL: &str = "poll.interval.ms";
const BATCH_MAX: &str = "record.batch.max.size";

/// What a source reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Mode {
    /// The objects a sink wrote, back to their topics and partitions.
    RestoreBackup,
    /// Any objects, to the topic the first matching `topic.regex.list` entry names.
    Generic,
}

fn source_definition() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(MODE, ConfigType::String)
                .default_value(ConfigValue::String("RESTORE_BACKUP".into()))
                .validator(Validator::one_of_ignore_case(&["RESTORE_BACKUP", "GENERIC"]))
                .importance(Importance::High)
                .doc(
                    "RESTORE_BACKUP: read the objects a sink wrote under topics.dir and produce each record to \
                     the topic and partition its object name gives. GENERIC: read every object under topics.dir, \
                     in name order, to the topic of the first topic.regex.list entry its name matches.",
                ),
        )
        .define(
            ConfigKey::new(TOPICS, ConfigType::List)
                .default_value(ConfigValue::List(Vec::new()))
                .importance(Importance::Medium)
                .doc("RESTORE_BACKUP: the topics to restore; every topic found when empty."),
        )
        .define(
            ConfigKey::new(TOPIC_REGEX_LIST, ConfigType::List)
                .default_value(ConfigValue::List(Vec::new()))
                .importance(Importance::High)
                .doc("GENERIC: `topic:regex` pairs; an object goes to the topic of the first regex its name matches."),
        )
        .define(
            ConfigKey::new(POLL_INTERVAL, ConfigType::Long)
                .default_value(ConfigValue::Long(60_000))
                .validator(Validator::AtLeast(0.0))
                .importance(Importance::Medium)
                .doc("How often the store is listed again for new objects, once every object listed is read."),
        )
        .define(
            ConfigKey::new(BATCH_MAX, ConfigType::Int)
                .default_value(ConfigValue::Int(200))
                .validator(Validator::AtLeast(1.0))
                .importance(Importance::Low)
                .doc("The most records one poll returns."),
        )
        .merge(&naming_definition())
        .merge(&crate::format::definition())
        .merge(&crate::stored::definition())
}

/// A source's configuration, for the store `B`.
#[derive(Debug, Clone)]
pub(crate) struct SourceConfig<B> {
    /// Where the objects are.
    pub store: StoreSettings,
    /// What to read.
    pub mode: Mode,
    /// How the sinks named objects.
    pub naming: Naming,
    /// How records were written.
    pub format: FormatSpec,
    /// RESTORE_BACKUP: the keys and headers the sink wrote beside the values, to read back.
    pub companions: Companions,
    /// RESTORE_BACKUP: the topics to restore (all when empty).
    pub topics: Vec<String>,
    /// GENERIC: each topic and the object names it takes.
    pub topic_regexes: Vec<(String, Regex)>,
    /// Between listings of the store.
    pub poll_interval: Duration,
    /// The most records per poll.
    pub batch_max: usize,
    backend: PhantomData<B>,
}

/// `topic:regex` pairs.
fn topic_regexes(entries: &[String]) -> Result<Vec<(String, Regex)>> {
    entries
        .iter()
        .map(|entry| {
            let (topic, pattern) = entry
                .split_once(':')
                .ok_or_else(|| ConnectError::config(TOPIC_REGEX_LIST, format!("{entry} is not topic:regex")))?;
            let regex = Regex::new(&format!("^(?:{pattern})$"))
                .map_err(|e| ConnectError::config(TOPIC_REGEX_LIST, format!("{pattern}: {e}")))?;
            Ok((topic.to_string(), regex))
        })
        .collect()
}

impl<B: Backend> PluginConfig for SourceConfig<B> {
    fn definition() -> ConfigDef {
        source_definition().merge(&B::definition())
    }

    fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let mode = match parsed.get_string(MODE)?.to_ascii_uppercase().as_str() {
            "GENERIC" => Mode::Generic,
            _ => Mode::RestoreBackup,
        };
        let format = FormatSpec::from_parsed(parsed, None)?;
        Ok(Self {
            store: B::settings(parsed),
            companions: Companions::from_parsed(parsed, &format)?,
            format,
            mode,
            naming: Naming::from_parsed(parsed)?,
            topics: parsed.list(TOPICS),
            topic_regexes: topic_regexes(&parsed.list(TOPIC_REGEX_LIST))?,
            poll_interval: parsed.get_millis(POLL_INTERVAL)?,
            batch_max: parsed.get_int(BATCH_MAX)?.max(1) as usize,
            backend: PhantomData,
        })
    }

    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        match (&self.mode, self.topic_regexes.is_empty()) {
            (Mode::Generic, true) => vec![(TOPIC_REGEX_LIST, "GENERIC mode needs topic.regex.list".into())],
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::ConfigMap;

    use super::*;
    use crate::config::S3;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        let mut map: ConfigMap = [
            ("s3.bucket.name", "b"),
            ("format.class", "io.confluent.connect.s3.format.json.JsonFormat"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        map.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        map
    }

    #[test]
    fn restore_is_the_default_and_generic_needs_its_regexes() {
        let restore = SourceConfig::<S3>::parse(&config(&[])).unwrap();
        assert_eq!(restore.mode, Mode::RestoreBackup);
        assert_eq!(restore.poll_interval, Duration::from_secs(60));
        let err = SourceConfig::<S3>::parse(&config(&[("mode", "GENERIC")])).unwrap_err();
        assert!(err.to_string().contains(TOPIC_REGEX_LIST), "{err}");
        let generic = SourceConfig::<S3>::parse(&config(&[
            ("mode", "generic"),
            ("topic.regex.list", "logs:.*\\.json,other:.*"),
        ]))
        .unwrap();
        assert_eq!(generic.topic_regexes[0].0, "logs");
        assert!(generic.topic_regexes[0].1.is_match("in/a.json"));
        assert!(!generic.topic_regexes[0].1.is_match("in/a.json.gz"));
    }
}
