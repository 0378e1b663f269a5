//! The JVM the worker's Java plugins run in, started on first need and again after it died.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use kconnect_api::ConfigMap;
use kconnect_api::config::ConfigKeyInfo;
use serde::Deserialize;

use crate::config::{Isolation, JAVA_OPTS, JavaSettings, TASK_CONNECTOR, split_java_opts};
use crate::error::JavaError;
use crate::launcher::Launcher;
use crate::protocol::{Jvm, op};
use crate::wire::{Reader, Writer};

/// A plugin the JVM found on plugin.path, as its discovery describes it.
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Description {
    /// The class name.
    pub class: String,
    /// `source`, `sink`, `converter`, `header_converter`, `transformation`, `predicate` or
    /// `config_provider`.
    #[serde(rename = "type")]
    pub plugin_type: String,
    /// The plugin's own version.
    pub version: String,
    /// The jar or directory it was found in.
    pub location: String,
    /// Its configuration keys.
    pub config: Vec<ConfigKeyInfo>,
    /// Why it could not be instantiated, if it could not.
    #[serde(default)]
    pub error: Option<String>,
}

/// Which JVM a connector and its tasks run in: the worker's one, or with
/// `kconnect.java.isolation=connector` a JVM of the connector's own, started with its options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The connector, when known.
    pub connector: Option<String>,
    /// The connector's own JVM options (`kconnect.java.opts` in its configuration).
    pub java_opts: Vec<String>,
}

impl Scope {
    /// The scope of a connector configured with `config`.
    pub fn of_connector(config: &ConfigMap) -> Self {
        Self {
            connector: config.get("name").cloned(),
            java_opts: java_opts(config),
        }
    }

    /// The scope of a task configured with `config` (which its connector marked with its scope),
    /// and the configuration without those marks, as the Java task is to see it.
    pub fn of_task(config: &ConfigMap) -> (Self, ConfigMap) {
        let scope = Self {
            connector: config.get(TASK_CONNECTOR).cloned(),
            java_opts: java_opts(config),
        };
        let mut config = config.clone();
        config.remove(TASK_CONNECTOR);
        config.remove(JAVA_OPTS);
        (scope, config)
    }

    /// Marks a task configuration of this scope's connector, for [`Scope::of_task`].
    pub fn mark_task(&self, config: &mut ConfigMap) {
        if let Some(connector) = &self.connector {
            config.insert(TASK_CONNECTOR.into(), connector.clone());
        }
        if !self.java_opts.is_empty() {
            config.insert(JAVA_OPTS.into(), self.java_opts.join(" "));
        }
    }
}

fn java_opts(config: &ConfigMap) -> Vec<String> {
    config
        .get(JAVA_OPTS)
        .map(|opts| split_java_opts(opts))
        .unwrap_or_default()
}

/// Starts host JVMs when plugins first need them, and new ones when they died (the handles of
/// the connectors and tasks a dead JVM ran die with it, so they fail, and the runtime's restarts
/// bring them back on a new one).
pub struct JvmPool {
    launcher: Launcher,
    plugin_path: Vec<String>,
    discovery: String,
    isolation: Isolation,
    answer_timeout: Duration,
    running: Mutex<HashMap<String, Arc<Jvm>>>,
}

impl JvmPool {
    /// A pool that starts JVMs with `launcher`, each discovering the plugins of `settings`'
    /// plugin.path, one per worker or per connector and killed when they stop answering, as
    /// `settings` say.
    pub fn new(launcher: Launcher, settings: &JavaSettings) -> Self {
        Self {
            launcher,
            plugin_path: settings
                .plugin_path
                .iter()
                .map(|path| path.display().to_string())
                .collect(),
            discovery: settings.discovery.clone(),
            isolation: settings.isolation,
            answer_timeout: settings.answer_timeout,
            running: Mutex::new(HashMap::new()),
        }
    }

    /// The worker's JVM (transformations, predicates and validation run there).
    pub fn shared(&self) -> Result<Arc<Jvm>, JavaError> {
        self.jvm(&Scope::default())
    }

    /// The running JVM of `scope`, started (and its plugins discovered) if none runs.
    pub fn jvm(&self, scope: &Scope) -> Result<Arc<Jvm>, JavaError> {
        self.jvm_and_plugins(scope).map(|(jvm, _)| jvm)
    }

    /// Forgets the JVM of `scope`'s connector when each connector has its own: it ends once the
    /// connector's tasks, which hold it, are gone too.
    pub fn release(&self, scope: &Scope) {
        let key = self.key(scope);
        if !key.is_empty() {
            self.running.lock().unwrap_or_else(PoisonError::into_inner).remove(&key);
        }
    }

    /// The connector whose JVM `scope` runs in; empty for the worker's.
    fn key(&self, scope: &Scope) -> String {
        match self.isolation {
            Isolation::Worker => String::new(),
            Isolation::Connector => scope.connector.clone().unwrap_or_default(),
        }
    }

    /// The running JVM of `scope` and, when this call started it, the plugins it found.
    pub fn jvm_and_plugins(&self, scope: &Scope) -> Result<(Arc<Jvm>, Option<Vec<Description>>), JavaError> {
        let key = self.key(scope);
        let mut running = self.running.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(jvm) = running.get(&key).filter(|jvm| jvm.gone().is_none()) {
            return Ok((jvm.clone(), None));
        }
        let options = if key.is_empty() { &[][..] } else { &scope.java_opts[..] };
        let jvm = Arc::new(Jvm::attach(self.launcher.spawn(options)?, self.answer_timeout)?);
        let mut request = Writer::new();
        request.strings(&self.plugin_path).string(&self.discovery);
        let answer = jvm.request_blocking(op::DISCOVER, request)?;
        let json = Reader::new(&answer).string()?;
        let plugins: Vec<Description> = serde_json::from_str(&json)
            .map_err(|err| JavaError::Protocol(format!("the plugins the JVM found: {err}")))?;
        tracing::info!(
            pid = jvm.pid(),
            connector = %key,
            plugins = plugins.len(),
            "started a JVM for Java plugins"
        );
        running.insert(key, jvm.clone());
        Ok((jvm, Some(plugins)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_task_runs_in_its_connectors_scope_and_its_java_task_sees_no_mark() {
        let connector: ConfigMap = [("name", "orders"), (JAVA_OPTS, "-Xmx64m  -Dx=1"), ("file", "a")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let scope = Scope::of_connector(&connector);
        assert_eq!(scope.connector.as_deref(), Some("orders"));
        assert_eq!(scope.java_opts, ["-Xmx64m", "-Dx=1"]);
        let mut task: ConfigMap = [("file".to_string(), "a".to_string())].into();
        scope.mark_task(&mut task);
        let (task_scope, seen) = Scope::of_task(&task);
        assert_eq!(task_scope, scope);
        assert_eq!(seen, [("file".to_string(), "a".to_string())].into());
    }
}
