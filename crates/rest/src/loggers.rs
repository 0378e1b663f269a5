//! What `/admin/loggers` changes: log levels by logger name, at run time.

/// A logger's level as `GET /admin/loggers` shows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct LoggerLevel {
    /// `TRACE`, `DEBUG`, `INFO`, `WARN`, `ERROR` or `OFF`.
    pub level: String,
    /// When it was last set, in milliseconds since the epoch; null if never.
    pub last_modified: Option<i64>,
}

/// The worker's logging, as the REST API changes it.
pub trait LogLevels: Send + Sync {
    /// The explicitly set loggers and `root`.
    fn levels(&self) -> Vec<(String, LoggerLevel)>;
    /// Sets `logger` (`root` for the default) to `level`; returns the loggers whose level changed,
    /// or why the level is invalid.
    fn set(&self, logger: &str, level: &str) -> Result<Vec<String>, String>;
}
