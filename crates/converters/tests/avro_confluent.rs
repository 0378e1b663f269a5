//! The AvroConverter against Confluent's own serializers (`confluent-kafka`, PyPI) through a
//! schema registry: what the converter writes, Confluent's AvroDeserializer reads as the same
//! record; what Confluent's AvroSerializer writes, the converter reads as the same Connect data.
//! Each side reads the schema by id from the registry, not from a cache of its own. Read back by
//! the converter itself, a record keeps its Connect types (INT16 too) and its schema's version.

use std::sync::Arc;

use kconnect_api::logical::{Decimal, decimal_schema, timestamp_schema};
use kconnect_api::{ConfigMap, Converter, Schema, SchemaBuilder, Struct, Value};
use kconnect_converters::AvroConverter;
use kconnect_registry::{Registry, router};
use serde_json::{Value as Json, json};

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
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.avro import AvroSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
schema = """{"type": "record", "name": "Payment", "namespace": "shop", "fields": [
  {"name": "id", "type": "long"},
  {"name": "note", "type": ["null", "string"], "default": null},
  {"name": "amount", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
  {"name": "tags", "type": {"type": "array", "items": "string"}}]}"""
data = AvroSerializer(SchemaRegistryClient({"url": sys.argv[1]}), schema)(
    {"id": 9, "note": None, "amount": Decimal("12.50"), "tags": ["a", "b"]},
    SerializationContext("payments", MessageField.VALUE))
print(data.hex())
"#;

fn python(script: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(kconnect_test_kit::venv_python())
        .args(["-W", "ignore", "-c", script])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

fn converter(url: &str) -> AvroConverter {
    let mut converter = AvroConverter::default();
    let config: ConfigMap = [("schema.registry.url".to_string(), url.to_string())].into();
    converter.configure(&config, false).unwrap();
    converter
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_cross_between_the_converter_and_confluents_serializers() {
    let registry = Arc::new(Registry::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router(registry.clone())).into_future());

    // Written by the converter, read by Confluent's deserializer.
    let schema = SchemaBuilder::struct_()
        .name("shop.Order")
        .version(2)
        .field("id", Schema::int64())
        .field("note", Schema::optional_string())
        .field("price", decimal_schema(2).build())
        .field("created", timestamp_schema().build())
        .field("tags", SchemaBuilder::array(Schema::string()).build())
        .field("qty", Schema::int16())
        .build();
    let order = Struct::new(schema.clone())
        .unwrap()
        .put("id", 7i64)
        .unwrap()
        .put("note", "gift")
        .unwrap()
        .put("price", Value::Decimal(Decimal::new(1250, 2)))
        .unwrap()
        .put("created", Value::Timestamp(1_700_000_000_000))
        .unwrap()
        .put("tags", Value::Array(vec!["x".into()]))
        .unwrap()
        .put("qty", Value::Int16(3))
        .unwrap();
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
    let back = converter(&url).to_connect("orders", Some(&bytes)).unwrap();
    let back_schema = back.schema.unwrap();
    assert_eq!(
        (back_schema.name.as_deref(), back_schema.version),
        (Some("shop.Order"), Some(2))
    );
    let Value::Struct(back) = back.value else {
        panic!("not a struct: {:?}", back.value)
    };
    assert_eq!(back.values(), order.values(), "every Connect type as written");

    // Written by Confluent's serializer, read by the converter.
    let written = python(WRITE, &[&url]);
    let bytes: Vec<u8> = (0..written.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&written[i..i + 2], 16).unwrap())
        .collect();
    let read = converter(&url).to_connect("payments", Some(&bytes)).unwrap();
    assert_eq!(read.schema.unwrap().name.as_deref(), Some("shop.Payment"));
    let Value::Struct(payment) = read.value else {
        panic!("not a struct: {:?}", read.value)
    };
    assert_eq!(
        payment.values(),
        [
            Value::Int64(9),
            Value::Null,
            Value::Decimal(Decimal::new(1250, 2)),
            Value::Array(vec!["a".into(), "b".into()]),
        ]
    );
}
