//! Connecting to an MQTT broker (MQTT 3.1.1 through rumqttc), with failures told apart by the key
//! at fault.

use kconnect_api::{ConnectError, Result};
use rumqttc::{AsyncClient, ConnectReturnCode, ConnectionError, Event, EventLoop, MqttOptions, Packet, QoS};

use super::config::{ConnectionConfig, SERVER_URI, USERNAME};

/// Requests (publishes, acknowledgements) the client queues before its event loop sends them.
const REQUEST_CAPACITY: usize = 10_000;
/// The largest packet accepted or sent: 256 MiB, MQTT's own limit.
const MAX_PACKET: usize = 256 * 1024 * 1024;

/// A connected client and the event loop that drives its connection.
pub(crate) struct Connected {
    pub client: AsyncClient,
    pub events: EventLoop,
    /// Whether the broker resumed a persistent session (its subscriptions are still there).
    pub session_present: bool,
}

/// Connects as `config.client_id`, acknowledging messages only when told (`manual_acks`), and
/// waits for the broker's CONNACK within `mqtt.connect.timeout.seconds`.
pub(crate) async fn connect(config: &ConnectionConfig) -> Result<Connected> {
    let mut options = MqttOptions::new(config.client_id.clone(), config.host.clone(), config.port);
    options
        .set_keep_alive(config.keep_alive)
        .set_clean_session(config.clean_session)
        .set_manual_acks(true)
        .set_max_packet_size(MAX_PACKET, MAX_PACKET);
    if !config.username.is_empty() {
        options.set_credentials(config.username.clone(), config.password.clone());
    }
    let (client, mut events) = AsyncClient::new(options, REQUEST_CAPACITY);
    let connack = tokio::time::timeout(config.connect_timeout, async {
        loop {
            match events.poll().await {
                Ok(Event::Incoming(Packet::ConnAck(connack))) => return Ok(connack),
                Ok(_) => {}
                Err(error) => return Err(error),
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
    .map_err(|error| connect_error(config, &error))?;
    Ok(Connected {
        client,
        events,
        session_present: connack.session_present,
    })
}

fn connect_error(config: &ConnectionConfig, error: &ConnectionError) -> ConnectError {
    match error {
        ConnectionError::ConnectionRefused(
            ConnectReturnCode::BadUserNamePassword | ConnectReturnCode::NotAuthorized,
        ) => ConnectError::config(
            USERNAME,
            format!("the MQTT broker at {} refused the login: {error}", config.address()),
        ),
        _ => ConnectError::config(
            SERVER_URI,
            format!("cannot connect to the MQTT broker at {}: {error}", config.address()),
        ),
    }
}

/// A failure while connected: the connection was lost, so retrying on a new one may succeed.
pub(crate) fn lost(error: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("MQTT connection lost: {error}"))
}

/// The QoS of `mqtt.qos`.
pub(crate) fn qos(level: u8) -> QoS {
    match level {
        0 => QoS::AtMostOnce,
        1 => QoS::AtLeastOnce,
        _ => QoS::ExactlyOnce,
    }
}
