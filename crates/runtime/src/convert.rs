//! A task's key, value and header converters, configured from the connector's settings or else the
//! worker's, and the conversions between records and Kafka bytes.

use kconnect_api::config::with_prefix;
use kconnect_api::record::TimestampType;
use kconnect_api::{
    ConfigMap, ConnectError, ConnectRecord, Converter, HeaderConverter, Headers, RecordCore, Result as ConnectResult,
    SinkRecord,
};
use rdkafka::Message;
use rdkafka::message::{BorrowedMessage, Headers as _};

use crate::error::RuntimeError;
use crate::error_handling::{FailedRecord, Stage, StageError};
use crate::plugins::PluginRegistry;
use crate::worker_config::WorkerConfig;

/// A record's bytes, ready for the producer.
#[derive(Debug, Clone, PartialEq)]
pub struct KafkaRecord {
    /// Key bytes.
    pub key: Option<Vec<u8>>,
    /// Value bytes.
    pub value: Option<Vec<u8>>,
    /// Header keys and bytes.
    pub headers: Vec<(String, Option<Vec<u8>>)>,
}

/// The converters of one task.
pub struct TaskConverters {
    key: Box<dyn Converter>,
    value: Box<dyn Converter>,
    header: Box<dyn HeaderConverter>,
    /// The converter class names, for error reports: key, value, header.
    classes: [String; 3],
}

/// The key of a schema'd converter's registry, given the worker's own registry when unset.
const SCHEMA_REGISTRY_URL: &str = "schema.registry.url";

/// The converter class under `key` and its properties: the connector's when it names one, else the
/// worker's.
fn choose<'a>(worker: &'a WorkerConfig, connector: &'a ConfigMap, key: &str) -> (Option<&'a str>, ConfigMap) {
    let prefix = format!("{key}.");
    match connector.get(key).filter(|v| !v.is_empty()) {
        Some(name) => (Some(name), with_prefix(connector, &prefix)),
        None => (worker.string(key), worker.with_prefix(&prefix)),
    }
}

impl TaskConverters {
    /// Creates and configures the converters for a connector.
    pub fn new(registry: &PluginRegistry, worker: &WorkerConfig, connector: &ConfigMap) -> Result<Self, RuntimeError> {
        let converter = |key: &str, is_key: bool| -> Result<(Box<dyn Converter>, String), RuntimeError> {
            let (name, mut props) = choose(worker, connector, key);
            let name = name.ok_or_else(|| RuntimeError::InvalidConfig {
                context: "Connector configuration".into(),
                errors: vec![format!(
                    "{key}: Missing required configuration \"{key}\" which has no default value."
                )],
            })?;
            let mut converter = registry.converter(name)?;
            props.insert("converter.type".into(), if is_key { "key" } else { "value" }.into());
            if let Some(url) = &worker.schema_registry_url {
                props.entry(SCHEMA_REGISTRY_URL.into()).or_insert_with(|| url.clone());
            }
            converter.configure(&props, is_key)?;
            Ok((converter, name.to_string()))
        };
        let (key, key_class) = converter("key.converter", true)?;
        let (value, value_class) = converter("value.converter", false)?;
        let (header_name, mut header_props) = choose(worker, connector, "header.converter");
        let header_class = header_name.unwrap_or("SimpleHeaderConverter").to_string();
        let mut header = registry.header_converter(&header_class)?;
        header_props.insert("converter.type".into(), "header".into());
        header.configure(&header_props)?;
        Ok(Self {
            key,
            value,
            header,
            classes: [key_class, value_class, header_class],
        })
    }

    /// Tags a converter failure with its stage and class.
    fn failed(&self, stage: Stage) -> impl Fn(ConnectError) -> StageError + '_ {
        move |error| {
            let index = match stage {
                Stage::KeyConverter => 0,
                Stage::ValueConverter => 1,
                _ => 2,
            };
            StageError {
                stage,
                class: self.classes[index].clone(),
                error,
            }
        }
    }

    /// Serialises a source record's key, value and headers.
    pub fn to_kafka<R: ConnectRecord>(&self, record: &R) -> Result<KafkaRecord, StageError> {
        let record = record.core();
        let topic = record.topic.as_str();
        let key = self
            .key
            .to_bytes(topic, record.key.schema.as_ref(), &record.key.value)
            .map_err(self.failed(Stage::KeyConverter))?;
        let value = self
            .value
            .to_bytes(topic, record.value.schema.as_ref(), &record.value.value)
            .map_err(self.failed(Stage::ValueConverter))?;
        let headers = record
            .headers
            .iter()
            .map(|h| {
                Ok((
                    h.key.clone(),
                    self.header
                        .header_to_bytes(topic, &h.key, h.schema.as_ref(), &h.value)?,
                ))
            })
            .collect::<ConnectResult<_>>()
            .map_err(self.failed(Stage::HeaderConverter))?;
        Ok(KafkaRecord { key, value, headers })
    }

    /// Deserialises a consumed message into a sink record; a converter's error names the
    /// message's partition and offset (the converter knows only its topic).
    pub fn from_kafka(&self, message: &BorrowedMessage<'_>) -> Result<SinkRecord, StageError> {
        let topic = message.topic();
        let failed = |stage| {
            let failed = self.failed(stage);
            move |error| failed(at_position(error, message.partition(), message.offset()))
        };
        let key = self
            .key
            .to_connect(topic, message.key())
            .map_err(failed(Stage::KeyConverter))?;
        let value = self
            .value
            .to_connect(topic, message.payload())
            .map_err(failed(Stage::ValueConverter))?;
        let mut headers = Headers::new();
        if let Some(kafka_headers) = message.headers() {
            for header in kafka_headers.iter() {
                let data = self
                    .header
                    .header_to_connect(topic, header.key, header.value)
                    .map_err(failed(Stage::HeaderConverter))?;
                headers.add(header.key, data.schema, data.value);
            }
        }
        let (timestamp, timestamp_type) = match message.timestamp() {
            rdkafka::Timestamp::NotAvailable => (None, TimestampType::NoTimestampType),
            rdkafka::Timestamp::CreateTime(t) => (Some(t), TimestampType::CreateTime),
            rdkafka::Timestamp::LogAppendTime(t) => (Some(t), TimestampType::LogAppendTime),
        };
        let core = RecordCore {
            topic: topic.to_string(),
            kafka_partition: Some(message.partition()),
            key,
            value,
            timestamp,
            headers,
        };
        Ok(SinkRecord::new(
            core,
            message.partition(),
            message.offset(),
            timestamp_type,
        ))
    }
}

/// `error` with the partition and offset of the message it is about.
fn at_position(error: ConnectError, partition: i32, offset: i64) -> ConnectError {
    let position = format!(" (partition {partition}, offset {offset})");
    match error {
        ConnectError::Data(message) => ConnectError::Data(message + &position),
        ConnectError::Retriable(message) => ConnectError::Retriable(message + &position),
        ConnectError::Fatal(message) => ConnectError::Fatal(message + &position),
        other => other,
    }
}

/// A consumed message's headers, in order, as owned bytes.
pub fn message_headers<M: Message>(message: &M) -> Vec<(String, Option<Vec<u8>>)> {
    message.headers().map_or_else(Vec::new, |headers| {
        headers
            .iter()
            .map(|h| (h.key.to_string(), h.value.map(<[u8]>::to_vec)))
            .collect()
    })
}

/// The original bytes of a consumed message, for the dead letter queue.
pub fn failed_record(message: &BorrowedMessage<'_>) -> FailedRecord {
    FailedRecord {
        topic: message.topic().to_string(),
        partition: message.partition(),
        offset: message.offset(),
        key: message.key().map(<[u8]>::to_vec),
        value: message.payload().map(<[u8]>::to_vec),
        headers: message_headers(message),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_converters_error_gains_the_messages_position() {
        let error = at_position(ConnectError::data("Unknown magic byte! topic t"), 3, 42);
        assert_eq!(
            error.to_string(),
            "Unknown magic byte! topic t (partition 3, offset 42)"
        );
        assert!(
            matches!(at_position(ConnectError::Retriable("down".into()), 0, 1), ConnectError::Retriable(m) if m.ends_with("offset 1)"))
        );
    }
}
