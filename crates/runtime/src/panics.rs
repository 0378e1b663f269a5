//! Plugin panics caught at the runtime's edge: a connector or task that panics fails alone, with
//! the panic's message as its error, instead of taking a herder or a REST request down with it.

use std::future::Future;
use std::panic::AssertUnwindSafe;

use futures::FutureExt;
use kconnect_api::ConnectError;

use crate::error::RuntimeError;

/// Runs `future`; a panic inside it becomes a [`RuntimeError`] naming `what` and the message.
pub async fn catching_panics<T>(
    what: &str,
    future: impl Future<Output = Result<T, RuntimeError>>,
) -> Result<T, RuntimeError> {
    match AssertUnwindSafe(future).catch_unwind().await {
        Ok(result) => result,
        Err(panic) => {
            let message = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "a panic with no message".into());
            Err(RuntimeError::Connect(ConnectError::Fatal(format!(
                "{what} panicked: {message}"
            ))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_panic_becomes_an_error_with_its_message() {
        let err = catching_panics::<()>("the task", async { panic!("scripted {}", 7) })
            .await
            .unwrap_err()
            .to_string();
        assert_eq!(err, "the task panicked: scripted 7");
        assert_eq!(catching_panics("the task", async { Ok(3) }).await.unwrap(), 3);
    }
}
