//! Config providers (KIP-297): `${file:PATH:KEY}`, `${env:VAR}` and `${directory:PATH:FILE}` in
//! connector configurations, resolved when a connector or task starts and never shown resolved.
//!
//! The worker names them as Apache does: `config.providers=file,env` with
//! `config.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider`, and so
//! on for `EnvVarConfigProvider` and `DirectoryConfigProvider`.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

use kconnect_api::ConfigMap;
use regex::Regex;

use crate::error::RuntimeError;
use crate::properties::parse_properties;
use crate::worker_config::WorkerConfig;

static VARIABLE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"\$\{([^}]*?):(?:([^}]*?):)?([^}]*?)\}").expect("valid pattern"));

/// The built-in providers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Provider {
    /// A key of a properties file.
    File,
    /// An environment variable.
    Env,
    /// The contents of a file in a directory.
    Directory,
}

impl Provider {
    fn from_class(class: &str) -> Option<Self> {
        match class.rsplit('.').next()? {
            "FileConfigProvider" => Some(Self::File),
            "EnvVarConfigProvider" => Some(Self::Env),
            "DirectoryConfigProvider" => Some(Self::Directory),
            _ => None,
        }
    }

    fn lookup(self, path: &str, key: &str) -> Result<String, String> {
        match self {
            Self::Env => std::env::var(key).map_err(|_| format!("environment variable {key} is not set")),
            Self::File => {
                let text = std::fs::read_to_string(path).map_err(|err| format!("cannot read {path}: {err}"))?;
                parse_properties(&text)
                    .remove(key)
                    .ok_or_else(|| format!("{path} has no key {key}"))
            }
            Self::Directory => std::fs::read_to_string(Path::new(path).join(key))
                .map_err(|err| format!("cannot read {key} in {path}: {err}")),
        }
    }
}

/// The providers the worker configures.
#[derive(Debug, Clone, Default)]
pub struct ConfigProviders {
    providers: BTreeMap<String, Provider>,
}

impl ConfigProviders {
    /// The providers named in `config.providers`, each with its `.class`.
    pub fn from_worker(config: &WorkerConfig) -> Result<Self, RuntimeError> {
        let names =
            kconnect_api::config::parse_list(config.originals().get("config.providers").map_or("", String::as_str));
        let mut providers = BTreeMap::new();
        for name in names {
            let key = format!("config.providers.{name}.class");
            let class = config.originals().get(&key).map(String::as_str).unwrap_or_default();
            let provider = Provider::from_class(class).ok_or_else(|| RuntimeError::InvalidConfig {
                context: "Worker configuration".into(),
                errors: vec![format!("{key}: Invalid value {class} for configuration {key}: expected FileConfigProvider, EnvVarConfigProvider or DirectoryConfigProvider")],
            })?;
            providers.insert(name, provider);
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
            provider.lookup(path, &captures[3]).unwrap_or_else(|err| {
                failure = Some(err);
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

    fn providers() -> ConfigProviders {
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
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        ConfigProviders::from_worker(&WorkerConfig::new(props).unwrap()).unwrap()
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
