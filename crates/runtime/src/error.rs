//! The runtime's errors.

use kconnect_api::ConnectError;
use thiserror::Error;

/// A failure of the worker itself (not of one record).
#[derive(Debug, Error)]
pub enum RuntimeError {
    /// A configuration file could not be read.
    #[error("cannot read configuration file {path}: {message}")]
    ConfigFile {
        /// The file.
        path: String,
        /// Why.
        message: String,
    },
    /// A worker or connector configuration is invalid; every problem is listed with its key.
    #[error("{context} is invalid and contains the following {} error(s):\n{}", errors.len(), errors.join("\n"))]
    InvalidConfig {
        /// What was being configured (`Worker configuration`, `Connector configuration`).
        context: String,
        /// `key: problem` lines.
        errors: Vec<String>,
    },
    /// No plugin has the name.
    #[error("Failed to find any class that implements {kind} and which name matches {name}")]
    UnknownPlugin {
        /// Connector, Converter, ...
        kind: &'static str,
        /// The name asked for.
        name: String,
    },
    /// A connector with that name exists already.
    #[error("Connector {0} already exists")]
    AlreadyExists(String),
    /// No connector has that name.
    #[error("Connector {0} not found")]
    NotFound(String),
    /// A request the worker cannot carry out as asked.
    #[error("{0}")]
    BadRequest(String),
    /// A request refused with a specific HTTP status (409 during a rebalance, 403 for a bad
    /// inter-worker signature, 503 before the session key is known).
    #[error("{message}")]
    Rejected {
        /// The HTTP status code.
        status: u16,
        /// Why.
        message: String,
    },
    /// Kafka could not be reached or refused a request.
    #[error("Kafka: {0}")]
    Kafka(String),
    /// Offsets could not be stored.
    #[error(transparent)]
    Storage(#[from] kconnect_storage::StorageError),
    /// A plugin failed.
    #[error(transparent)]
    Connect(#[from] ConnectError),
}

impl From<rdkafka::error::KafkaError> for RuntimeError {
    fn from(err: rdkafka::error::KafkaError) -> Self {
        Self::Kafka(err.to_string())
    }
}
