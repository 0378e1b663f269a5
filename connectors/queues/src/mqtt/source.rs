//! `io.confluent.connect.mqtt.MqttSourceConnector`: subscribes to topic filters and writes every
//! message to one Kafka topic; a QoS 1 or 2 message is acknowledged to the broker only once Kafka
//! has its record.
//!
//! A record's value is the payload (bytes), its key the MQTT topic the message was published to;
//! headers `mqtt.message.id`, `mqtt.qos`, `mqtt.retained` and `mqtt.duplicate` carry the rest (with
//! MQTT 5 also `mqtt.content.type`, and each user property as a header of its own name). The
//! task's records share one source partition, `{"mqtt.client.id": <client>}`, so they come back in
//! the order they arrived and are acknowledged in that order, as MQTT requires.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::{ConfigMap, ConnectError, Headers, OffsetMap, Result, Value};
use tokio_util::sync::CancellationToken;

use super::client::{Connected, connect, lost};
use super::config::{SourceConfig, TOPICS};
use super::protocol::{Client, Happened, Message};
use crate::body::message_record;
use crate::inbox::{Acknowledge, Deliveries, Received, deliver};
use crate::queue_source::QueueSource;

/// Messages waiting between the client and the task.
const CAPACITY: usize = 2000;
/// How long a stopping task lets its last acknowledgements reach the broker.
const DISCONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The MQTT side of the shared queue source.
pub(crate) struct MqttSource;

/// A connected, subscribed client, with the messages that arrived while it subscribed.
pub(crate) struct Session {
    connected: Connected,
    early: Vec<Message>,
    partition: Arc<OffsetMap>,
}

/// Acknowledges one QoS 1 or 2 message (QoS 0 messages have nothing to acknowledge).
pub(crate) struct MqttAck {
    client: Client,
    qos: u8,
    pkid: u16,
}

#[async_trait]
impl Acknowledge for MqttAck {
    async fn acknowledge(self) -> Result<()> {
        if self.qos == 0 {
            return Ok(());
        }
        if let Err(error) = self.client.ack(self.qos, self.pkid).await {
            tracing::debug!(%error, "cannot acknowledge on a closed connection; the broker delivers the message again");
        }
        Ok(())
    }
}

#[async_trait]
impl QueueSource for MqttSource {
    type Config = SourceConfig;
    type Session = Session;
    type Ack = MqttAck;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn task_configs(raw: &ConfigMap, config: &SourceConfig, max_tasks: usize) -> Vec<ConfigMap> {
        config.task_configs(raw, max_tasks)
    }

    fn capacity(_config: &SourceConfig) -> usize {
        CAPACITY
    }

    /// Connects and, unless the broker resumed a persistent session (which keeps its
    /// subscriptions; subscribing again would send retained messages again), subscribes.
    async fn connect(config: &SourceConfig) -> Result<Session> {
        let mut connected = connect(&config.connection).await?;
        let mut early = Vec::new();
        if !connected.session_present {
            subscribe(config, &mut connected, &mut early).await?;
        }
        let mut partition = OffsetMap::new();
        partition.insert("mqtt.client.id".into(), config.connection.client_id.as_str().into());
        Ok(Session {
            connected,
            early,
            partition: Arc::new(partition),
        })
    }

    async fn consume(
        config: &SourceConfig,
        session: Session,
        deliveries: &Deliveries<MqttAck>,
        stop: &CancellationToken,
    ) -> Result<()> {
        let Session {
            connected: Connected { client, mut events, .. },
            early,
            partition,
        } = session;
        let record = |message: Message| received(message, &client, &partition, &config.kafka_topic);
        let mut backlog = early.into_iter();
        loop {
            let message = match backlog.next() {
                Some(message) => message,
                None => {
                    let event = tokio::select! {
                        () = stop.cancelled() => break,
                        event = events.poll() => event.map_err(lost)?,
                    };
                    match event {
                        Happened::Message(message) => message,
                        _ => continue,
                    }
                }
            };
            if !deliver(deliveries, record(message), stop).await {
                break;
            }
        }
        // The acknowledgements queued before the disconnect go out first.
        let _ = client.disconnect().await;
        let _ = tokio::time::timeout(DISCONNECT_TIMEOUT, async {
            while let Ok(event) = events.poll().await {
                if matches!(event, Happened::Disconnected) {
                    break;
                }
            }
        })
        .await;
        Ok(())
    }
}

/// Subscribes to every topic filter and waits for the broker's answer; messages that arrive
/// meanwhile (a retained one, say) are kept in `early`.
async fn subscribe(config: &SourceConfig, connected: &mut Connected, early: &mut Vec<Message>) -> Result<()> {
    let level = config.connection.qos;
    for topic in &config.topics {
        connected.client.subscribe(topic, level).await.map_err(lost)?;
    }
    let mut answered = 0;
    let waiting = async {
        while answered < config.topics.len() {
            match connected.events.poll().await.map_err(lost)? {
                Happened::Subscribed { refused: true } => {
                    return Err(ConnectError::config(
                        TOPICS,
                        format!("the MQTT broker refused the subscription to {:?}", config.topics),
                    ));
                }
                Happened::Subscribed { refused: false } => answered += 1,
                Happened::Message(message) => early.push(message),
                _ => {}
            }
        }
        Ok(())
    };
    tokio::time::timeout(config.connection.connect_timeout, waiting)
        .await
        .map_err(|_| ConnectError::config(TOPICS, "the MQTT broker did not answer the subscription"))?
}

/// A message as a record of `topic`, with its acknowledgement.
fn received(message: Message, client: &Client, partition: &Arc<OffsetMap>, topic: &str) -> Received<MqttAck> {
    let Message {
        topic: mqtt_topic,
        payload,
        qos,
        retain,
        dup,
        pkid,
        user_properties,
        content_type,
    } = message;
    let mut headers = Headers::new();
    headers
        .add("mqtt.message.id", None, Value::Int32(i32::from(pkid)))
        .add("mqtt.qos", None, Value::Int32(i32::from(qos)))
        .add("mqtt.retained", None, Value::Boolean(retain))
        .add("mqtt.duplicate", None, Value::Boolean(dup));
    if let Some(content_type) = content_type {
        headers.add_string("mqtt.content.type", content_type);
    }
    for (name, value) in user_properties {
        headers.add_string(name, value);
    }
    Received {
        record: message_record(partition.clone(), topic, mqtt_topic, payload.to_vec(), headers),
        ack: MqttAck {
            client: client.clone(),
            qos,
            pkid,
        },
    }
}
