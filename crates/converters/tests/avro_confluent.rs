//! The AvroConverter against Confluent's own serializers (`confluent-kafka`, PyPI) through a
//! schema registry: what the converter writes, Confluent's AvroDeserializer reads as the same
//! record; what Confluent's AvroSerializer writes, the converter reads as the same Connect data.
//! Each side reads the schema by id from the registry, not from a cache of its own. Read back by
//! the converter itself, a record keeps its Connect types (INT16 too) and its schema's version; a
//! schema that references another subject's record is read with it.

mod confluent_clients;

use kconnect_api::logical::Decimal;
use kconnect_api::{ConfigMap, Converter, Value};
use kconnect_converters::AvroConverter;
use serde_json::{Value as Json, json};

use confluent_clients::{assert_reads_back, hex, order, python, read_struct, serve_registry, unhex};

const READ: &str = r#"
import json, sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
record = AvroDeserializer(SchemaRegistryClient({"url": sys.argv[1]}))(
    bytes.fromhex(sys.argv[2]), SerializationContext("orders", MessageField.VALUE))
print(json.dumps(record, default=str))
"#;

const WRITE: &str = r#"
import sys
from decimal import Decimal
from confluent_kafka.schema_registry import Schema, SchemaReference, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
client = SchemaRegistryClient({"url": sys.argv[1]})
client.register_schema("shop-money", Schema("""{"type": "record", "name": "Money", "namespace": "shop",
  "fields": [{"name": "cents", "type": "long"}]}""", "AVRO"))
schema = Schema("""{"type": "record", "name": "Payment", "namespace": "shop", "fields": [
  {"name": "id", "type": "long"},
  {"name": "note", "type": ["null", "string"], "default": null},
  {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
  {"name": "tags", "type": {"type": "array", "items": "string"}},
  {"name": "fee", "type": "Money"}]}""", "AVRO", [SchemaReference("shop.Money", "shop-money", 1)])
data = AvroSerializer(client, schema)(
    {"id": 9, "note": None, "amount": Decimal("12.50"), "tags": ["a", "b"], "fee": {"cents": 30}},
    SerializationContext("payments", MessageField.VALUE))
print(data.hex())
"#;

fn converter(url: &str) -> AvroConverter {
    let mut converter = AvroConverter::default();
    let config: ConfigMap = [("schema.registry.url".to_string(), url.to_string())].into();
    converter.configure(&config, false).unwrap();
    converter
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_cross_between_the_converter_and_confluents_serializers() {
    let (registry, url) = serve_registry().await;

    // Written by the converter, read by Confluent's deserializer.
    let (schema, order) = order("gift".into(), vec![]);
    let writer = converter(&url);
    let to_bytes = || {
        writer
            .to_bytes("orders", Some(&schema), &Value::Struct(order.clone()))
            .unwrap()
            .unwrap()
    };
    let bytes = to_bytes();
    assert_eq!(
        &bytes[..5],
        &[0, 0, 0, 0, 1],
        "magic byte, then the id the registry gave"
    );
    assert_eq!(to_bytes(), bytes, "the same record, the same bytes");
    assert_eq!(registry.versions("orders-value", false).unwrap(), [1]);
    let read: Json = serde_json::from_str(&python(READ, &[&url, &hex(&bytes)])).unwrap();
    assert_eq!(
        read,
        json!({"id": 7, "note": "gift", "price": "12.50", "created": "2023-11-14 22:13:20+00:00", "tags": ["x"], "qty": 3})
    );
    assert_reads_back(&converter(&url), &bytes, &order);

    // Written by Confluent's serializer, with a record its schema references, read by the converter.
    let written = unhex(&python(WRITE, &[&url]));
    let (payment_schema, payment) = read_struct(&converter(&url), "payments", &written);
    assert_eq!(payment_schema.name.as_deref(), Some("shop.Payment"));
    assert_eq!(
        payment,
        [
            Value::Int64(9),
            Value::Null,
            Value::Decimal(Decimal::new(1250, 2)),
            Value::Array(vec!["a".into(), "b".into()]),
            payment[4].clone(),
        ]
    );
    let Value::Struct(fee) = &payment[4] else {
        panic!("the referenced record as a struct: {:?}", payment[4])
    };
    assert_eq!(fee.schema().name.as_deref(), Some("shop.Money"));
    assert_eq!(fee.values(), [Value::Int64(30)]);
}

const WRITE_UNIONS: &str = r#"
import sys
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
client = SchemaRegistryClient({"url": sys.argv[1]})
schema = Schema("""{"type": "record", "name": "Event", "namespace": "shop", "fields": [
  {"name": "payload", "type": ["null", "string", "long"], "default": null},
  {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "DONE"]}, "default": "NEW"},
  {"name": "retries", "type": "int", "default": 3}]}""", "AVRO")
serialize = AvroSerializer(client, schema)
for payload in ["text", 42, None]:
    data = serialize({"payload": payload, "status": "DONE", "retries": 1},
                     SerializationContext("events", MessageField.VALUE))
    print(data.hex())
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unions_enums_and_defaults_written_by_confluents_serializer_are_read_as_avro_data_reads_them() {
    let (_registry, url) = serve_registry().await;
    let written = python(WRITE_UNIONS, &[&url]);
    let records: Vec<Vec<u8>> = written.lines().map(unhex).collect();
    let converter = converter(&url);
    let read: Vec<(kconnect_api::SchemaRef, Vec<Value>)> = records
        .iter()
        .map(|bytes| read_struct(&converter, "events", bytes))
        .collect();
    let schema = &read[0].0;
    let payload = &schema.fields[0].schema;
    assert_eq!(payload.name.as_deref(), Some("io.confluent.connect.avro.Union"));
    let members: Vec<&str> = payload.fields.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(members, ["string", "long"]);
    let status = &schema.fields[1].schema;
    assert_eq!(status.name.as_deref(), Some("shop.Status"));
    assert_eq!(status.default_value, Some(Value::String("NEW".into())));
    assert_eq!(schema.fields[2].schema.default_value, Some(Value::Int32(3)));

    let member = |value: &Value| match value {
        Value::Struct(union) => union.values().to_vec(),
        other => vec![other.clone()],
    };
    assert_eq!(member(&read[0].1[0]), [Value::String("text".into()), Value::Null]);
    assert_eq!(member(&read[1].1[0]), [Value::Null, Value::Int64(42)]);
    assert_eq!(read[2].1[0], Value::Null);
    assert_eq!(read[0].1[1..], [Value::String("DONE".into()), Value::Int32(1)]);

    // Written again by the converter (with enums as enums), the bytes are the serializer's.
    let mut config: ConfigMap = [("schema.registry.url".to_string(), url.clone())].into();
    config.insert("enhanced.avro.schema.support".into(), "true".into());
    let mut enhanced = AvroConverter::default();
    enhanced.configure(&config, false).unwrap();
    for (bytes, (schema, values)) in records.iter().zip(&read) {
        let record = kconnect_api::Struct::with_values(schema.clone(), values.clone()).unwrap();
        let again = enhanced
            .to_bytes("events", Some(schema), &Value::Struct(record))
            .unwrap()
            .unwrap();
        assert_eq!(again[5..], bytes[5..], "the same datum after the header");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_latest_schema_must_read_the_records_own_unless_told_otherwise() {
    let (_registry, url) = serve_registry().await;
    let (schema, order) = order("gift".into(), vec![]);
    let (with_rank, ranked) = order_with("rank", kconnect_api::Schema::int32(), Value::Int32(1));
    converter(&url)
        .to_bytes("orders", Some(&with_rank), &Value::Struct(ranked))
        .unwrap();
    let latest = |strict: &str| {
        let mut config: ConfigMap = [("schema.registry.url".to_string(), url.clone())].into();
        config.insert("use.latest.version".into(), "true".into());
        config.insert("auto.register.schemas".into(), "false".into());
        config.insert("latest.compatibility.strict".into(), strict.into());
        let mut converter = AvroConverter::default();
        converter.configure(&config, false).unwrap();
        converter.to_bytes("orders", Some(&schema), &Value::Struct(order.clone()))
    };
    let refused = latest("true").unwrap_err().to_string();
    assert!(
        refused.contains("Incompatible schema") && refused.contains("latest.compatibility.strict=false"),
        "the latest has a field without a default the record's schema lacks: {refused}"
    );
    let unchecked = latest("false").unwrap_err().to_string();
    assert!(!unchecked.contains("latest.compatibility.strict"), "{unchecked}");

    // A latest schema that reads the record's (the same fields, documented) is written with.
    let documented = kconnect_api::Schema {
        doc: Some("an order".into()),
        ..(*schema).clone()
    };
    let documented = std::sync::Arc::new(documented);
    let record = kconnect_api::Struct::with_values(documented.clone(), order.values().to_vec()).unwrap();
    converter(&url)
        .to_bytes("notes", Some(&documented), &Value::Struct(record))
        .unwrap();
    let mut config: ConfigMap = [("schema.registry.url".to_string(), url.clone())].into();
    config.insert("use.latest.version".into(), "true".into());
    let mut latest_notes = AvroConverter::default();
    latest_notes.configure(&config, false).unwrap();
    let bytes = latest_notes
        .to_bytes("notes", Some(&schema), &Value::Struct(order.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(&bytes[..5], &[0, 0, 0, 0, 2], "written with the latest's id");
}

/// The test order with one more required field `name` of `schema` holding `value`.
fn order_with(
    name: &str,
    schema: kconnect_api::SchemaRef,
    value: Value,
) -> (kconnect_api::SchemaRef, kconnect_api::Struct) {
    order("gift".into(), vec![(name, schema, value)])
}
