//! What a Kafka record's key or value becomes as a queue message's bytes or text, and what a
//! queue message becomes as a source record.

use std::sync::Arc;

use kconnect_api::{ConnectError, Headers, OffsetMap, RecordCore, Result, Schema, SchemaAndValue, SourceRecord, Value};

/// A queue message as a record of `topic`: its body the value (BYTES), `key` the key (optional
/// STRING), with `headers`, in the task's source `partition`; its offset is left for the inbox to
/// number.
pub(crate) fn message_record(
    partition: Arc<OffsetMap>,
    topic: &str,
    key: String,
    body: Vec<u8>,
    headers: Headers,
) -> SourceRecord {
    let mut core = RecordCore::new(topic, SchemaAndValue::new(Some(Schema::bytes()), Value::Bytes(body)));
    core.key = SchemaAndValue::new(Some(Schema::optional_string()), Value::String(key));
    core.headers = headers;
    SourceRecord::new(partition, OffsetMap::new(), core)
}

/// The message body of a record value: bytes as they are, text as UTF-8, nothing (a tombstone) as
/// an empty body. Anything else is a data error naming the converters that give bytes.
pub(crate) fn message_body(value: &Value) -> Result<Vec<u8>> {
    match value {
        Value::Bytes(bytes) => Ok(bytes.clone()),
        Value::String(text) => Ok(text.as_bytes().to_vec()),
        Value::Null => Ok(Vec::new()),
        other => Err(ConnectError::data(format!(
            "a queue message body is bytes, not {}: use value.converter=org.apache.kafka.connect.converters.ByteArrayConverter or StringConverter",
            kind(other)
        ))),
    }
}

/// A key or header value as text: text as it is, bytes as UTF-8 (lossy), numbers and booleans
/// printed; `None` for nothing, arrays, maps and structs.
pub(crate) fn text_of(value: &Value) -> Option<String> {
    Some(match value {
        Value::String(text) => text.clone(),
        Value::Bytes(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::Int8(v) => v.to_string(),
        Value::Int16(v) => v.to_string(),
        Value::Int32(v) => v.to_string(),
        Value::Int64(v) => v.to_string(),
        Value::Float32(v) => v.to_string(),
        Value::Float64(v) => v.to_string(),
        Value::Boolean(v) => v.to_string(),
        _ => return None,
    })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Array(_) => "an array",
        Value::Map(_) => "a map",
        Value::Struct(_) => "a struct",
        _ => "a number or boolean",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_and_text_are_bodies_other_values_are_data_errors() {
        assert_eq!(message_body(&Value::Bytes(vec![0, 1])).unwrap(), vec![0, 1]);
        assert_eq!(message_body(&Value::String("hé".into())).unwrap(), "hé".as_bytes());
        assert!(message_body(&Value::Null).unwrap().is_empty());
        let error = message_body(&Value::Map(Vec::new())).unwrap_err();
        assert!(error.is_data());
        assert!(error.to_string().contains("ByteArrayConverter"), "{error}");
        assert!(message_body(&Value::Int32(1)).unwrap_err().is_data());
    }

    #[test]
    fn keys_print_as_text() {
        assert_eq!(text_of(&Value::Int64(7)).as_deref(), Some("7"));
        assert_eq!(text_of(&Value::Bytes(b"k".to_vec())).as_deref(), Some("k"));
        assert_eq!(text_of(&Value::Null), None);
    }
}
