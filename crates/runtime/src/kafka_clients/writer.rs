//! [`KafkaWriter`] over an idempotent librdkafka producer.

use kconnect_api::kafka_cluster::PendingSend;
use kconnect_api::{ConnectError, KafkaWriter};
use rdkafka::ClientConfig;
use rdkafka::producer::{FutureProducer, FutureRecord};

use super::retriable;

/// Sends records to one cluster, each acknowledged by every in-sync replica.
pub struct RdKafkaWriter {
    producer: FutureProducer,
}

impl RdKafkaWriter {
    /// A writer with client `config`.
    pub fn new(mut config: ClientConfig) -> kconnect_api::Result<Self> {
        config.set("enable.idempotence", "true").set("acks", "all");
        let producer = config.create().map_err(|e| retriable("creating a producer", e))?;
        Ok(Self { producer })
    }
}

impl KafkaWriter for RdKafkaWriter {
    fn send(&self, topic: &str, partition: i32, key: Option<&[u8]>, value: Option<&[u8]>) -> PendingSend {
        let mut record: FutureRecord<'_, [u8], [u8]> = FutureRecord::to(topic).partition(partition);
        record.key = key;
        record.payload = value;
        let topic = topic.to_string();
        match self.producer.send_result(record) {
            Ok(delivery) => Box::pin(async move {
                match delivery.await {
                    Ok(Ok(delivered)) => Ok(delivered.offset),
                    Ok(Err((err, _))) => Err(retriable(&format!("writing to {topic}"), err)),
                    Err(_) => Err(ConnectError::Retriable(format!("the producer of {topic} closed"))),
                }
            }),
            Err((err, _)) => {
                let err = retriable(&format!("writing to {topic}"), err);
                Box::pin(async move { Err(err) })
            }
        }
    }
}
