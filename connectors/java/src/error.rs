//! What can go wrong between the worker and its JVM.

use kconnect_api::ConnectError;
use thiserror::Error;

/// A failure of the Java plugin host.
#[derive(Debug, Error)]
pub enum JavaError {
    /// No JVM could be started (no `java`, no `javac`, the host does not compile).
    #[error("cannot start the JVM for the Java plugins of plugin.path: {0}")]
    Start(String),
    /// The JVM exited or stopped answering; its last words follow.
    #[error("the JVM hosting Java plugins is gone: {0}")]
    Gone(String),
    /// A frame did not read as the protocol says.
    #[error("the JVM answered what the host protocol does not allow: {0}")]
    Protocol(String),
    /// The plugin threw: its exception and stack trace, as Apache shows a task's trace.
    #[error("{trace}")]
    Plugin {
        /// The exception as Java prints it (`class: message`).
        error: String,
        /// The whole stack trace.
        trace: String,
        /// Whether it is a Connect `RetriableException`.
        retriable: bool,
    },
}

impl From<JavaError> for ConnectError {
    fn from(error: JavaError) -> Self {
        match error {
            JavaError::Plugin {
                error, retriable: true, ..
            } => ConnectError::Retriable(error),
            other => ConnectError::Fatal(other.to_string()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_retriable_exception_is_retried_and_others_fail_with_their_trace() {
        let retriable = JavaError::Plugin {
            error: "RetriableException: later".into(),
            trace: "RetriableException: later\n\tat X".into(),
            retriable: true,
        };
        assert!(ConnectError::from(retriable).is_retriable());
        let fatal = JavaError::Plugin {
            error: "ConnectException: no".into(),
            trace: "ConnectException: no\n\tat X".into(),
            retriable: false,
        };
        assert_eq!(ConnectError::from(fatal).to_string(), "ConnectException: no\n\tat X");
    }
}
