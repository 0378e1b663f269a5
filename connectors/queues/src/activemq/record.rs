//! A JMS message, as a STOMP MESSAGE frame carries it, in the record shape of Confluent's JMS
//! source connectors: key `io.confluent.connect.jms.Key` (`messageID`), value
//! `io.confluent.connect.jms.Value` with the JMS headers, the properties as
//! `io.confluent.connect.jms.PropertyValue`s, and the body as `text` (a TextMessage) or `bytes`
//! (a BytesMessage: the frame had a `content-length`).

use std::sync::{Arc, LazyLock};

use kconnect_api::{
    OffsetMap, RecordCore, Schema, SchemaAndValue, SchemaBuilder, SchemaRef, SourceRecord, Struct, Value,
};

use super::frame::Frame;

/// The STOMP headers that carry JMS headers or belong to STOMP; every other header is a property.
const NOT_PROPERTIES: [&str; 15] = [
    "message-id",
    "destination",
    "subscription",
    "ack",
    "content-length",
    "content-type",
    "timestamp",
    "expires",
    "priority",
    "persistent",
    "correlation-id",
    "reply-to",
    "type",
    "redelivered",
    "receipt",
];

static KEY_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    SchemaBuilder::struct_()
        .name("io.confluent.connect.jms.Key")
        .field("messageID", Schema::string())
        .build()
});

static DESTINATION_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    SchemaBuilder::struct_()
        .name("io.confluent.connect.jms.Destination")
        .optional()
        .field("destinationType", Schema::string())
        .field("name", Schema::string())
        .build()
});

static PROPERTY_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    SchemaBuilder::struct_()
        .name("io.confluent.connect.jms.PropertyValue")
        .field("propertyType", Schema::string())
        .field("boolean", Schema::optional_boolean())
        .field("byte", Schema::optional_int8())
        .field("short", Schema::optional_int16())
        .field("integer", Schema::optional_int32())
        .field("long", Schema::optional_int64())
        .field("float", Schema::optional_float32())
        .field("double", Schema::optional_float64())
        .field("string", Schema::optional_string())
        .build()
});

static VALUE_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let properties = || SchemaBuilder::map(Schema::string(), PROPERTY_SCHEMA.clone());
    SchemaBuilder::struct_()
        .name("io.confluent.connect.jms.Value")
        .field("messageID", Schema::string())
        .field("messageType", Schema::string())
        .field("timestamp", Schema::int64())
        .field("deliveryMode", Schema::int32())
        .field("correlationID", Schema::optional_string())
        .field("replyTo", DESTINATION_SCHEMA.clone())
        .field("destination", DESTINATION_SCHEMA.clone())
        .field("redelivered", Schema::boolean())
        .field("type", Schema::optional_string())
        .field("expiration", Schema::int64())
        .field("priority", Schema::int32())
        .field("properties", properties().build())
        .field("bytes", Schema::optional_bytes())
        .field("map", properties().optional().build())
        .field("text", Schema::optional_string())
        .build()
});

/// The record of a MESSAGE `frame`, for `topic` in source `partition` (its offset left for the
/// inbox to number).
pub(crate) fn jms_record(frame: Frame, topic: &str, partition: &Arc<OffsetMap>) -> SourceRecord {
    let text = |name: &str| frame.get(name).map(str::to_string);
    let number = |name: &str| frame.get(name).and_then(|v| v.trim().parse::<i64>().ok());
    let message_id = text("message-id").unwrap_or_default();
    let is_bytes = frame.get("content-length").is_some();
    let properties: Vec<(Value, Value)> = frame
        .headers
        .iter()
        .filter(|(name, _)| !NOT_PROPERTIES.contains(&name.as_str()))
        .map(|(name, value)| (Value::String(name.clone()), string_property(value)))
        .collect();
    let (bytes, body_text) = if is_bytes {
        (Value::Bytes(frame.body.clone()), Value::Null)
    } else {
        (
            Value::Null,
            Value::String(String::from_utf8_lossy(&frame.body).into_owned()),
        )
    };
    let values = vec![
        Value::String(message_id.clone()),
        Value::String(if is_bytes { "bytes" } else { "text" }.into()),
        Value::Int64(number("timestamp").unwrap_or_default()),
        Value::Int32(if frame.get("persistent") == Some("true") { 2 } else { 1 }),
        text("correlation-id").map_or(Value::Null, Value::String),
        frame.get("reply-to").map_or(Value::Null, destination),
        frame.get("destination").map_or(Value::Null, destination),
        Value::Boolean(frame.get("redelivered") == Some("true")),
        text("type").map_or(Value::Null, Value::String),
        Value::Int64(number("expires").unwrap_or_default()),
        Value::Int32(number("priority").unwrap_or(4) as i32),
        Value::Map(properties),
        bytes,
        Value::Null,
        body_text,
    ];
    let value = Struct::with_values(VALUE_SCHEMA.clone(), values).expect("the values follow the schema");
    let key = Struct::with_values(KEY_SCHEMA.clone(), vec![Value::String(message_id)]).expect("one string");
    let mut core = RecordCore::new(
        topic,
        SchemaAndValue::new(Some(VALUE_SCHEMA.clone()), Value::Struct(value)),
    );
    core.key = SchemaAndValue::new(Some(KEY_SCHEMA.clone()), Value::Struct(key));
    core.timestamp = number("timestamp");
    SourceRecord::new(partition.clone(), OffsetMap::new(), core)
}

/// A `/queue/name` or `/topic/name` as a Destination struct (`queue` for anything else).
fn destination(stomp: &str) -> Value {
    let (kind, name) = match stomp.trim_start_matches('/').split_once('/') {
        Some((kind @ ("queue" | "topic" | "temp-queue" | "temp-topic"), name)) => (kind, name),
        _ => ("queue", stomp),
    };
    let kind = kind.trim_start_matches("temp-");
    let fields = vec![Value::String(kind.into()), Value::String(name.into())];
    Value::Struct(Struct::with_values(DESTINATION_SCHEMA.clone(), fields).expect("two strings"))
}

/// A property as STOMP carries it: text (STOMP keeps no JMS property type).
fn string_property(value: &str) -> Value {
    let mut fields = vec![Value::Null; PROPERTY_SCHEMA.fields.len()];
    fields[0] = Value::String("string".into());
    fields[8] = Value::String(value.into());
    Value::Struct(Struct::with_values(PROPERTY_SCHEMA.clone(), fields).expect("a string property"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_message_becomes_the_jms_value() {
        let frame = Frame::new("MESSAGE")
            .header("message-id", "ID:1")
            .header("destination", "/queue/ORDERS")
            .header("reply-to", "/topic/back")
            .header("persistent", "true")
            .header("timestamp", "1700000000000")
            .header("priority", "7")
            .header("color", "red")
            .header("ack", "ID:a");
        let frame = Frame {
            body: b"hello".to_vec(),
            ..frame
        };
        let record = jms_record(frame, "orders", &Arc::new(OffsetMap::new()));
        let value = record.core.value.value.as_struct().unwrap();
        assert_eq!(value.get("messageID"), Some(&Value::String("ID:1".into())));
        assert_eq!(value.get("messageType"), Some(&Value::String("text".into())));
        assert_eq!(value.get("deliveryMode"), Some(&Value::Int32(2)));
        assert_eq!(value.get("priority"), Some(&Value::Int32(7)));
        assert_eq!(value.get("text"), Some(&Value::String("hello".into())));
        assert_eq!(value.get("bytes"), Some(&Value::Null));
        let reply_to = value.get("replyTo").unwrap().as_struct().unwrap();
        assert_eq!(reply_to.get("destinationType"), Some(&Value::String("topic".into())));
        let Some(Value::Map(properties)) = value.get("properties") else {
            panic!("properties")
        };
        assert_eq!(properties.len(), 1, "only color is a property");
        assert_eq!(record.core.timestamp, Some(1_700_000_000_000));
        record
            .core
            .value
            .schema
            .unwrap()
            .validate_value(&record.core.value.value)
            .unwrap();
    }
}
