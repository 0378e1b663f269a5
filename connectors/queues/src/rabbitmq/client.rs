//! Connecting to RabbitMQ over AMQP 0-9-1 (lapin), with failures told apart by the key at fault.

use kconnect_api::{ConnectError, Result};
use lapin::tcp::{OwnedIdentity, OwnedTLSConfig};
use lapin::uri::{AMQPAuthority, AMQPQueryString, AMQPScheme, AMQPUri, AMQPUserInfo};
use lapin::{Connection, ConnectionProperties};

use super::config::{ConnectionConfig, HOST, USERNAME, VIRTUAL_HOST};
use crate::tls_stores::{ClientStores, PemStores};

/// Opens a connection: TCP within `rabbitmq.connection.timeout.ms`, then the AMQP handshake within
/// `rabbitmq.handshake.timeout.ms` (a server still starting up accepts connections it does not
/// answer).
pub(crate) async fn connect(config: &ConnectionConfig, name: &str) -> Result<Connection> {
    let uri = AMQPUri {
        authority: AMQPAuthority {
            userinfo: AMQPUserInfo {
                username: config.username.clone(),
                password: config.password.clone(),
            },
            host: config.host.clone(),
            port: config.port,
        },
        vhost: config.virtual_host.clone(),
        query: AMQPQueryString {
            frame_max: (config.frame_max > 0).then_some(config.frame_max),
            channel_max: (config.channel_max > 0).then_some(config.channel_max),
            heartbeat: Some(config.heartbeat),
            connection_timeout: (!config.connection_timeout.is_zero())
                .then_some(config.connection_timeout.as_millis() as u64),
            ..AMQPQueryString::default()
        },
        scheme: if config.tls.is_some() {
            AMQPScheme::AMQPS
        } else {
            AMQPScheme::AMQP
        },
    };
    let tls = match &config.tls {
        Some(stores) => tls_config(stores)?,
        None => OwnedTLSConfig::default(),
    };
    reachable(config).await?;
    let properties = ConnectionProperties::default().with_connection_name(name.into());
    let runtime = lapin::runtime::default_runtime().map_err(|error| ConnectError::Retriable(error.to_string()))?;
    let connecting = Connection::connect_uri_with_config(uri, properties, tls, runtime);
    let connected = if config.handshake_timeout.is_zero() {
        connecting.await
    } else {
        tokio::time::timeout(config.handshake_timeout, connecting)
            .await
            .map_err(|_| {
                ConnectError::config(
                    HOST,
                    format!(
                        "no AMQP handshake from RabbitMQ at {} within {:?}",
                        config.address(),
                        config.handshake_timeout
                    ),
                )
            })?
    };
    connected.map_err(|error| connect_error(config, &error))
}

/// The stores as lapin takes them: PEM text trusted beside the system's roots, and the client
/// certificate and key.
fn tls_config(stores: &ClientStores) -> Result<OwnedTLSConfig> {
    let PemStores { trusted, identity } = stores.pem()?;
    Ok(OwnedTLSConfig {
        identity: identity.map(|(chain, key)| OwnedIdentity::PKCS8 {
            pem: chain.into_bytes(),
            key: key.into_bytes(),
        }),
        cert_chain: trusted,
    })
}

/// Checks that the server accepts TCP connections within `rabbitmq.connection.timeout.ms`, so that
/// the handshake's own timeout starts from a reachable server.
async fn reachable(config: &ConnectionConfig) -> Result<()> {
    let connecting = tokio::net::TcpStream::connect((config.host.as_str(), config.port));
    let connected = if config.connection_timeout.is_zero() {
        connecting.await
    } else {
        tokio::time::timeout(config.connection_timeout, connecting)
            .await
            .unwrap_or_else(|_| Err(std::io::ErrorKind::TimedOut.into()))
    };
    connected.map(drop).map_err(|error| {
        ConnectError::config(
            HOST,
            format!("cannot connect to RabbitMQ at {}: {error}", config.address()),
        )
    })
}

/// A connection failure as an error on the key most likely at fault.
fn connect_error(config: &ConnectionConfig, error: &lapin::Error) -> ConnectError {
    let text = error.to_string();
    if text.contains("ACCESS_REFUSED") || text.contains("authentication") {
        ConnectError::config(
            USERNAME,
            format!("RabbitMQ at {} refused the login: {text}", config.address()),
        )
    } else if text.contains("NOT_ALLOWED") || text.contains("vhost") {
        ConnectError::config(
            VIRTUAL_HOST,
            format!(
                "RabbitMQ at {} refused virtual host {:?}: {text}",
                config.address(),
                config.virtual_host
            ),
        )
    } else {
        ConnectError::config(
            HOST,
            format!("cannot connect to RabbitMQ at {}: {text}", config.address()),
        )
    }
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: lapin::Error) -> ConnectError {
    ConnectError::Retriable(format!("RabbitMQ connection lost: {error}"))
}
