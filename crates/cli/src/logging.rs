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
    /// Installs the global subscriber. `RUST_LOG` sets the initial levels: a bare level is the
    /// root's (default `info`), and `target=level` entries become named loggers, so
    /// `RUST_LOG=info,tansu_broker=debug` shows the embedded broker's group coordinator.
    pub fn install() -> Self {
        let levels = Self::initial_levels(&std::env::var("RUST_LOG").unwrap_or_default());
        let filter = EnvFilter::try_new(Self::directives(&levels)).unwrap_or_else(|_| EnvFilter::new("info"));
        let (filter, handle) = reload::Layer::new(filter);
        tracing_subscriber::registry()
            .with(filter)
            .with(
                tracing_subscriber::fmt::layer()
                    .with_writer(std::io::stderr)
                    .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr())),
            )
            .init();
        Self {
            handle,
            levels: Mutex::new(levels),
        }
    }

    /// The levels a `RUST_LOG` value names; entries that are not a known level are ignored.
    fn initial_levels(rust_log: &str) -> BTreeMap<String, LoggerLevel> {
        let level = |text: &str| {
            let upper = text.trim().to_ascii_uppercase();
            let known = LEVELS.contains(&upper.as_str());
            known.then_some(LoggerLevel {
                level: upper,
                last_modified: None,
            })
        };
        let mut levels = BTreeMap::new();
        for entry in rust_log.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let (logger, text) = entry.split_once('=').unwrap_or(("root", entry));
            if let Some(level) = level(text) {
                levels.insert(logger.trim().replace("::", "."), level);
            }
        }
        levels.entry("root".to_string()).or_insert_with(|| LoggerLevel {
            level: "INFO".to_string(),
            last_modified: None,
        });
        levels
    }

    fn directives(levels: &BTreeMap<String, LoggerLevel>) -> String {
        let root = levels
            .get("root")
            .map_or("info", |l| l.level.as_str())
            .to_ascii_lowercase();
        let mut directives = vec![root];
        directives.extend(
            QUIET
                .split(',')
                .filter(|quiet| {
                    let target = quiet.split('=').next().unwrap_or_default();
                    !levels.contains_key(target)
                })
                .map(str::to_string),
        );
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rust_log_sets_the_root_and_named_loggers_over_the_quiet_defaults() {
        let levels = Logging::initial_levels("debug, tansu_broker=info,kconnect_runtime::sink_task=trace,x=loud");
        assert_eq!(levels["root"].level, "DEBUG");
        assert_eq!(levels["tansu_broker"].level, "INFO");
        assert!(!levels.contains_key("x"));
        let directives = Logging::directives(&levels);
        assert!(directives.starts_with("debug,librdkafka=warn"), "{directives}");
        assert!(directives.contains("tansu_broker=info"));
        assert!(!directives.contains("tansu_broker=warn"));
        assert!(directives.contains("kconnect_runtime::sink_task=trace"));
    }

    #[test]
    fn without_rust_log_the_root_logs_info() {
        let levels = Logging::initial_levels("");
        assert_eq!(Logging::directives(&levels), format!("info,{QUIET}"));
    }
}
