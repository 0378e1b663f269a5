//! `io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector`: publishes each record's value to
//! one exchange with one routing key, with publisher confirms: a batch is done (and its offsets
//! committable) only once RabbitMQ confirmed every message of it.

use async_trait::async_trait;
use kconnect_api::{ConnectError, Result, SinkRecord, Value};
use lapin::Confirmation;
use lapin::options::{BasicPublishOptions, ConfirmSelectOptions};
use lapin::types::{AMQPValue, FieldTable, LongString, ShortString};
use lapin::{BasicProperties, Channel, Connection};

use super::client::{connect, lost};
use super::config::SinkConfig;
use crate::body::text_of;
use crate::queue_sink::{Publishable, QueueSink, Refusals, body_message};

/// A connection publishing with confirms on one channel.
pub(crate) struct RabbitMqSink {
    config: SinkConfig,
    connection: Connection,
    channel: Channel,
}

#[async_trait]
impl QueueSink for RabbitMqSink {
    type Config = SinkConfig;
    type Message = Vec<u8>;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn message(&self, record: &SinkRecord) -> Result<Vec<u8>> {
        body_message(record)
    }

    async fn connect(config: &SinkConfig) -> Result<Self> {
        let connection = connect(&config.connection, "kconnect-rabbitmq-sink").await?;
        let channel = connection.create_channel().await.map_err(lost)?;
        channel
            .confirm_select(ConfirmSelectOptions::default())
            .await
            .map_err(lost)?;
        Ok(Self {
            config: config.clone(),
            connection,
            channel,
        })
    }

    async fn publish(&mut self, messages: &[Publishable<'_>]) -> Result<Refusals> {
        let mut confirms = Vec::with_capacity(messages.len());
        for Publishable { record, message: body } in messages {
            let confirm = self
                .channel
                .basic_publish(
                    self.config.exchange.as_str().into(),
                    self.config.routing_key.as_str().into(),
                    BasicPublishOptions::default(),
                    body,
                    self.properties(record),
                )
                .await
                .map_err(lost)?;
            confirms.push(confirm);
        }
        for confirm in confirms {
            match confirm.await.map_err(lost)? {
                Confirmation::Nack(_) => {
                    return Err(ConnectError::Retriable(
                        "RabbitMQ refused (nacked) a published message".into(),
                    ));
                }
                Confirmation::Ack(_) | Confirmation::NotRequested => {}
            }
        }
        Ok(Refusals::new())
    }

    async fn close(self) -> Result<()> {
        if let Err(error) = self.connection.close(200, "kconnect task stopped".into()).await {
            tracing::debug!(%error, "closing the RabbitMQ connection");
        }
        Ok(())
    }
}

impl RabbitMqSink {
    /// The message properties of `record`: delivery mode, and what the forwarding keys ask for.
    fn properties(&self, record: &SinkRecord) -> BasicProperties {
        let mut properties = BasicProperties::default().with_delivery_mode(self.config.delivery_mode.amqp());
        if self.config.forward_key
            && let Some(key) = text_of(&record.core.key.value)
        {
            properties = properties.with_correlation_id(key.into());
        }
        let mut headers = FieldTable::default();
        if self.config.forward_metadata {
            headers.insert("KAFKA_TOPIC".into(), long_string(record.core.topic.clone()));
            headers.insert(
                "KAFKA_PARTITION".into(),
                AMQPValue::LongInt(record.original_kafka_partition),
            );
            headers.insert(
                "KAFKA_OFFSET".into(),
                AMQPValue::LongLongInt(record.original_kafka_offset),
            );
            if let Some(timestamp) = record.core.timestamp {
                headers.insert("KAFKA_TIMESTAMP".into(), AMQPValue::LongLongInt(timestamp));
            }
        }
        if self.config.forward_headers {
            for header in record.core.headers.iter() {
                if let Some(value) = amqp_value(&header.value) {
                    headers.insert(ShortString::from(header.key.clone()), value);
                }
            }
        }
        if headers.inner().is_empty() {
            properties
        } else {
            properties.with_headers(headers)
        }
    }
}

fn long_string(text: String) -> AMQPValue {
    AMQPValue::LongString(LongString::from(text))
}

/// A record header value as an AMQP header value: bytes as a byte array, integers and booleans
/// as themselves, anything else printable as text.
fn amqp_value(value: &Value) -> Option<AMQPValue> {
    Some(match value {
        Value::Bytes(bytes) => AMQPValue::ByteArray(bytes.clone().into()),
        Value::Boolean(v) => AMQPValue::Boolean(*v),
        Value::Int8(v) => AMQPValue::ShortShortInt(*v),
        Value::Int16(v) => AMQPValue::ShortInt(*v),
        Value::Int32(v) => AMQPValue::LongInt(*v),
        Value::Int64(v) => AMQPValue::LongLongInt(*v),
        Value::Float32(v) => AMQPValue::Float(*v),
        Value::Float64(v) => AMQPValue::Double(*v),
        other => long_string(text_of(other)?),
    })
}
