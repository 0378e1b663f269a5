//! [`PluginConfig`]: a plugin's configuration as one typed struct, parsed once from its
//! [`ConfigDef`], so that defaults live in the definition alone and cross-key rules are written
//! once for both `validate` and `start`.

use super::{ConfigDef, ConfigInfo, ConfigInfos, ConfigMap, ParsedConfig};
use crate::error::{ConnectError, Result};

/// A plugin's typed configuration. A connector implements it once, checks it in `start` with
/// [`PluginConfig::parse`], answers `validate` with [`PluginConfig::validate`], and its tasks
/// parse the same struct from the configuration the connector already checked.
pub trait PluginConfig: Sized {
    /// The keys: types, defaults, validators, docs.
    fn definition() -> ConfigDef;

    /// The struct, from values the definition has parsed (read keys with defaults through
    /// [`ParsedConfig::get_string`] and its kin, so the default is the definition's).
    fn from_parsed(parsed: &ParsedConfig) -> Result<Self>;

    /// Rules across keys, each broken one as the key to blame and a message; none by default.
    fn cross_checks(&self) -> Vec<(&'static str, String)> {
        Vec::new()
    }

    /// Parses and checks `config`, failing with the first bad key named.
    fn parse(config: &ConfigMap) -> Result<Self> {
        let typed = Self::from_parsed(&Self::definition().parse(config)?)?;
        match typed.cross_checks().into_iter().next() {
            Some((key, message)) => Err(ConnectError::config(key, message)),
            None => Ok(typed),
        }
    }

    /// The REST validate answer: every key's own errors, then each broken cross-key rule on the
    /// key it blames.
    fn validate(config: &ConfigMap) -> ConfigInfos {
        let definition = Self::definition();
        let mut infos: Vec<ConfigInfo> = definition.validate(config);
        let broken = match definition.parse(config).map(|parsed| Self::from_parsed(&parsed)) {
            Ok(Ok(typed)) => typed
                .cross_checks()
                .into_iter()
                .map(|(key, message)| (key.to_string(), message))
                .collect(),
            // A value every key's own rules accept, that the typed configuration refuses.
            Ok(Err(ConnectError::Config { key, message })) => vec![(key, message)],
            _ => Vec::new(),
        };
        for (key, message) in broken {
            if let Some(info) = infos.iter_mut().find(|info| info.definition.name == key) {
                info.value.errors.push(message);
            }
        }
        ConfigInfos::new(String::new(), infos)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigKey, ConfigType, ConfigValue};

    /// `low` must not exceed `high`.
    #[derive(Debug)]
    struct Range {
        low: i32,
        high: i32,
    }

    impl PluginConfig for Range {
        fn definition() -> ConfigDef {
            ConfigDef::new()
                .define(ConfigKey::new("low", ConfigType::Int).default_value(ConfigValue::Int(0)))
                .define(ConfigKey::new("high", ConfigType::Int))
        }

        fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
            let high = parsed.get_int("high")?;
            if high == i32::MAX {
                return Err(ConnectError::config("high", "leaves no room above it"));
            }
            Ok(Self {
                low: parsed.get_int("low")?,
                high,
            })
        }

        fn cross_checks(&self) -> Vec<(&'static str, String)> {
            match self.low > self.high {
                true => vec![("low", format!("low ({}) is above high ({})", self.low, self.high))],
                false => Vec::new(),
            }
        }
    }

    fn props(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn parse_takes_defaults_from_the_definition_and_applies_the_rules() {
        let range = Range::parse(&props(&[("high", "5")])).unwrap();
        assert_eq!((range.low, range.high), (0, 5));
        let err = Range::parse(&props(&[("low", "9"), ("high", "5")]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("low") && err.contains("above high"), "{err}");
    }

    #[test]
    fn validate_names_the_key_the_typed_configuration_refuses() {
        let infos = Range::validate(&props(&[("high", &i32::MAX.to_string())]));
        assert_eq!(infos.error_count, 1);
        let high = infos.configs.iter().find(|c| c.value.name == "high").unwrap();
        assert_eq!(high.value.errors, ["leaves no room above it"]);
    }

    #[test]
    fn validate_puts_each_error_on_its_key() {
        let infos = Range::validate(&props(&[("low", "9"), ("high", "5")]));
        assert_eq!(infos.error_count, 1);
        let low = infos.configs.iter().find(|c| c.value.name == "low").unwrap();
        assert_eq!(low.value.errors, ["low (9) is above high (5)"]);
        let missing = Range::validate(&props(&[]));
        let high = missing.configs.iter().find(|c| c.value.name == "high").unwrap();
        assert_eq!(
            missing.error_count, 1,
            "no cross-key rule runs on a config that does not parse"
        );
        assert!(
            high.value.errors[0].contains("Missing required"),
            "{:?}",
            high.value.errors
        );
    }
}
