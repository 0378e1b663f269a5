//! [`KafkaReader`] over a librdkafka consumer with a manual assignment.

use std::time::Duration;

use async_trait::async_trait;
use futures::FutureExt;
use kconnect_api::{KafkaReader, KafkaRecord, TopicPartition};
use rdkafka::consumer::{Consumer, StreamConsumer};
use rdkafka::message::BorrowedMessage;
use rdkafka::{ClientConfig, Message, Offset, TopicPartitionList};

use super::retriable;
use crate::convert::message_headers;

/// The most records one poll returns.
const MAX_POLL_RECORDS: usize = 2000;

/// Reads assigned partitions of one cluster, committing nothing.
pub struct RdKafkaReader {
    consumer: StreamConsumer,
}

impl RdKafkaReader {
    /// A reader with client `config`; partitions without an offset start where
    /// `auto.offset.reset` says (`earliest` unless set).
    pub fn new(mut config: ClientConfig) -> kconnect_api::Result<Self> {
        config
            .set("enable.auto.commit", "false")
            .set("enable.auto.offset.store", "false")
            .set("enable.partition.eof", "false");
        if config.get("group.id").is_none() {
            // librdkafka wants one; nothing is committed under it.
            config.set("group.id", "kconnect-reader");
        }
        if config.get("auto.offset.reset").is_none() {
            config.set("auto.offset.reset", "earliest");
        }
        let consumer = config.create().map_err(|e| retriable("creating a consumer", e))?;
        Ok(Self { consumer })
    }
}

fn record(message: &BorrowedMessage<'_>) -> KafkaRecord {
    KafkaRecord {
        topic: message.topic().to_string(),
        partition: message.partition(),
        offset: message.offset(),
        timestamp: message.timestamp().to_millis(),
        key: message.key().map(<[u8]>::to_vec),
        value: message.payload().map(<[u8]>::to_vec),
        headers: message_headers(message),
    }
}

#[async_trait]
impl KafkaReader for RdKafkaReader {
    fn assign(&mut self, partitions: &[(TopicPartition, Option<i64>)]) -> kconnect_api::Result<()> {
        let mut list = TopicPartitionList::new();
        for (tp, offset) in partitions {
            let offset = offset.map_or(Offset::Invalid, Offset::Offset);
            list.add_partition_offset(&tp.topic, tp.partition, offset)
                .map_err(|e| retriable("assigning partitions", e))?;
        }
        self.consumer
            .assign(&list)
            .map_err(|e| retriable("assigning partitions", e))
    }

    async fn poll(&mut self, wait: Duration) -> kconnect_api::Result<Vec<KafkaRecord>> {
        let first = match tokio::time::timeout(wait, self.consumer.recv()).await {
            Err(_) => return Ok(Vec::new()),
            Ok(message) => message.map_err(|e| retriable("reading", e))?,
        };
        let mut records = vec![record(&first)];
        drop(first);
        while records.len() < MAX_POLL_RECORDS {
            match self.consumer.recv().now_or_never() {
                Some(Ok(message)) => records.push(record(&message)),
                Some(Err(err)) => {
                    tracing::warn!(%err, "reading");
                    break;
                }
                None => break,
            }
        }
        Ok(records)
    }
}
