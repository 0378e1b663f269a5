//! The NATS source: JetStream through a durable pull consumer whose acknowledgements wait for Kafka
//! (at least once), or core NATS subscriptions in a queue group (at most once: core NATS keeps
//! nothing for a subscriber that is away).
//!
//! A record's value is the payload (bytes), its key the subject; the message's headers are record
//! headers under their own names, and a JetStream message adds `nats.stream.sequence` and
//! `nats.delivered` (above 1: a redelivery).

use std::sync::Arc;

use async_nats::jetstream::consumer::{AckPolicy, pull};
use async_nats::{Client, HeaderMap, Subject};
use async_trait::async_trait;
use futures::StreamExt;
use futures::stream::BoxStream;
use kconnect_api::{ConnectError, Headers, OffsetMap, Result, Value};
use tokio_util::sync::CancellationToken;

use super::client::{connect, lost};
use super::config::{STREAM, SUBJECTS, SourceConfig};
use crate::body::message_record;
use crate::inbox::{Acknowledge, Deliveries, Received, deliver};
use crate::queue_source::QueueSource;

/// The NATS side of the shared queue source.
pub(crate) struct NatsSource;

/// A message as it arrived, with the subject that acknowledges it (JetStream only).
struct Incoming {
    message: async_nats::Message,
    sequence: Option<(u64, i64)>,
}

/// A connection and the messages it receives.
pub(crate) struct Session {
    client: Client,
    messages: BoxStream<'static, Result<Incoming>>,
    partition: Arc<OffsetMap>,
}

/// Acknowledges one JetStream message by answering its reply subject; nothing for core NATS.
pub(crate) struct NatsAck(Option<(Client, Subject)>);

#[async_trait]
impl Acknowledge for NatsAck {
    async fn acknowledge(self) -> Result<()> {
        if let Some((client, reply)) = self.0
            && let Err(error) = client.publish(reply, "".into()).await
        {
            tracing::debug!(%error, "cannot acknowledge; JetStream delivers the message again");
        }
        Ok(())
    }
}

#[async_trait]
impl QueueSource for NatsSource {
    type Config = SourceConfig;
    type Session = Session;
    type Ack = NatsAck;

    const VERSION: &'static str = env!("CARGO_PKG_VERSION");

    fn capacity(config: &SourceConfig) -> usize {
        config.max_ack_pending
    }

    async fn connect(config: &SourceConfig) -> Result<Session> {
        let client = connect(&config.connection, "kconnect-nats-source").await?;
        let mut partition = OffsetMap::new();
        let messages = match &config.stream {
            Some(stream) => {
                partition.insert("nats.stream".into(), stream.as_str().into());
                jetstream_messages(config, &client, stream).await?
            }
            None => {
                partition.insert("nats.subjects".into(), config.subjects.join(",").into());
                core_messages(config, &client).await?
            }
        };
        Ok(Session {
            client,
            messages,
            partition: Arc::new(partition),
        })
    }

    async fn consume(
        config: &SourceConfig,
        session: Session,
        deliveries: &Deliveries<NatsAck>,
        stop: &CancellationToken,
    ) -> Result<()> {
        let Session {
            client,
            mut messages,
            partition,
        } = session;
        loop {
            let next = tokio::select! {
                () = stop.cancelled() => break,
                next = messages.next() => next,
            };
            let incoming = match next {
                Some(incoming) => incoming?,
                None => return Err(ConnectError::Retriable("the NATS subscription ended".into())),
            };
            let delivery = received(incoming, &client, &partition, &config.kafka_topic);
            if !deliver(deliveries, delivery, stop).await {
                break;
            }
        }
        // Acknowledgements queued before the stop reach the server.
        if let Err(error) = client.flush().await {
            tracing::debug!(%error, "flushing the NATS connection");
        }
        Ok(())
    }
}

/// The messages of the durable pull consumer on `stream`, created if needed.
async fn jetstream_messages(
    config: &SourceConfig,
    client: &Client,
    stream: &str,
) -> Result<BoxStream<'static, Result<Incoming>>> {
    let jetstream = async_nats::jetstream::new(client.clone());
    let stream = jetstream.get_stream(stream).await.map_err(|error| {
        ConnectError::config(STREAM, format!("JetStream stream {stream:?} (it must exist): {error}"))
    })?;
    // One filter: several (filter_subjects) need NATS 2.10, and this client is built for 2.9 on.
    let [subject] = config.subjects.as_slice() else {
        return Err(ConnectError::config(
            SUBJECTS,
            "a JetStream source filters on one subject (wildcards allowed), not several",
        ));
    };
    let consumer_config = pull::Config {
        durable_name: Some(config.durable_name.clone()),
        filter_subject: subject.clone(),
        ack_policy: AckPolicy::Explicit,
        max_ack_pending: config.max_ack_pending as i64,
        ..pull::Config::default()
    };
    let consumer = stream
        .get_or_create_consumer(&config.durable_name, consumer_config)
        .await
        .map_err(|error| ConnectError::config(SUBJECTS, format!("cannot consume {:?}: {error}", config.subjects)))?;
    let messages = consumer.messages().await.map_err(lost)?;
    Ok(messages
        .map(|message| {
            let message = message.map_err(lost)?;
            let sequence = message.info().ok().map(|info| (info.stream_sequence, info.delivered));
            Ok(Incoming {
                message: message.message,
                sequence,
            })
        })
        .boxed())
}

/// The messages of core NATS subscriptions to every subject, in the connector's queue group.
async fn core_messages(config: &SourceConfig, client: &Client) -> Result<BoxStream<'static, Result<Incoming>>> {
    let mut subscriptions = Vec::with_capacity(config.subjects.len());
    for subject in &config.subjects {
        let subscriber = client
            .queue_subscribe(subject.clone(), config.durable_name.clone())
            .await
            .map_err(|error| ConnectError::config(SUBJECTS, format!("cannot subscribe to {subject:?}: {error}")))?;
        subscriptions.push(subscriber);
    }
    Ok(futures::stream::select_all(subscriptions)
        .map(|message| {
            Ok(Incoming {
                message,
                sequence: None,
            })
        })
        .boxed())
}

/// A message as a record of `topic`, with its acknowledgement.
fn received(incoming: Incoming, client: &Client, partition: &Arc<OffsetMap>, topic: &str) -> Received<NatsAck> {
    let Incoming { message, sequence } = incoming;
    let mut headers = Headers::new();
    if let Some(map) = &message.headers {
        copy_headers(map, &mut headers);
    }
    if let Some((stream_sequence, delivered)) = sequence {
        headers
            .add("nats.stream.sequence", None, Value::Int64(stream_sequence as i64))
            .add("nats.delivered", None, Value::Int64(delivered));
    }
    let ack = match (&sequence, message.reply) {
        (Some(_), Some(reply)) => NatsAck(Some((client.clone(), reply))),
        _ => NatsAck(None),
    };
    let key = message.subject.to_string();
    Received {
        record: message_record(partition.clone(), topic, key, message.payload.to_vec(), headers),
        ack,
    }
}

/// Each value of each NATS header as a text record header of the same name.
fn copy_headers(map: &HeaderMap, headers: &mut Headers) {
    for (name, values) in map.iter() {
        for value in values {
            headers.add(name.to_string(), None, Value::String(value.to_string()));
        }
    }
}
