//! Connecting to Redis (redis-rs), with failures told apart by the key at fault.

use kconnect_api::{ConnectError, Result};
use redis::aio::MultiplexedConnection;
use redis::{AsyncConnectionConfig, Client, ErrorKind, IntoConnectionInfo, RedisError};

use super::config::{ConnectionConfig, PASSWORD};

/// Opens a connection to the configured server, authenticated as configured.
pub(crate) async fn connect(config: &ConnectionConfig) -> Result<MultiplexedConnection> {
    let bad_uri = |error: RedisError| ConnectError::config(config.address_key, format!("{}: {error}", config.uri));
    let mut info = config.uri.as_str().into_connection_info().map_err(bad_uri)?;
    let mut settings = info.redis_settings().clone();
    if !config.username.is_empty() {
        settings = settings.set_username(&config.username);
    }
    if !config.password.is_empty() {
        settings = settings.set_password(&config.password);
    }
    info = info.set_redis_settings(settings);
    let client = Client::open(info).map_err(bad_uri)?;
    let options = AsyncConnectionConfig::new()
        .set_connection_timeout(Some(config.timeout))
        .set_response_timeout(Some(config.timeout));
    client
        .get_multiplexed_async_connection_with_config(&options)
        .await
        .map_err(|error| match error.kind() {
            ErrorKind::AuthenticationFailed => {
                ConnectError::config(PASSWORD, format!("Redis at {} refused the login: {error}", config.uri))
            }
            _ => ConnectError::config(
                config.address_key,
                format!("cannot connect to Redis at {}: {error}", config.uri),
            ),
        })
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("Redis connection lost: {error}"))
}
