//! Config providers (KIP-297): `${file:PATH:KEY}`, `${env:VAR}`, `${directory:PATH:FILE}` and any
//! other provider of the plugin table in connector configurations, resolved when a connector or
//! task starts and never shown resolved.
//!
//! The worker names them as Apache does: `config.providers=file,env` with
//! `config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider` and its
//! parameters under `config.providers.file.param.`.

use std::collections::BTreeMap;
use std::sync::{Arc, LazyLock};

use kconnect_api::config::with_prefix;
use kconnect_api::{ConfigMap, ConfigProvider};
use regex::Regex;

use crate::error::RuntimeError;
use crate::plugins::PluginRegistry;
use crate::worker_config::WorkerConfig;

static VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}").expect("valid pattern"));

/// The providers the worker configures.
#[derive(Clone, Default)]
pub struct ConfigProviders {
    providers: BTreeMap<String, Arc<dyn ConfigProvider>>,
}

impl std::fmt::Debug for ConfigProviders {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(self.providers.keys()).finish()
    }
}

impl ConfigProviders {
    /// The providers named in `config.providers`, each made from the plugin table by its
    /// `.class` and configured with its `.param.*` keys.
    pub fn from_worker(config: &WorkerConfig, registry: &PluginRegistry) -> Result<Self, RuntimeError> {
        let names =
            kconnect_api::config::parse_list(config.originals().get("config.providers").map_or("", String::as_str));
        let invalid = |key: &str, message: String| RuntimeError::InvalidConfig {
            context: "Worker configuration".into(),
            errors: vec![format!("{key}: {message}")],
        };
        let mut providers = BTreeMap::new();
        for name in names {
            let key = format!("config.providers.{name}.class");
            let class = config.originals().get(&key).map(String::as_str).unwrap_or_default();
            let mut provider = registry.config_provider(class).ok_or_else(|| {
                invalid(
                    &key,
                    format!("Invalid value {class} for configuration {key}: Class {class} cannot be found"),
                )
            })?;
            let params = with_prefix(config.originals(), &format!("config.providers.{name}.param."));
            provider
                .configure(&params)
                .map_err(|err| invalid(&key, format!("cannot configure provider {name}: {err}")))?;
            providers.insert(name, Arc::from(provider));
        }
        Ok(Self { providers })
    }

    /// `config` with every `${provider:[path:]key}` of a configured provider replaced by its value;
    /// a variable of an unknown provider is left as it is, as Apache does.
    pub fn resolve(&self, config: &ConfigMap) -> Result<ConfigMap, RuntimeError> {
        config
            .iter()
            .map(|(key, value)| Ok((key.clone(), self.resolve_value(key, value)?)))
            .collect()
    }

    fn resolve_value(&self, key: &str, value: &str) -> Result<String, RuntimeError> {
        if !value.contains("${") {
            return Ok(value.to_string());
        }
        let mut failure = None;
        let resolved = VARIABLE.replace_all(value, |captures: &regex::Captures<'_>| {
            let Some(provider) = self.providers.get(&captures[1]) else {
                return captures[0].to_string();
            };
            let path = captures.get(2).map_or("", |m| m.as_str());
            provider.get(path, &captures[3]).unwrap_or_else(|err| {
                failure = Some(err.to_string());
                String::new()
            })
        });
        match failure {
            Some(err) => Err(RuntimeError::InvalidConfig {
                context: "Connector configuration".into(),
                errors: vec![format!("{key}: cannot resolve {value}: {err}")],
            }),
            None => Ok(resolved.into_owned()),
        }
    }

    /// Puts the variables of `raw` back into `resolved` task configs, so that what the REST API
    /// shows never holds a resolved secret (Apache's reverse transform).
    pub fn unresolve(raw: &ConfigMap, resolved: &ConfigMap, mut task: ConfigMap) -> ConfigMap {
        for (key, value) in raw.iter().filter(|(_, v)| v.contains("${")) {
            if task.get(key) == resolved.get(key) {
                task.insert(key.clone(), value.clone());
            }
        }
        task
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn worker(extra: &[(&str, &str)]) -> WorkerConfig {
        let props: ConfigMap = [
            ("key.converter", "StringConverter"),
            ("value.converter", "StringConverter"),
            ("offset.storage.file.filename", "/tmp/x"),
            ("config.providers", "file,env,directory"),
            (
                "config.providers.file.class",
                "org.apache.kafka.common.config.provider.FileConfigProvider",
            ),
            (
                "config.providers.env.class",
                "org.apache.kafka.common.config.provider.EnvVarConfigProvider",
            ),
            (
                "config.providers.directory.class",
                "org.apache.kafka.common.config.provider.DirectoryConfigProvider",
            ),
        ]
        .iter()
        .chain(extra)
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        WorkerConfig::new(props).unwrap()
    }

    fn registry() -> PluginRegistry {
        PluginRegistry::new(kconnect_config_providers::plugins())
    }

    fn providers() -> ConfigProviders {
        ConfigProviders::from_worker(&worker(&[]), &registry()).unwrap()
    }

    #[test]
    fn a_provider_gets_its_params_and_an_unknown_class_is_named() {
        let allowlisted = worker(&[("config.providers.env.param.allowlist.pattern", "KCONNECT_.*")]);
        let providers = ConfigProviders::from_worker(&allowlisted, &registry()).unwrap();
        let config: ConfigMap = [("home".to_string(), "${env:HOME}".to_string())].into();
        let err = providers.resolve(&config).unwrap_err().to_string();
        assert!(err.contains("home") && err.contains("does not match"), "{err}");
        let unknown = worker(&[("config.providers.env.class", "org.example.VaultConfigProvider")]);
        let err = ConfigProviders::from_worker(&unknown, &registry())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.contains("config.providers.env.class") && err.contains("org.example.VaultConfigProvider"),
            "{err}"
        );
    }

    #[test]
    fn resolves_each_provider_and_keeps_unknown_ones() {
        let dir = tempfile::tempdir().unwrap();
        let secrets = dir.path().join("secrets.properties");
        std::fs::write(&secrets, "db.password=hunter2\n").unwrap();
        std::fs::write(dir.path().join("token"), "t0k3n").unwrap();
        let home = std::env::var("HOME").unwrap();
        let config: ConfigMap = [
            ("password", format!("${{file:{}:db.password}}", secrets.display())),
            ("home", "${env:HOME}/x".to_string()),
            ("token", format!("${{directory:{}:token}}", dir.path().display())),
            ("other", "${vault:a:b}".to_string()),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect();
        let resolved = providers().resolve(&config).unwrap();
        assert_eq!(resolved["password"], "hunter2");
        assert_eq!(resolved["home"], format!("{home}/x"));
        assert_eq!(resolved["token"], "t0k3n");
        assert_eq!(resolved["other"], "${vault:a:b}");
        let task = ConfigProviders::unresolve(&config, &resolved, resolved.clone());
        assert_eq!(task, config, "task configs show the variables, not the secrets");
    }

    #[test]
    fn a_missing_value_names_the_key() {
        let config: ConfigMap = [("password".to_string(), "${env:KCONNECT_SURELY_UNSET}".to_string())].into();
        let err = providers().resolve(&config).unwrap_err().to_string();
        assert!(
            err.contains("password") && err.contains("KCONNECT_SURELY_UNSET"),
            "{err}"
        );
    }
}
