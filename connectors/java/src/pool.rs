//! The JVM the worker's Java plugins run in, started on first need and again after it died.

use std::sync::{Arc, Mutex, PoisonError};

use serde::Deserialize;

use kconnect_api::config::ConfigKeyInfo;

use crate::error::JavaError;
use crate::launcher::Launcher;
use crate::protocol::{Jvm, op};
use crate::wire::{Reader, Writer};

/// A plugin the JVM found on plugin.path, as its discovery describes it.
#[derive(Debug, Clone, Deserialize)]
pub struct Description {
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

/// Starts the host JVM when a plugin first needs it, and a new one when the last one died (its
/// connectors' and tasks' handles die with it, so they fail and the runtime's restarts bring them
/// back on the new one).
pub struct JvmPool {
    launcher: Launcher,
    plugin_path: Vec<String>,
    current: Mutex<Option<Arc<Jvm>>>,
}

impl JvmPool {
    /// A pool that starts JVMs with `launcher`, each scanning `plugin_path`.
    pub fn new(launcher: Launcher, plugin_path: Vec<String>) -> Self {
        Self {
            launcher,
            plugin_path,
            current: Mutex::new(None),
        }
    }

    /// The running JVM, started (and its plugins discovered) if none runs.
    pub fn jvm(&self) -> Result<Arc<Jvm>, JavaError> {
        self.jvm_and_plugins().map(|(jvm, _)| jvm)
    }

    /// The running JVM and, when this call started it, the plugins it found.
    pub fn jvm_and_plugins(&self) -> Result<(Arc<Jvm>, Option<Vec<Description>>), JavaError> {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(jvm) = current.as_ref().filter(|jvm| jvm.gone().is_none()) {
            return Ok((jvm.clone(), None));
        }
        let jvm = Arc::new(Jvm::attach(self.launcher.spawn()?)?);
        let mut request = Writer::new();
        request.strings(&self.plugin_path);
        let answer = jvm.request_blocking(op::DISCOVER, request)?;
        let json = Reader::new(&answer).string()?;
        let plugins: Vec<Description> = serde_json::from_str(&json)
            .map_err(|err| JavaError::Protocol(format!("the plugins the JVM found: {err}")))?;
        tracing::info!(
            pid = jvm.pid(),
            plugins = plugins.len(),
            "started the JVM for Java plugins"
        );
        *current = Some(jvm.clone());
        Ok((jvm, Some(plugins)))
    }
}
