//! Connecting to Redis (redis-rs), over TLS for `rediss://`, with failures told apart by the key
//! at fault.

use kconnect_api::{ConnectError, Result};
use redis::aio::MultiplexedConnection;
use redis::{
    AsyncConnectionConfig, Client, ClientTlsConfig, ConnectionAddr, ConnectionInfo, ErrorKind, IntoConnectionInfo,
    RedisError, TlsCertificates,
};

use super::config::{CA_CERT, CLIENT_CERT, CLIENT_KEY, ConnectionConfig, PASSWORD};

/// Opens a connection to the configured server, authenticated as configured.
pub(crate) async fn connect(config: &ConnectionConfig) -> Result<MultiplexedConnection> {
    let client = client(config)?;
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

fn client(config: &ConnectionConfig) -> Result<Client> {
    let bad_address = |error: RedisError| ConnectError::config(config.address_key, format!("{}: {error}", config.uri));
    let mut info = config.uri.as_str().into_connection_info().map_err(bad_address)?;
    let mut settings = info.redis_settings().clone();
    if !config.username.is_empty() {
        settings = settings.set_username(&config.username);
    }
    if !config.password.is_empty() {
        settings = settings.set_password(&config.password);
    }
    info = info.set_redis_settings(settings);
    if !config.tls() {
        return Client::open(info).map_err(bad_address);
    }
    // redis-rs builds its TLS configuration from the process's default rustls provider.
    crate::default_crypto::choose_ring();
    if config.insecure {
        info = insecure(info);
    }
    Client::build_with_tls(info, certificates(config)?).map_err(bad_address)
}

/// `info` accepting any server certificate.
fn insecure(info: ConnectionInfo) -> ConnectionInfo {
    match info.addr().clone() {
        ConnectionAddr::TcpTls { host, port, .. } => info.set_addr(ConnectionAddr::TcpTls {
            host,
            port,
            insecure: true,
            tls_params: None,
        }),
        _ => info,
    }
}

/// The CA and client certificates the configuration names, read from their files.
fn certificates(config: &ConnectionConfig) -> Result<TlsCertificates> {
    let read = |key: &'static str, path: &str| -> Result<Option<Vec<u8>>> {
        if path.is_empty() {
            return Ok(None);
        }
        std::fs::read(path)
            .map(Some)
            .map_err(|error| ConnectError::config(key, format!("{path}: {error}")))
    };
    let client_tls = match (
        read(CLIENT_CERT, &config.client_cert)?,
        read(CLIENT_KEY, &config.client_key)?,
    ) {
        (Some(client_cert), Some(client_key)) => Some(ClientTlsConfig {
            client_cert,
            client_key,
        }),
        _ => None,
    };
    Ok(TlsCertificates {
        client_tls,
        root_cert: read(CA_CERT, &config.ca_cert)?,
    })
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("Redis connection lost: {error}"))
}
