//! Logging to standard error with `tracing`, with levels that `/admin/loggers` changes at run time.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

use kconnect_rest::{LogLevels, LoggerLevel};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::{EnvFilter, Registry, reload};

/// Directives that keep the Kafka client and the embedded broker quiet unless asked.
const QUIET: &str = "librdkafka=warn,rdkafka=warn,tansu_broker=warn,tansu_storage=warn,tansu_sans_io=warn";
const LEVELS: [&str; 6] = ["TRACE", "DEBUG", "INFO", "WARN", "ERROR", "OFF"];

/// The installed logger's levels.
pub struct Logging {
    handle: reload::Handle<EnvFilter, Registry>,
    levels: Mutex<BTreeMap<String, LoggerLevel>>,
}

impl Logging {
    /// Installs the global subscriber; `RUST_LOG` sets the initial root level (default `info`).
    pub fn install() -> Self {
        let root = std::env::var("RUST_LOG")
            .ok()
            .filter(|v| !v.contains('=') && !v.is_empty())
            .unwrap_or_else(|| "info".into());
        let filter = EnvFilter::try_new(format!("{root},{QUIET}")).unwrap_or_else(|_| EnvFilter::new("info"));
        let (filter, handle) = reload::Layer::new(filter);
        tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
            )
            .init();
        let mut levels = BTreeMap::new();
        levels.insert(
            "root".to_string(),
            LoggerLevel {
                level: root.to_ascii_uppercase(),
                last_modified: None,
            },
        );
        Self {
            handle,
            levels: Mutex::new(levels),
        }
    }

    fn directives(levels: &BTreeMap<String, LoggerLevel>) -> String {
        let root = levels
            .get("root")
            .map_or("info", |l| l.level.as_str())
            .to_ascii_lowercase();
        let mut directives = vec![root, QUIET.to_string()];
        directives.extend(
            levels
                .iter()
                .filter(|(name, _)| *name != "root")
                .map(|(name, level)| format!("{}={}", name.replace('.', "::"), level.level.to_ascii_lowercase())),
        );
        directives.join(",")
    }
}

impl LogLevels for Logging {
    fn levels(&self) -> Vec<(String, LoggerLevel)> {
        let levels = self.levels.lock().unwrap_or_else(|e| e.into_inner());
        levels.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
    }

    fn set(&self, logger: &str, level: &str) -> Result<Vec<String>, String> {
        let level = match level.to_ascii_uppercase().as_str() {
            "FATAL" => "ERROR".to_string(),
            upper if LEVELS.contains(&upper) => upper.to_string(),
            _ => return Err(format!("Invalid log level '{level}'.")),
        };
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        let mut levels = self.levels.lock().unwrap_or_else(|e| e.into_inner());
        let mut changed = vec![logger.to_string()];
        if logger == "root" {
            changed.extend(levels.keys().filter(|k| *k != "root").cloned());
            for entry in levels.values_mut() {
                entry.level = level.clone();
                entry.last_modified = Some(now);
            }
        }
        levels.insert(
            logger.to_string(),
            LoggerLevel {
                level,
                last_modified: Some(now),
            },
        );
        let filter = EnvFilter::try_new(Self::directives(&levels)).map_err(|err| err.to_string())?;
        self.handle.reload(filter).map_err(|err| err.to_string())?;
        changed.sort();
        changed.dedup();
        Ok(changed)
    }
}
