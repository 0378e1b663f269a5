//! MQTT 3.1.1 and MQTT 5 behind one face: rumqttc has a client and an event loop for each, with
//! packet types of their own; the source and sink see only what they act on.

use std::time::Duration;

use bytes::Bytes;
use rumqttc::v5;
use rumqttc::v5::mqttbytes::v5 as packets;
use rumqttc::{Outgoing, TlsConfiguration, Transport};

/// Requests (publishes, acknowledgements) the client queues before its event loop sends them: no
/// limit, so that acknowledging never waits for the event loop, which the source drives only
/// between messages it hands on (a full queue would wait for itself). The queue holds what the
/// broker sent unacknowledged: its in-flight window, or more from a broker that ignores it
/// (Mosquitto 2.0.11 sends a resumed session's whole queue once the first acknowledgements come,
/// reusing packet ids, and rumqttc sends one request per turn of its loop, against up to ten
/// messages read). A sink queues at most a batch.
/// (Four billion: flume adds one to a channel's capacity, so not `usize::MAX`.)
const REQUEST_CAPACITY: usize = u32::MAX as usize;
/// The largest packet accepted or sent: 256 MiB, MQTT's own limit.
const MAX_PACKET: usize = 256 * 1024 * 1024;
/// QoS 1 and 2 publishes of ours the broker has not acknowledged yet, at most (rumqttc's default
/// of 100 makes a sink wait for round trips).
const IN_FLIGHT: u16 = 1000;

/// The MQTT version a client speaks (`mqtt.protocol.version`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Version {
    V311,
    V5,
}

/// What a client connects with, whatever its version.
pub(crate) struct Options<'a> {
    pub version: Version,
    pub client_id: &'a str,
    pub host: &'a str,
    pub port: u16,
    pub keep_alive: Duration,
    /// MQTT 3.1.1's clean session; with MQTT 5, a clean start whose session ends with the
    /// connection, where `false` keeps the session until the client comes back.
    pub clean_session: bool,
    /// User name and password, when set.
    pub credentials: Option<(&'a str, &'a str)>,
    pub tls: Option<TlsConfiguration>,
}

/// A client of either version; messages are acknowledged only when told.
#[derive(Clone)]
pub(crate) enum Client {
    V311(rumqttc::AsyncClient),
    V5(v5::AsyncClient),
}

/// The event loop that drives a client's connection.
pub(crate) enum Events {
    V311(Box<rumqttc::EventLoop>),
    V5(Box<v5::EventLoop>),
}

/// A message delivered to a subscription.
pub(crate) struct Message {
    pub topic: String,
    pub payload: Bytes,
    pub qos: u8,
    pub retain: bool,
    pub dup: bool,
    pub pkid: u16,
    /// MQTT 5's user properties, in order.
    pub user_properties: Vec<(String, String)>,
    /// MQTT 5's content type.
    pub content_type: Option<String>,
}

/// What happened on the connection, as far as the connectors care.
pub(crate) enum Happened {
    /// The broker accepted the connection.
    Connected { session_present: bool },
    /// A message arrived.
    Message(Message),
    /// The broker answered a subscription; `refused` when it refused a topic filter.
    Subscribed { refused: bool },
    /// A publish of ours is done at the QoS it was sent with: written (QoS 0), acknowledged
    /// (QoS 1) or completed (QoS 2).
    Published { qos: u8 },
    /// The client's DISCONNECT went out.
    Disconnected,
    /// Anything else.
    Other,
}

/// Why the connection failed.
pub(crate) struct Failure {
    /// The broker refused the user name, password or authorization.
    pub login_refused: bool,
    pub text: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

/// A client and its event loop, not yet connected (the event loop connects when polled).
pub(crate) fn client(options: Options<'_>) -> (Client, Events) {
    let transport = options.tls.map(Transport::tls_with_config);
    match options.version {
        Version::V311 => {
            let mut mqtt = rumqttc::MqttOptions::new(options.client_id, options.host, options.port);
            mqtt.set_keep_alive(options.keep_alive)
                .set_clean_session(options.clean_session)
                .set_manual_acks(true)
                .set_max_packet_size(MAX_PACKET, MAX_PACKET)
                .set_inflight(IN_FLIGHT);
            if let Some((user, password)) = options.credentials {
                mqtt.set_credentials(user, password);
            }
            if let Some(transport) = transport {
                mqtt.set_transport(transport);
            }
            let (client, events) = rumqttc::AsyncClient::new(mqtt, REQUEST_CAPACITY);
            (Client::V311(client), Events::V311(Box::new(events)))
        }
        Version::V5 => {
            let mut mqtt = v5::MqttOptions::new(options.client_id, options.host, options.port);
            mqtt.set_keep_alive(options.keep_alive)
                .set_clean_start(options.clean_session)
                // A kept session never expires: MQTT 3.1.1's persistent session.
                .set_session_expiry_interval((!options.clean_session).then_some(u32::MAX))
                .set_manual_acks(true)
                .set_max_packet_size(Some(MAX_PACKET as u32))
                .set_outgoing_inflight_upper_limit(IN_FLIGHT);
            if let Some((user, password)) = options.credentials {
                mqtt.set_credentials(user, password);
            }
            if let Some(transport) = transport {
                mqtt.set_transport(transport);
            }
            let (client, events) = v5::AsyncClient::new(mqtt, REQUEST_CAPACITY);
            (Client::V5(client), Events::V5(Box::new(events)))
        }
    }
}

fn qos3(level: u8) -> rumqttc::QoS {
    match level {
        0 => rumqttc::QoS::AtMostOnce,
        1 => rumqttc::QoS::AtLeastOnce,
        _ => rumqttc::QoS::ExactlyOnce,
    }
}

fn qos5(level: u8) -> v5::mqttbytes::QoS {
    match level {
        0 => v5::mqttbytes::QoS::AtMostOnce,
        1 => v5::mqttbytes::QoS::AtLeastOnce,
        _ => v5::mqttbytes::QoS::ExactlyOnce,
    }
}

impl Client {
    /// Queues a publish; MQTT 3.1.1 has no user properties to carry `properties`.
    pub async fn publish(
        &self,
        topic: &str,
        qos: u8,
        retain: bool,
        payload: Vec<u8>,
        properties: Vec<(String, String)>,
    ) -> Result<(), String> {
        match self {
            Self::V311(client) => client
                .publish(topic, qos3(qos), retain, payload)
                .await
                .map_err(|error| error.to_string()),
            Self::V5(client) => {
                let properties = packets::PublishProperties {
                    user_properties: properties,
                    ..packets::PublishProperties::default()
                };
                client
                    .publish_with_properties(topic, qos5(qos), retain, payload, properties)
                    .await
                    .map_err(|error| error.to_string())
            }
        }
    }

    /// Queues the acknowledgement of message `pkid` received at `qos` (nothing at QoS 0).
    pub async fn ack(&self, qos: u8, pkid: u16) -> Result<(), String> {
        match self {
            Self::V311(client) => {
                let mut publish = rumqttc::Publish::new("", qos3(qos), Vec::new());
                publish.pkid = pkid;
                client.ack(&publish).await.map_err(|error| error.to_string())
            }
            Self::V5(client) => {
                let mut publish = packets::Publish::new("", qos5(qos), Vec::new(), None);
                publish.pkid = pkid;
                client.ack(&publish).await.map_err(|error| error.to_string())
            }
        }
    }

    /// Queues a subscription to `filter` at `qos`.
    pub async fn subscribe(&self, filter: &str, qos: u8) -> Result<(), String> {
        match self {
            Self::V311(client) => client
                .subscribe(filter, qos3(qos))
                .await
                .map_err(|error| error.to_string()),
            Self::V5(client) => client
                .subscribe(filter, qos5(qos))
                .await
                .map_err(|error| error.to_string()),
        }
    }

    /// Queues a DISCONNECT.
    pub async fn disconnect(&self) -> Result<(), String> {
        match self {
            Self::V311(client) => client.disconnect().await.map_err(|error| error.to_string()),
            Self::V5(client) => client.disconnect().await.map_err(|error| error.to_string()),
        }
    }
}

impl Events {
    /// Drives the connection until something happens; polling again after a failure
    /// reconnects.
    pub async fn poll(&mut self) -> Result<Happened, Failure> {
        match self {
            Self::V311(events) => events.poll().await.map(happened3).map_err(|error| Failure {
                login_refused: matches!(
                    error,
                    rumqttc::ConnectionError::ConnectionRefused(
                        rumqttc::ConnectReturnCode::BadUserNamePassword | rumqttc::ConnectReturnCode::NotAuthorized
                    )
                ),
                text: error.to_string(),
            }),
            Self::V5(events) => events.poll().await.map(happened5).map_err(|error| Failure {
                login_refused: matches!(
                    error,
                    v5::ConnectionError::ConnectionRefused(
                        packets::ConnectReturnCode::BadUserNamePassword
                            | packets::ConnectReturnCode::NotAuthorized
                            | packets::ConnectReturnCode::BadAuthenticationMethod
                    )
                ),
                text: error.to_string(),
            }),
        }
    }
}

fn happened3(event: rumqttc::Event) -> Happened {
    use rumqttc::{Event, Packet};
    match event {
        Event::Incoming(Packet::ConnAck(connack)) => Happened::Connected {
            session_present: connack.session_present,
        },
        Event::Incoming(Packet::Publish(publish)) => Happened::Message(Message {
            topic: publish.topic,
            payload: publish.payload,
            qos: publish.qos as u8,
            retain: publish.retain,
            dup: publish.dup,
            pkid: publish.pkid,
            user_properties: Vec::new(),
            content_type: None,
        }),
        Event::Incoming(Packet::SubAck(suback)) => Happened::Subscribed {
            refused: suback.return_codes.contains(&rumqttc::SubscribeReasonCode::Failure),
        },
        Event::Incoming(Packet::PubAck(_)) => Happened::Published { qos: 1 },
        Event::Incoming(Packet::PubComp(_)) => Happened::Published { qos: 2 },
        Event::Outgoing(outgoing) => outgoing_happened(outgoing),
        Event::Incoming(_) => Happened::Other,
    }
}

fn happened5(event: v5::Event) -> Happened {
    use packets::Packet;
    match event {
        v5::Event::Incoming(Packet::ConnAck(connack)) => Happened::Connected {
            session_present: connack.session_present,
        },
        v5::Event::Incoming(Packet::Publish(publish)) => {
            let properties = publish.properties.unwrap_or_default();
            Happened::Message(Message {
                topic: String::from_utf8_lossy(&publish.topic).into_owned(),
                payload: publish.payload,
                qos: publish.qos as u8,
                retain: publish.retain,
                dup: publish.dup,
                pkid: publish.pkid,
                user_properties: properties.user_properties,
                content_type: properties.content_type,
            })
        }
        v5::Event::Incoming(Packet::SubAck(suback)) => Happened::Subscribed {
            refused: suback
                .return_codes
                .iter()
                .any(|code| !matches!(code, packets::SubscribeReasonCode::Success(_))),
        },
        v5::Event::Incoming(Packet::PubAck(_)) => Happened::Published { qos: 1 },
        v5::Event::Incoming(Packet::PubComp(_)) => Happened::Published { qos: 2 },
        v5::Event::Outgoing(outgoing) => outgoing_happened(outgoing),
        v5::Event::Incoming(_) => Happened::Other,
    }
}

fn outgoing_happened(outgoing: Outgoing) -> Happened {
    match outgoing {
        Outgoing::Publish(_) => Happened::Published { qos: 0 },
        Outgoing::Disconnect => Happened::Disconnected,
        _ => Happened::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The source acknowledges from its task while its consumer, which drives the event loop, may
    /// be waiting for the task: acknowledgements queue without the loop running, more of them than
    /// the 70,000 a flooding Mosquitto once had waiting when the task stopped.
    #[tokio::test]
    async fn acknowledgements_queue_without_the_event_loop_running() {
        for version in [Version::V311, Version::V5] {
            let (client, _events) = client(Options {
                version,
                client_id: "acknowledging",
                host: "127.0.0.1",
                port: 1,
                keep_alive: Duration::from_secs(30),
                clean_session: false,
                credentials: None,
                tls: None,
            });
            let acknowledging = async {
                for n in 0..150_000u32 {
                    let pkid = (n % u32::from(u16::MAX)) as u16 + 1;
                    client.ack(1, pkid).await.unwrap();
                }
            };
            tokio::time::timeout(Duration::from_secs(10), acknowledging)
                .await
                .expect("an acknowledgement waited for the event loop");
        }
    }
}
