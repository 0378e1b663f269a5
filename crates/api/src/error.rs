//! The one error type every plugin and the runtime speak.

use thiserror::Error;

/// A failure in a connector, task, converter or transformation.
///
/// The variant tells the runtime what to do: retry a [`ConnectError::Retriable`] failure, route a
/// [`ConnectError::Data`] failure (one bad record) where `errors.*` says, and stop the task on
/// anything else.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ConnectError {
    /// A transient failure: the same call may succeed if tried again later.
    #[error("retriable error: {0}")]
    Retriable(String),
    /// One record cannot be handled (bad bytes, wrong schema, missing field).
    #[error("{0}")]
    Data(String),
    /// A configuration value is missing or invalid.
    #[error("Invalid value for configuration {key}: {message}")]
    Config {
        /// The configuration key at fault.
        key: String,
        /// Why the value is wrong.
        message: String,
    },
    /// An I/O failure of the connector's own resources (files, sockets).
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
    /// Any other failure that should stop the task.
    #[error("{0}")]
    Fatal(String),
}

impl ConnectError {
    /// A [`ConnectError::Data`] error from anything printable.
    pub fn data(message: impl Into<String>) -> Self {
        Self::Data(message.into())
    }

    /// A [`ConnectError::Config`] error naming `key`.
    pub fn config(key: impl Into<String>, message: impl Into<String>) -> Self {
        Self::Config {
            key: key.into(),
            message: message.into(),
        }
    }

    /// Whether retrying the failed operation may succeed.
    pub fn is_retriable(&self) -> bool {
        matches!(self, Self::Retriable(_))
    }

    /// Whether the failure concerns a single record rather than the task.
    pub fn is_data(&self) -> bool {
        matches!(self, Self::Data(_))
    }
}

/// A result whose error is a [`ConnectError`].
pub type Result<T, E = ConnectError> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_are_told_apart() {
        assert!(ConnectError::Retriable("broker down".into()).is_retriable());
        assert!(ConnectError::data("bad json").is_data());
        assert!(!ConnectError::Fatal("boom".into()).is_retriable());
        let config = ConnectError::config("topic", "Missing required configuration");
        assert_eq!(
            config.to_string(),
            "Invalid value for configuration topic: Missing required configuration"
        );
    }
}
