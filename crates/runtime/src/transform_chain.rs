//! The transformation chain of a connector: `transforms=a,b` with `transforms.<a>.type`,
//! `transforms.<a>.predicate` and `transforms.<a>.negate`, and `predicates=p` with
//! `predicates.<p>.type`; every other `transforms.<a>.*` / `predicates.<p>.*` key configures the
//! plugin.

use kconnect_api::config::{
    ConfigInfo, ConfigKey, ConfigKeyInfo, ConfigType, ConfigValueInfo, parse_list, with_prefix,
};
use kconnect_api::{ChainRecord, ConfigMap, ConnectError, Predicate, Transformation};

use crate::error::RuntimeError;
use crate::error_handling::StageError;
use crate::plugins::PluginRegistry;

const TRANSFORMS: &str = "transforms";
const PREDICATES: &str = "predicates";

struct Stage<R: ChainRecord> {
    alias: String,
    class: String,
    transformation: Box<dyn Transformation<R>>,
    predicate: Option<(Box<dyn Predicate<R>>, bool)>,
}

/// The configured transformations, applied in order.
pub struct TransformationChain<R: ChainRecord> {
    stages: Vec<Stage<R>>,
}

/// A configuration error on one key of the chain.
fn invalid(key: String, message: String) -> (String, String) {
    (key, message)
}

/// The plugin settings of `prefix` (`transforms.<a>.`), less the chain's own keys.
fn plugin_config(config: &ConfigMap, prefix: &str) -> ConfigMap {
    let mut settings = with_prefix(config, prefix);
    for own in ["type", "predicate", "negate"] {
        settings.remove(own);
    }
    settings
}

impl<R: ChainRecord> TransformationChain<R> {
    /// Builds and configures the chain from the plugins of `registry`, failing with every bad key
    /// named.
    pub fn from_config(registry: &PluginRegistry, config: &ConfigMap) -> Result<Self, RuntimeError> {
        let (stages, errors) = Self::build(registry, config);
        if errors.is_empty() {
            return Ok(Self { stages });
        }
        Err(RuntimeError::InvalidConfig {
            context: "Connector configuration".into(),
            errors: errors
                .into_iter()
                .map(|(key, message)| format!("{key}: {message}"))
                .collect(),
        })
    }

    /// The stages that could be built and the (key, message) errors of the rest.
    fn build(registry: &PluginRegistry, config: &ConfigMap) -> (Vec<Stage<R>>, Vec<(String, String)>) {
        let mut errors = Vec::new();
        let predicates: Vec<String> = parse_list(config.get(PREDICATES).map_or("", String::as_str));
        let mut stages = Vec::new();
        for alias in parse_list(config.get(TRANSFORMS).map_or("", String::as_str)) {
            let prefix = format!("{TRANSFORMS}.{alias}.");
            let type_key = format!("{prefix}type");
            let Some(class) = config.get(&type_key) else {
                errors.push(invalid(
                    type_key.clone(),
                    format!("Missing required configuration \"{type_key}\" which has no default value."),
                ));
                continue;
            };
            let Some(mut transformation) = registry.transformation::<R>(class) else {
                errors.push(invalid(
                    type_key.clone(),
                    format!("Invalid value {class} for configuration {type_key}: Class {class} could not be found."),
                ));
                continue;
            };
            if let Err(err) = transformation.configure(&plugin_config(config, &prefix)) {
                errors.push(invalid(format!("{prefix}{}", config_key(&err)), err.to_string()));
                continue;
            }
            let predicate = match config.get(&format!("{prefix}predicate")).filter(|p| !p.is_empty()) {
                None => None,
                Some(name) if !predicates.contains(name) => {
                    errors.push(invalid(format!("{prefix}predicate"), format!("Invalid value {name} for configuration {prefix}predicate: references an undefined predicate {name}")));
                    continue;
                }
                Some(name) => match Self::predicate(registry, config, name) {
                    Ok(predicate) => {
                        let negate = config
                            .get(&format!("{prefix}negate"))
                            .is_some_and(|n| n.trim().eq_ignore_ascii_case("true"));
                        Some((predicate, negate))
                    }
                    Err(error) => {
                        errors.push(error);
                        continue;
                    }
                },
            };
            stages.push(Stage {
                alias,
                class: class.clone(),
                transformation,
                predicate,
            });
        }
        (stages, errors)
    }

    fn predicate(
        registry: &PluginRegistry,
        config: &ConfigMap,
        name: &str,
    ) -> Result<Box<dyn Predicate<R>>, (String, String)> {
        let prefix = format!("{PREDICATES}.{name}.");
        let type_key = format!("{prefix}type");
        let class = config.get(&type_key).ok_or_else(|| {
            invalid(
                type_key.clone(),
                format!("Missing required configuration \"{type_key}\" which has no default value."),
            )
        })?;
        let mut predicate = registry.predicate::<R>(class).ok_or_else(|| {
            invalid(
                type_key.clone(),
                format!("Invalid value {class} for configuration {type_key}: Class {class} could not be found."),
            )
        })?;
        predicate
            .configure(&plugin_config(config, &prefix))
            .map_err(|err| invalid(format!("{prefix}{}", config_key(&err)), err.to_string()))?;
        Ok(predicate)
    }

    /// Whether the chain transforms nothing.
    pub fn is_empty(&self) -> bool {
        self.stages.is_empty()
    }

    /// Runs `record` through every stage whose predicate allows it; `None` when a stage dropped it.
    /// An error names the stage.
    pub fn apply(&self, mut record: R) -> Result<Option<R>, StageError> {
        for stage in &self.stages {
            let applies = stage
                .predicate
                .as_ref()
                .is_none_or(|(p, negate)| p.test(&record) != *negate);
            if !applies {
                continue;
            }
            match stage.transformation.apply(record) {
                Ok(Some(next)) => record = next,
                Ok(None) => return Ok(None),
                Err(error) => {
                    return Err(StageError {
                        stage: crate::error_handling::Stage::Transformation,
                        class: format!("{} (transform '{}')", stage.class, stage.alias),
                        error,
                    });
                }
            }
        }
        Ok(Some(record))
    }
}

/// The key a configuration error names, or the empty key.
fn config_key(err: &ConnectError) -> String {
    match err {
        ConnectError::Config { key, .. } => key.clone(),
        _ => String::new(),
    }
}

/// The validate entries of the chain: `transforms`, `predicates` and one per type key, with the
/// errors of building the chain on the keys they concern.
pub fn validate_chain(registry: &PluginRegistry, config: &ConfigMap) -> Vec<ConfigInfo> {
    let (_, errors) = TransformationChain::<kconnect_api::SourceRecord>::build(registry, config);
    let mut keys = vec![TRANSFORMS.to_string(), PREDICATES.to_string()];
    for alias in parse_list(config.get(TRANSFORMS).map_or("", String::as_str)) {
        keys.push(format!("{TRANSFORMS}.{alias}.type"));
    }
    for name in parse_list(config.get(PREDICATES).map_or("", String::as_str)) {
        keys.push(format!("{PREDICATES}.{name}.type"));
    }
    for (key, _) in &errors {
        if !keys.contains(key) {
            keys.push(key.clone());
        }
    }
    keys.into_iter()
        .map(|key| {
            let config_type = if key == TRANSFORMS || key == PREDICATES {
                ConfigType::List
            } else {
                ConfigType::Class
            };
            let group = if key.starts_with(PREDICATES) {
                "Predicates"
            } else {
                "Transforms"
            };
            let definition = ConfigKey::new(key.clone(), config_type)
                .default_value(kconnect_api::ConfigValue::Null)
                .group(group, -1)
                .doc("Aliases for the transformations (or predicates) to apply, and their classes.");
            ConfigInfo {
                definition: ConfigKeyInfo::from(&definition),
                value: ConfigValueInfo {
                    name: key.clone(),
                    value: config.get(&key).cloned(),
                    recommended_values: Vec::new(),
                    errors: errors
                        .iter()
                        .filter(|(k, _)| *k == key)
                        .map(|(_, m)| m.clone())
                        .collect(),
                    visible: true,
                },
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use kconnect_api::{OffsetMap, RecordCore, Schema, SchemaAndValue, SourceRecord, Value};

    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    fn chain(pairs: &[(&str, &str)]) -> Result<TransformationChain<SourceRecord>, RuntimeError> {
        TransformationChain::from_config(&registry(), &config(pairs))
    }

    fn registry() -> PluginRegistry {
        PluginRegistry::new(kconnect_transforms::plugins())
    }

    fn record(topic: &str) -> SourceRecord {
        let core = RecordCore::new(topic, SchemaAndValue::new(Some(Schema::string()), "hello".into()));
        SourceRecord::new(OffsetMap::new(), OffsetMap::new(), core)
    }

    #[test]
    fn stages_run_in_order_with_predicates() {
        let chain = chain(&[
            ("transforms", "hoist,route,drop"),
            (
                "transforms.hoist.type",
                "org.apache.kafka.connect.transforms.HoistField$Value",
            ),
            ("transforms.hoist.field", "line"),
            ("transforms.route.type", "RegexRouter"),
            ("transforms.route.regex", "(.*)"),
            ("transforms.route.replacement", "copy-$1"),
            ("transforms.drop.type", "Filter"),
            ("transforms.drop.predicate", "isSecret"),
            ("predicates", "isSecret"),
            (
                "predicates.isSecret.type",
                "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
            ),
            ("predicates.isSecret.pattern", "copy-secret.*"),
        ])
        .unwrap();
        let kept = chain.apply(record("orders")).unwrap().unwrap();
        assert_eq!(kept.topic, "copy-orders");
        assert_eq!(
            kept.value.value.as_struct().unwrap().get("line"),
            Some(&Value::from("hello"))
        );
        assert!(
            chain.apply(record("secret-plans")).unwrap().is_none(),
            "the predicate drops secret topics"
        );
    }

    #[test]
    fn negate_inverts_the_predicate() {
        let chain = chain(&[
            ("transforms", "drop"),
            ("transforms.drop.type", "Filter"),
            ("transforms.drop.predicate", "keep"),
            ("transforms.drop.negate", "true"),
            ("predicates", "keep"),
            ("predicates.keep.type", "TopicNameMatches"),
            ("predicates.keep.pattern", "keep-.*"),
        ])
        .unwrap();
        assert!(chain.apply(record("keep-me")).unwrap().is_some());
        assert!(chain.apply(record("other")).unwrap().is_none());
    }

    #[test]
    fn every_bad_key_is_named() {
        let bad = config(&[
            ("transforms", "a,b,c,d"),
            ("transforms.b.type", "NoSuchTransform"),
            ("transforms.c.type", "HoistField$Value"),
            ("transforms.d.type", "Filter"),
            ("transforms.d.predicate", "missing"),
        ]);
        let err = TransformationChain::<SourceRecord>::from_config(&registry(), &bad)
            .err()
            .unwrap()
            .to_string();
        for expected in [
            "transforms.a.type: Missing required configuration",
            "transforms.b.type: Invalid value NoSuchTransform",
            "transforms.c.field: ",
            "transforms.d.predicate: Invalid value missing",
        ] {
            assert!(err.contains(expected), "{expected:?} missing from {err}");
        }
        let infos = validate_chain(&registry(), &bad);
        let errors: usize = infos.iter().map(|i| i.value.errors.len()).sum();
        assert_eq!(errors, 4);
    }

    #[test]
    fn a_failing_stage_is_named() {
        let chain = chain(&[
            ("transforms", "extract"),
            ("transforms.extract.type", "ExtractField$Value"),
            ("transforms.extract.field", "x"),
        ])
        .unwrap();
        let err = chain.apply(record("t")).unwrap_err().to_string();
        assert!(err.contains("TRANSFORMATION") && err.contains("'extract'"), "{err}");
    }
}
