//! `io.confluent.connect.rabbitmq.RabbitMQSourceConnector`: consumes queues into one topic, each
//! message acknowledged to RabbitMQ only once Kafka has its record.
//!
//! A record's value is the message body (bytes), its key the routing key, its timestamp the
//! message's `timestamp` property when set; the message's headers, its properties and its delivery
//! (exchange, routing key, redelivered) are record headers named `rabbitmq.*`. The source partition
//! is `{"queue": <queue>}`.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use kconnect_api::{ConnectError, Headers, OffsetMap, Result, Value};
use lapin::Acker;
use lapin::message::Delivery;
use lapin::options::{BasicAckOptions, BasicConsumeOptions, BasicQosOptions};
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Channel, Connection, Consumer};
use tokio_util::sync::CancellationToken;

use super::client::{connect, lost};
use super::config::{QUEUE, SourceConfig};
use crate::body::message_record;
use crate::inbox::{Acknowledge, Deliveries, Received, deliver};
use crate::queue_source::QueueSource;

/// Prefix of every record header the source writes.
const HEADER_PREFIX: &str = "rabbitmq.";

/// The RabbitMQ side of the shared queue source.
pub(crate) struct RabbitMqSource;

/// A connection consuming every configured queue on one channel.
pub(crate) struct Session {
    connection: Connection,
    _channel: Channel,
    consumers: Vec<(Arc<OffsetMap>, Consumer)>,
}

/// Acknowledges one delivery on the channel it came from.
pub(crate) struct RabbitMqAck(Acker);

#[async_trait]
impl Acknowledge for RabbitMqAck {
    async fn acknowledge(self) -> Result<()> {
        if let Err(error) = self.0.ack(BasicAckOptions::default()).await {
            tracing::debug!(%error, "cannot acknowledge on a closed channel; RabbitMQ delivers the message again");
        }
        Ok(())
    }
}

#[async_trait]
impl QueueSource for RabbitMqSource {
    type Config = SourceConfig;
    type Session = Session;
    type Ack = RabbitMqAck;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn capacity(config: &SourceConfig) -> usize {
        usize::from(config.prefetch)
    }

    fn reconnect_after(config: &SourceConfig) -> Option<Duration> {
        config.connection.recovery_interval
    }

    async fn connect(config: &SourceConfig) -> Result<Session> {
        let connection = connect(&config.connection, "kconnect-rabbitmq-source").await?;
        let channel = connection.create_channel().await.map_err(lost)?;
        let qos = BasicQosOptions {
            global: config.prefetch_global,
        };
        channel.basic_qos(config.prefetch, qos).await.map_err(lost)?;
        let mut consumers = Vec::with_capacity(config.queues.len());
        for queue in config.queues.iter().filter(|q| !q.trim().is_empty()) {
            let consumer = channel
                .basic_consume(
                    queue.as_str().into(),
                    "".into(),
                    BasicConsumeOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(|error| {
                    ConnectError::config(
                        QUEUE,
                        format!("cannot consume queue {queue:?} (it must exist): {error}"),
                    )
                })?;
            let mut partition = OffsetMap::new();
            partition.insert("queue".into(), queue.as_str().into());
            consumers.push((Arc::new(partition), consumer));
        }
        Ok(Session {
            connection,
            _channel: channel,
            consumers,
        })
    }

    async fn consume(
        config: &SourceConfig,
        session: Session,
        deliveries: &Deliveries<RabbitMqAck>,
        stop: &CancellationToken,
    ) -> Result<()> {
        let Session {
            connection,
            _channel,
            consumers,
        } = session;
        let mut messages = futures::stream::select_all(
            consumers
                .into_iter()
                .map(|(partition, consumer)| consumer.map(move |delivery| (partition.clone(), delivery))),
        );
        loop {
            let next = tokio::select! {
                () = stop.cancelled() => break,
                next = messages.next() => next,
            };
            let delivery = match next {
                Some((partition, Ok(delivery))) => received(delivery, partition, &config.topic),
                Some((_, Err(error))) => return Err(lost(error)),
                None => return Err(ConnectError::Retriable("RabbitMQ cancelled the consumer".into())),
            };
            if !deliver(deliveries, delivery, stop).await {
                break;
            }
        }
        // Messages not acknowledged go back to their queues when the connection closes.
        if let Err(error) = connection.close(200, "kconnect task stopped".into()).await {
            tracing::debug!(%error, "closing the RabbitMQ connection");
        }
        Ok(())
    }
}

/// A delivery as a record of `topic`, with its acknowledgement.
fn received(delivery: Delivery, partition: Arc<OffsetMap>, topic: &str) -> Received<RabbitMqAck> {
    let Delivery {
        exchange,
        routing_key,
        redelivered,
        properties,
        data,
        acker,
        ..
    } = delivery;
    let mut headers = Headers::new();
    let mut add = |name: &str, value: Value| {
        headers.add(format!("{HEADER_PREFIX}{name}"), None, value);
    };
    add("exchange", Value::String(exchange.to_string()));
    add("routing.key", Value::String(routing_key.to_string()));
    add("redelivered", Value::Boolean(redelivered));
    let text = |v: &Option<lapin::types::ShortString>| v.as_ref().map(|s| Value::String(s.to_string()));
    for (name, value) in [
        ("content.type", text(properties.content_type())),
        ("content.encoding", text(properties.content_encoding())),
        (
            "delivery.mode",
            properties.delivery_mode().map(|m| Value::Int8(m as i8)),
        ),
        ("priority", properties.priority().map(|p| Value::Int8(p as i8))),
        ("correlation.id", text(properties.correlation_id())),
        ("reply.to", text(properties.reply_to())),
        ("expiration", text(properties.expiration())),
        ("message.id", text(properties.message_id())),
        ("timestamp", properties.timestamp().map(|t| Value::Int64(t as i64))),
        ("type", text(properties.kind())),
        ("user.id", text(properties.user_id())),
        ("app.id", text(properties.app_id())),
    ] {
        if let Some(value) = value {
            add(name, value);
        }
    }
    if let Some(table) = properties.headers() {
        for (name, value) in table.inner() {
            add(name.as_str(), connect_value(value));
        }
    }
    let mut record = message_record(partition, topic, routing_key.to_string(), data, headers);
    // AMQP timestamps are seconds.
    record.core.timestamp = properties.timestamp().map(|seconds| seconds as i64 * 1000);
    Received {
        record,
        ack: RabbitMqAck(acker),
    }
}

/// An AMQP header value as a schemaless Connect value.
fn connect_value(value: &AMQPValue) -> Value {
    match value {
        AMQPValue::Boolean(v) => Value::Boolean(*v),
        AMQPValue::ShortShortInt(v) => Value::Int8(*v),
        AMQPValue::ShortShortUInt(v) => Value::Int16(i16::from(*v)),
        AMQPValue::ShortInt(v) => Value::Int16(*v),
        AMQPValue::ShortUInt(v) => Value::Int32(i32::from(*v)),
        AMQPValue::LongInt(v) => Value::Int32(*v),
        AMQPValue::LongUInt(v) => Value::Int64(i64::from(*v)),
        AMQPValue::LongLongInt(v) => Value::Int64(*v),
        AMQPValue::Float(v) => Value::Float32(*v),
        AMQPValue::Double(v) => Value::Float64(*v),
        AMQPValue::DecimalValue(v) => Value::String(format!("{}e-{}", v.value, v.scale)),
        AMQPValue::ShortString(v) => Value::String(v.to_string()),
        AMQPValue::LongString(v) => Value::String(String::from_utf8_lossy(v.as_bytes()).into_owned()),
        AMQPValue::FieldArray(items) => Value::Array(items.as_slice().iter().map(connect_value).collect()),
        AMQPValue::Timestamp(v) => Value::Int64(*v as i64),
        AMQPValue::FieldTable(table) => Value::Map(
            table
                .inner()
                .iter()
                .map(|(k, v)| (Value::String(k.to_string()), connect_value(v)))
                .collect(),
        ),
        AMQPValue::ByteArray(bytes) => Value::Bytes(bytes.as_slice().to_vec()),
        AMQPValue::Void => Value::Null,
    }
}
