//! Connecting to NATS (async-nats), with failures told apart by the key at fault.

use std::path::PathBuf;

use async_nats::{Client, ConnectErrorKind, ConnectOptions};
use kconnect_api::{ConnectError, Result};

use super::config::{
    CREDENTIALS_FILE, ConnectionConfig, SERVERS, TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE, TlsFiles, USERNAME,
};

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
    options = with_tls(options, &config.tls)?;
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

/// `options` with the TLS files of `tls`, each checked to be there (async-nats reads them only
/// when it connects, and would report a missing file as a failed connection).
fn with_tls(mut options: ConnectOptions, tls: &TlsFiles) -> Result<ConnectOptions> {
    let file = |key: &'static str, path: &str| -> Result<PathBuf> {
        let path = PathBuf::from(path);
        if !path.is_file() {
            return Err(ConnectError::config(
                key,
                format!("{} is not a readable file", path.display()),
            ));
        }
        Ok(path)
    };
    // async-nats builds its TLS configuration from the process's default rustls provider.
    crate::default_crypto::choose_ring();
    options = options.require_tls(tls.required);
    if !tls.ca_file.is_empty() {
        options = options.add_root_certificates(file(TLS_CA_FILE, &tls.ca_file)?);
    }
    if !tls.cert_file.is_empty() {
        options =
            options.add_client_certificate(file(TLS_CERT_FILE, &tls.cert_file)?, file(TLS_KEY_FILE, &tls.key_file)?);
    }
    Ok(options)
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("NATS connection lost: {error}"))
}
