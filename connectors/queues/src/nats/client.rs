//! Connecting to NATS (async-nats), with failures told apart by the key at fault.

use async_nats::{Client, ConnectErrorKind, ConnectOptions};
use kconnect_api::{ConnectError, Result};

use super::config::{CREDENTIALS_FILE, ConnectionConfig, SERVERS, USERNAME};

/// Connects to the first server of `nats.servers` that answers, authenticated as configured.
pub(crate) async fn connect(config: &ConnectionConfig, name: &str) -> Result<Client> {
    let mut options = ConnectOptions::new()
        .name(name)
        .connection_timeout(config.connect_timeout);
    if !config.credentials_file.is_empty() {
        options = options
            .credentials_file(&config.credentials_file)
            .await
            .map_err(|error| ConnectError::config(CREDENTIALS_FILE, format!("{}: {error}", config.credentials_file)))?;
    }
    if !config.username.is_empty() {
        options = options.user_and_password(config.username.clone(), config.password.clone());
    }
    if !config.token.is_empty() {
        options = options.token(config.token.clone());
    }
    let servers = config.servers.join(",");
    let addresses: Vec<async_nats::ServerAddr> = config
        .servers
        .iter()
        .map(|server| {
            server
                .parse()
                .map_err(|error| ConnectError::config(SERVERS, format!("{server}: {error}")))
        })
        .collect::<Result<_>>()?;
    options.connect(addresses).await.map_err(|error| match error.kind() {
        ConnectErrorKind::AuthorizationViolation | ConnectErrorKind::Authentication => ConnectError::config(
            USERNAME,
            format!("the NATS server at {servers} refused the login: {error}"),
        ),
        _ => ConnectError::config(SERVERS, format!("cannot connect to NATS at {servers}: {error}")),
    })
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("NATS connection lost: {error}"))
}
