//! Connecting to an MQTT broker (MQTT 3.1.1 or 5 through rumqttc, over TCP or TLS), with failures
//! told apart by the key at fault.

use kconnect_api::{ConnectError, Result};
use rumqttc::TlsConfiguration;

use super::config::{ConnectionConfig, SERVER_URI, USERNAME};
use super::protocol::{Client, Events, Failure, Happened, Options, client};

/// A connected client and the event loop that drives its connection.
pub(crate) struct Connected {
    pub client: Client,
    pub events: Events,
    /// Whether the broker resumed a persistent session (its subscriptions are still there).
    pub session_present: bool,
}

/// Connects as `config.client_id`, acknowledging messages only when told, and waits for the
/// broker's CONNACK within `mqtt.connect.timeout.seconds`.
pub(crate) async fn connect(config: &ConnectionConfig) -> Result<Connected> {
    let tls = match &config.tls {
        Some(stores) => Some(TlsConfiguration::Rustls(stores.rustls()?)),
        None => None,
    };
    let (client, mut events) = client(Options {
        version: config.version,
        client_id: &config.client_id,
        host: &config.host,
        port: config.port,
        keep_alive: config.keep_alive,
        clean_session: config.clean_session,
        credentials: (!config.username.is_empty()).then_some((config.username.as_str(), config.password.as_str())),
        tls,
    });
    let session_present = tokio::time::timeout(config.connect_timeout, async {
        loop {
            if let Happened::Connected { session_present } = events.poll().await? {
                return Ok(session_present);
            }
        }
    })
    .await
    .map_err(|_| {
        ConnectError::config(
            SERVER_URI,
            format!(
                "no answer from the MQTT broker at {} within {:?}",
                config.address(),
                config.connect_timeout
            ),
        )
    })?
    .map_err(|failure| connect_error(config, &failure))?;
    Ok(Connected {
        client,
        events,
        session_present,
    })
}

fn connect_error(config: &ConnectionConfig, failure: &Failure) -> ConnectError {
    if failure.login_refused {
        ConnectError::config(
            USERNAME,
            format!("the MQTT broker at {} refused the login: {failure}", config.address()),
        )
    } else {
        ConnectError::config(
            SERVER_URI,
            format!("cannot connect to the MQTT broker at {}: {failure}", config.address()),
        )
    }
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("MQTT connection lost: {error}"))
}
