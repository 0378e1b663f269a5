//! `io.confluent.connect.mqtt.MqttSinkConnector`: publishes each record's value to the MQTT topic
//! named as its Kafka topic (a RegexRouter renames it), at `mqtt.qos`. A batch is done (and its
//! offsets committable) once the broker acknowledged every message of it (PUBACK at QoS 1,
//! PUBCOMP at QoS 2; at QoS 0, once each was written to the connection).

use async_trait::async_trait;
use kconnect_api::{ConfigMap, Result, SinkRecord};
use rumqttc::{AsyncClient, Event, EventLoop, Outgoing, Packet, QoS};

use super::client::{connect, lost, qos};
use super::config::{SinkConfig, TASK_NUMBER};
use crate::queue_sink::{Publishable, QueueSink, Refusals, body_message};
use crate::task_numbers::numbered_tasks;

/// A connected client publishing.
pub(crate) struct MqttSink {
    client: AsyncClient,
    events: EventLoop,
    qos: QoS,
    retain: bool,
}

#[async_trait]
impl QueueSink for MqttSink {
    type Config = SinkConfig;
    type Message = Vec<u8>;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn task_configs(raw: &ConfigMap, max_tasks: usize) -> Vec<ConfigMap> {
        numbered_tasks(raw, max_tasks, TASK_NUMBER)
    }

    fn message(&self, record: &SinkRecord) -> Result<Vec<u8>> {
        body_message(record)
    }

    async fn connect(config: &SinkConfig) -> Result<Self> {
        let connected = connect(&config.connection).await?;
        Ok(Self {
            client: connected.client,
            events: connected.events,
            qos: qos(config.connection.qos),
            retain: config.retain,
        })
    }

    async fn publish(&mut self, messages: &[Publishable<'_>]) -> Result<Refusals> {
        let (client, events) = (&self.client, &mut self.events);
        let (mut sent, mut done) = (0, 0);
        while done < messages.len() {
            let next = messages.get(sent);
            tokio::select! {
                published = async {
                    let Publishable { record, message: body } = next.expect("guarded");
                    client.publish(record.core.topic.as_str(), self.qos, self.retain, body.clone()).await
                }, if next.is_some() => {
                    published.map_err(lost)?;
                    sent += 1;
                }
                event = events.poll() => {
                    if confirms(&event.map_err(lost)?, self.qos) {
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
            if matches!(event, Event::Outgoing(Outgoing::Disconnect)) {
                break;
            }
        }
        Ok(())
    }
}

/// Whether `event` completes one publish at `qos`.
fn confirms(event: &Event, qos: QoS) -> bool {
    matches!(
        (qos, event),
        (QoS::AtMostOnce, Event::Outgoing(Outgoing::Publish(_)))
            | (QoS::AtLeastOnce, Event::Incoming(Packet::PubAck(_)))
            | (QoS::ExactlyOnce, Event::Incoming(Packet::PubComp(_)))
    )
}
