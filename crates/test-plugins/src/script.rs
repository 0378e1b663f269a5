//! What the scripted connectors share: how `start` behaves, and the keys that script it.

use std::time::Duration;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_api::{ConnectError, Result};

/// `start`: what the task's `start` does.
pub const START_CONFIG: &str = "start";
/// `connector.start`: what the connector's own `start` does.
pub const CONNECTOR_START_CONFIG: &str = "connector.start";
/// `panic.at.record`: the record number (source) or Kafka offset (sink) at which the task panics.
pub const PANIC_AT_CONFIG: &str = "panic.at.record";
/// `fail.at.record`: the record number (source) or Kafka offset (sink) at which the task fails.
pub const FAIL_AT_CONFIG: &str = "fail.at.record";

/// What a scripted task's `start` does.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StartBehaviour {
    /// Starts.
    #[default]
    Normal,
    /// Panics.
    Panic,
    /// Never returns.
    Hang,
    /// Returns an error.
    Fail,
}

impl StartBehaviour {
    const NAMES: [&'static str; 4] = ["normal", "panic", "hang", "fail"];

    /// The behaviour named `name` (one of [`StartBehaviour::NAMES`], validated by the config).
    pub fn named(name: &str) -> Self {
        match name {
            "panic" => Self::Panic,
            "hang" => Self::Hang,
            "fail" => Self::Fail,
            _ => Self::Normal,
        }
    }

    /// Behaves as scripted.
    pub async fn run(self) -> Result<()> {
        match self {
            Self::Normal => Ok(()),
            Self::Panic => panic!("scripted panic in start"),
            Self::Hang => loop {
                tokio::time::sleep(Duration::from_secs(3600)).await;
            },
            Self::Fail => Err(ConnectError::Fatal("scripted failure in start".into())),
        }
    }

    /// The `start` key (the task's) or the `connector.start` key (the connector's).
    pub fn key(name: &str) -> ConfigKey {
        let whose = if name == START_CONFIG { "task" } else { "connector" };
        ConfigKey::new(name, ConfigType::String)
            .default_value(ConfigValue::String("normal".into()))
            .validator(Validator::one_of(&Self::NAMES))
            .importance(Importance::Low)
            .doc(format!("What the {whose}'s start does: normal, panic, hang or fail."))
    }
}

/// A `LONG` key defaulting to -1 (never).
pub fn record_number_key(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Long)
        .default_value(ConfigValue::Long(-1))
        .importance(Importance::Low)
        .doc(doc)
}

/// Panics or fails when `at` is the scripted point of `panic_at` or `fail_at`.
pub fn misbehave_at(at: i64, panic_at: i64, fail_at: i64) -> Result<()> {
    if at == panic_at {
        panic!("scripted panic at record {at}");
    }
    if at == fail_at {
        return Err(ConnectError::Fatal(format!("scripted failure at record {at}")));
    }
    Ok(())
}
