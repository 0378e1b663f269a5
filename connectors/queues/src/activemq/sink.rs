//! `io.confluent.connect.jms.ActiveMqSinkConnector`, over STOMP: sends each record's value to the
//! queue or topic as a TextMessage (`jms.message.format=string`) or a BytesMessage, each SEND with a
//! receipt. ActiveMQ answers a receipt once it took the message (stored it, when persistent), so a
//! batch is done, and its offsets committable, once every receipt came.

use std::collections::HashSet;

use async_trait::async_trait;
use futures::StreamExt;
use kconnect_api::{ConnectError, Result, SinkRecord};

use super::client::{Reader, Writer, connect, disconnect, error_text, lost, send_all};
use super::config::{DESTINATION_NAME, MessageFormat, SinkConfig};
use super::frame::Frame;
use crate::body::{message_body, text_of};
use crate::queue_sink::{Publishable, QueueSink, Refusals};

/// STOMP headers a forwarded Kafka header may not take.
const RESERVED: [&str; 8] = [
    "destination",
    "content-length",
    "content-type",
    "receipt",
    "persistent",
    "correlation-id",
    "transformation",
    "message-id",
];

/// A connection sending to the destination.
pub(crate) struct ActiveMqSink {
    config: SinkConfig,
    reader: Reader,
    writer: Writer,
    /// The last receipt id used on this connection.
    receipts: u64,
}

#[async_trait]
impl QueueSink for ActiveMqSink {
    type Config = SinkConfig;
    type Message = Frame;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn message(&self, record: &SinkRecord) -> Result<Frame> {
        let config = &self.config;
        let body = message_body(&record.core.value.value)?;
        let mut frame = Frame::new("SEND")
            .header("destination", config.connection.stomp_destination())
            .header("persistent", config.persistent.to_string());
        match config.format {
            MessageFormat::Bytes => frame = frame.header("content-length", body.len().to_string()),
            MessageFormat::Text if body.contains(&0) || std::str::from_utf8(&body).is_err() => {
                return Err(ConnectError::data(
                    "the value is not text a TextMessage can carry (it is not UTF-8 or holds NUL): use jms.message.format=bytes",
                ));
            }
            MessageFormat::Text => {}
        }
        if config.forward_key
            && let Some(key) = text_of(&record.core.key.value)
        {
            frame = frame.header("correlation-id", key);
        }
        if config.forward_metadata {
            frame = frame
                .header("KAFKA_TOPIC", record.core.topic.clone())
                .header(
                    "KAFKA_PARTITION",
                    record.core.kafka_partition.unwrap_or_default().to_string(),
                )
                .header("KAFKA_OFFSET", record.kafka_offset.to_string());
        }
        if config.forward_headers {
            for header in record.core.headers.iter() {
                if let Some(value) = text_of(&header.value)
                    && !RESERVED.contains(&header.key.as_str())
                {
                    frame = frame.header(&header.key, value);
                }
            }
        }
        frame.body = body;
        Ok(frame)
    }

    async fn connect(config: &SinkConfig) -> Result<Self> {
        let (reader, writer) = connect(&config.connection, None).await?;
        Ok(Self {
            config: config.clone(),
            reader,
            writer,
            receipts: 0,
        })
    }

    async fn publish(&mut self, messages: &[Publishable<'_, Frame>]) -> Result<Refusals> {
        let mut awaited = HashSet::with_capacity(messages.len());
        let mut frames = Vec::with_capacity(messages.len());
        for Publishable { message, .. } in messages {
            self.receipts += 1;
            awaited.insert(self.receipts.to_string());
            frames.push(message.clone().header("receipt", self.receipts.to_string()));
        }
        // Receipts are read while frames are written: a broker whose receipts nobody reads stops
        // reading frames once its socket is full.
        tokio::try_join!(send_all(&self.writer, frames), receipts(&mut self.reader, awaited))?;
        Ok(Refusals::new())
    }

    async fn close(self) -> Result<()> {
        disconnect(&self.writer, std::time::Duration::from_secs(2)).await;
        Ok(())
    }
}

/// Reads frames until every receipt of `awaited` came; an ERROR frame is ActiveMQ refusing a
/// message.
async fn receipts(reader: &mut Reader, mut awaited: HashSet<String>) -> Result<()> {
    while !awaited.is_empty() {
        match reader.next().await {
            Some(Ok(frame)) if frame.command == "RECEIPT" => {
                if let Some(id) = frame.get("receipt-id") {
                    awaited.remove(id);
                }
            }
            Some(Ok(frame)) if frame.command == "ERROR" => {
                return Err(ConnectError::config(
                    DESTINATION_NAME,
                    format!("ActiveMQ refused a message: {}", error_text(&frame)),
                ));
            }
            Some(Ok(_)) => {}
            Some(Err(error)) => return Err(lost(error)),
            None => return Err(lost("the broker closed the connection")),
        }
    }
    Ok(())
}
