//! `io.confluent.connect.mqtt.MqttSinkConnector`: publishes each record's value to the MQTT topic
//! named as its Kafka topic (a RegexRouter renames it), at `mqtt.qos`. A batch is done (and its
//! offsets committable) once the broker acknowledged every message of it (PUBACK at QoS 1,
//! PUBCOMP at QoS 2; at QoS 0, once each was written to the connection). With MQTT 5 a record's
//! Kafka headers travel as user properties.

use async_trait::async_trait;
use kconnect_api::{ConfigMap, Result, SinkRecord};

use super::client::{connect, lost};
use super::config::{SinkConfig, TASK_NUMBER};
use super::protocol::{Client, Events, Happened, Version};
use crate::body::text_of;
use crate::queue_sink::{Publishable, QueueSink, Refusals, body_message};
use crate::task_numbers::numbered_tasks;

/// A connected client publishing.
pub(crate) struct MqttSink {
    client: Client,
    events: Events,
    qos: u8,
    retain: bool,
    version: Version,
}

/// A record's value, and with MQTT 5 its Kafka headers as user properties.
pub(crate) struct MqttMessage {
    body: Vec<u8>,
    properties: Vec<(String, String)>,
}

#[async_trait]
impl QueueSink for MqttSink {
    type Config = SinkConfig;
    type Message = MqttMessage;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn task_configs(raw: &ConfigMap, max_tasks: usize) -> Vec<ConfigMap> {
        numbered_tasks(raw, max_tasks, TASK_NUMBER)
    }

    fn message(&self, record: &SinkRecord) -> Result<MqttMessage> {
        let properties = match self.version {
            Version::V311 => Vec::new(),
            Version::V5 => record
                .core
                .headers
                .iter()
                .filter_map(|header| Some((header.key.clone(), text_of(&header.value)?)))
                .collect(),
        };
        Ok(MqttMessage {
            body: body_message(record)?,
            properties,
        })
    }

    async fn connect(config: &SinkConfig) -> Result<Self> {
        let connected = connect(&config.connection).await?;
        Ok(Self {
            client: connected.client,
            events: connected.events,
            qos: config.connection.qos,
            retain: config.retain,
            version: config.connection.version,
        })
    }

    async fn publish(&mut self, messages: &[Publishable<'_, MqttMessage>]) -> Result<Refusals> {
        let (client, events) = (&self.client, &mut self.events);
        let (mut sent, mut done) = (0, 0);
        while done < messages.len() {
            let next = messages.get(sent);
            tokio::select! {
                published = async {
                    let Publishable { record, message } = next.expect("guarded");
                    let topic = record.core.topic.as_str();
                    client.publish(topic, self.qos, self.retain, message.body.clone(), message.properties.clone()).await
                }, if next.is_some() => {
                    published.map_err(lost)?;
                    sent += 1;
                }
                event = events.poll() => {
                    if matches!(event.map_err(lost)?, Happened::Published { qos } if qos == self.qos) {
                        done += 1;
                    }
                }
            }
        }
        Ok(Refusals::new())
    }

    async fn close(self) -> Result<()> {
        let Self { client, mut events, .. } = self;
        let _ = client.disconnect().await;
        while let Ok(event) = events.poll().await {
            if matches!(event, Happened::Disconnected) {
                break;
            }
        }
        Ok(())
    }
}
