//! `io.confluent.connect.activemq.ActiveMQSourceConnector`, over STOMP: subscribes to the queue or
//! topic with individual client acknowledgements and a prefetch of `batch.size`, and acknowledges a
//! message (an ACK frame, batched) only once Kafka has its record. Unacknowledged messages go back
//! to the destination when the connection closes: at least once. A topic is read by one task (a
//! durable subscription belongs to one client id); a queue's tasks compete for its messages.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use futures::StreamExt;
use kconnect_api::{ConfigMap, ConnectError, OffsetMap, Result};
use tokio_util::sync::CancellationToken;

use super::client::{Reader, Writer, connect, disconnect, error_text, lost, send_all};
use super::config::{DESTINATION_NAME, DestinationType, SELECTOR, SourceConfig};
use super::frame::Frame;
use super::record::jms_record;
use crate::batched_acks::{BatchedAck, BatchedAcks};
use crate::inbox::{Deliveries, Received, deliver};
use crate::queue_source::QueueSource;

/// How long the goodbye may take.
const DISCONNECT_WAIT: Duration = Duration::from_secs(2);
/// The subscription's id on the connection (one per connection).
const SUBSCRIPTION_ID: &str = "0";

/// The ActiveMQ side of the shared queue source.
pub(crate) struct ActiveMqSource;

/// A connection subscribed to the destination.
pub(crate) struct Session {
    reader: Reader,
    writer: Writer,
    acks: BatchedAcks,
    /// Frames that came before the subscription's receipt.
    early: Vec<Frame>,
}

#[async_trait]
impl QueueSource for ActiveMqSource {
    type Config = SourceConfig;
    type Session = Session;
    type Ack = BatchedAck;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn task_configs(raw: &ConfigMap, config: &SourceConfig, max_tasks: usize) -> Vec<ConfigMap> {
        let tasks = match config.connection.destination_type {
            DestinationType::Queue => max_tasks.max(1),
            DestinationType::Topic => 1,
        };
        vec![raw.clone(); tasks]
    }

    fn capacity(config: &SourceConfig) -> usize {
        config.batch_size
    }

    async fn connect(config: &SourceConfig) -> Result<Session> {
        let client_id = config.durable_subscription.as_ref().map(|_| config.client_id.as_str());
        let (mut reader, writer) = connect(&config.connection, client_id).await?;
        let mut subscribe = Frame::new("SUBSCRIBE")
            .header("id", SUBSCRIPTION_ID)
            .header("destination", config.connection.stomp_destination())
            .header("ack", "client-individual")
            .header("activemq.prefetchSize", config.batch_size.to_string())
            .header("receipt", "subscribed");
        if !config.selector.is_empty() {
            subscribe = subscribe.header("selector", config.selector.clone());
        }
        if let Some(name) = &config.durable_subscription {
            subscribe = subscribe.header("activemq.subscriptionName", name.clone());
        }
        send_all(&writer, [subscribe]).await?;
        // The receipt says the broker took the subscription; an ERROR names what it did not like.
        // Messages dispatched before the receipt are kept for `consume`.
        let mut early = Vec::new();
        loop {
            match reader.next().await {
                Some(Ok(frame)) if frame.command == "RECEIPT" => break,
                Some(Ok(frame)) if frame.command == "ERROR" => {
                    let key = if config.selector.is_empty() {
                        DESTINATION_NAME
                    } else {
                        SELECTOR
                    };
                    return Err(ConnectError::config(
                        key,
                        format!("ActiveMQ refused the subscription: {}", error_text(&frame)),
                    ));
                }
                Some(Ok(frame)) => early.push(frame),
                Some(Err(error)) => return Err(lost(error)),
                None => return Err(lost("the broker closed the connection")),
            }
        }
        let acks = acknowledge_with_frames(writer.clone());
        Ok(Session {
            reader,
            writer,
            acks,
            early,
        })
    }

    async fn consume(
        config: &SourceConfig,
        session: Session,
        deliveries: &Deliveries<BatchedAck>,
        stop: &CancellationToken,
    ) -> Result<()> {
        let Session {
            mut reader,
            writer,
            acks,
            early,
        } = session;
        let partition = Arc::new(partition(config));
        let mut early = early.into_iter();
        loop {
            let next = match early.next() {
                Some(frame) => Some(Ok(frame)),
                None => tokio::select! {
                    () = stop.cancelled() => break,
                    next = reader.next() => next,
                },
            };
            let frame = match next {
                Some(Ok(frame)) => frame,
                Some(Err(error)) => return Err(lost(error)),
                None => return Err(lost("the broker closed the connection")),
            };
            match frame.command.as_str() {
                "MESSAGE" => {
                    let ack = match frame.get("ack") {
                        Some(id) => acks.ack(id.to_string()),
                        None => BatchedAck::NONE,
                    };
                    let record = jms_record(frame, &config.kafka_topic, &partition);
                    if !deliver(deliveries, Received { record, ack }, stop).await {
                        break;
                    }
                }
                "ERROR" => return Err(lost(error_text(&frame))),
                _ => {}
            }
        }
        acks.flush().await;
        disconnect(&writer, DISCONNECT_WAIT).await;
        Ok(())
    }
}

/// The source partition: the destination, as Confluent's JMS connectors name it.
fn partition(config: &SourceConfig) -> OffsetMap {
    let mut partition = OffsetMap::new();
    let connection = &config.connection;
    partition.insert("destinationType".into(), connection.destination_type.name().into());
    partition.insert("destinationName".into(), connection.destination.as_str().into());
    partition
}

/// Acknowledges messages with ACK frames on `writer`, many per flush.
fn acknowledge_with_frames(writer: Writer) -> BatchedAcks {
    BatchedAcks::start(move |ids| {
        let writer = writer.clone();
        async move {
            let frames = ids.into_iter().map(|id| Frame::new("ACK").header("id", id));
            if let Err(error) = send_all(&writer, frames).await {
                tracing::debug!(%error, "cannot acknowledge; ActiveMQ delivers the messages again");
            }
        }
    })
}
