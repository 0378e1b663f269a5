//! The NATS sink: publishes each record's value to `nats.subject` (the record's topic by
//! default), its headers as NATS headers. Through JetStream (the default) a batch is done once the
//! stream acknowledged every message; on core NATS once every message was flushed to the server.

use std::collections::VecDeque;

use async_nats::jetstream::Context;
use async_nats::jetstream::context::PublishAckFuture;
use async_nats::{Client, HeaderMap};
use async_trait::async_trait;
use kconnect_api::{Result, SinkRecord};

use super::client::{connect, lost};
use super::config::SinkConfig;
use crate::body::text_of;
use crate::queue_sink::{Publishable, QueueSink, Refusals, body_message};

/// JetStream acknowledgements outstanding at most: the sink's context lets no more be, and the
/// sink awaits the oldest before it publishes past them (a publish past the context's limit waits
/// for an acknowledgement, for ever if nobody awaits one yet).
const ACKS_IN_FLIGHT: usize = 4_000;

/// A connection publishing.
pub(crate) struct NatsSink {
    client: Client,
    jetstream: Option<Context>,
    subject: Option<String>,
}

#[async_trait]
impl QueueSink for NatsSink {
    type Config = SinkConfig;
    type Message = Vec<u8>;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn message(&self, record: &SinkRecord) -> Result<Vec<u8>> {
        body_message(record)
    }

    async fn connect(config: &SinkConfig) -> Result<Self> {
        let client = connect(&config.connection, "kconnect-nats-sink").await?;
        let jetstream = config.jetstream.then(|| {
            async_nats::jetstream::ContextBuilder::new()
                .max_ack_inflight(ACKS_IN_FLIGHT)
                .build(client.clone())
        });
        Ok(Self {
            client,
            jetstream,
            subject: config.subject.clone(),
        })
    }

    async fn publish(&mut self, messages: &[Publishable<'_>]) -> Result<Refusals> {
        let mut acks: VecDeque<PublishAckFuture> = VecDeque::with_capacity(messages.len().min(ACKS_IN_FLIGHT));
        for Publishable { record, message: body } in messages {
            let subject = self.subject.clone().unwrap_or_else(|| record.core.topic.clone());
            let headers = nats_headers(record);
            match &self.jetstream {
                Some(jetstream) => {
                    if acks.len() == ACKS_IN_FLIGHT
                        && let Some(oldest) = acks.pop_front()
                    {
                        oldest.await.map_err(lost)?;
                    }
                    let ack = jetstream
                        .publish_with_headers(subject, headers, body.clone().into())
                        .await
                        .map_err(lost)?;
                    acks.push_back(ack);
                }
                None => self
                    .client
                    .publish_with_headers(subject, headers, body.clone().into())
                    .await
                    .map_err(lost)?,
            }
        }
        for ack in acks {
            ack.await.map_err(lost)?;
        }
        self.client.flush().await.map_err(lost)?;
        Ok(Refusals::new())
    }

    async fn close(self) -> Result<()> {
        if let Err(error) = self.client.flush().await {
            tracing::debug!(%error, "flushing the NATS connection");
        }
        Ok(())
    }
}

/// The record's headers as NATS headers, each value as text.
fn nats_headers(record: &SinkRecord) -> HeaderMap {
    let mut headers = HeaderMap::new();
    for header in record.core.headers.iter() {
        if let Some(value) = text_of(&header.value) {
            headers.append(header.key.as_str(), value.as_str());
        }
    }
    headers
}
