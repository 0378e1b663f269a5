//! The JsonSchemaConverter against Confluent's own JSON Schema serializers (`confluent-kafka`,
//! PyPI) through kconnect's schema registry: what the converter writes, Confluent's
//! JSONDeserializer reads (validating it against the registered JSON Schema) as the same record;
//! what Confluent's JSONSerializer writes, the converter reads as the same Connect data; and the
//! registry answers Confluent's client's compatibility checks as Confluent's registry does.

mod confluent_clients;

use kconnect_api::{ConfigMap, Converter, Schema, SchemaBuilder, Value};
use kconnect_converters::JsonSchemaConverter;
use serde_json::{Value as Json, json};

use confluent_clients::{assert_reads_back, hex, order, python, read_struct, serve_registry, unhex};

const READ: &str = r#"
import json, sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONDeserializer
from confluent_kafka.serialization import MessageField, SerializationContext
record = JSONDeserializer(None, schema_registry_client=SchemaRegistryClient({"url": sys.argv[1]}))(
    bytes.fromhex(sys.argv[2]), SerializationContext("orders", MessageField.VALUE))
print(json.dumps(record))
"#;

const WRITE: &str = r#"
import sys
from confluent_kafka.schema_registry import SchemaRegistryClient
from confluent_kafka.schema_registry.json_schema import JSONSerializer
from confluent_kafka.serialization import MessageField, SerializationContext
schema = """{"$schema": "http://json-schema.org/draft-07/schema#", "title": "shop.Payment", "type": "object",
  "properties": {
    "id": {"type": "integer"},
    "note": {"oneOf": [{"type": "null"}, {"type": "string"}]},
    "score": {"type": "number"},
    "tags": {"type": "array", "items": {"type": "string"}}}}"""
data = JSONSerializer(schema, SchemaRegistryClient({"url": sys.argv[1]}))(
    {"id": 9, "note": None, "score": 0.5, "tags": ["a", "b"]},
    SerializationContext("payments", MessageField.VALUE))
print(data.hex())
"#;

/// Whether Confluent's client finds `payments-value` can take the Payment with its properties as
/// given (`True`/`False`, printed).
const COMPATIBLE: &str = r#"
import sys
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient
schema = """{"$schema": "http://json-schema.org/draft-07/schema#", "title": "shop.Payment", "type": "object",
  "properties": %s}""" % sys.argv[2]
print(SchemaRegistryClient({"url": sys.argv[1]}).test_compatibility("payments-value", Schema(schema, "JSON")))
"#;

fn converter(url: &str) -> JsonSchemaConverter {
    let mut converter = JsonSchemaConverter::default();
    let config: ConfigMap = [
        ("schema.registry.url".to_string(), url.to_string()),
        ("decimal.format".to_string(), "NUMERIC".to_string()),
    ]
    .into();
    converter.configure(&config, false).unwrap();
    converter
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn records_cross_between_the_converter_and_confluents_serializers() {
    let (registry, url) = serve_registry().await;

    // Written by the converter, read by Confluent's deserializer.
    let (schema, order) = order(
        Value::Null,
        vec![
            ("raw", Schema::bytes(), Value::Bytes(vec![1, 2])),
            (
                "counts",
                SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
                Value::Map(vec![("a".into(), Value::Int32(1))]),
            ),
            (
                "by_day",
                SchemaBuilder::map(Schema::int32(), Schema::boolean()).build(),
                Value::Map(vec![(Value::Int32(5), Value::Boolean(true))]),
            ),
            ("ratio", Schema::float64(), Value::Float64(0.25)),
        ],
    );
    let writer = converter(&url);
    let bytes = writer
        .to_bytes("orders", Some(&schema), &Value::Struct(order.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(
        &bytes[..5],
        &[0, 0, 0, 0, 1],
        "magic byte, then the id the registry gave"
    );
    assert_eq!(registry.versions("orders-value", false).unwrap(), [1]);
    assert_eq!(registry.schema(1).unwrap().schema_type, "JSON");
    let read: Json = serde_json::from_str(&python(READ, &[&url, &hex(&bytes)])).unwrap();
    assert_eq!(
        read,
        json!({"id": 7, "note": null, "price": 12.5, "created": 1_700_000_000_000i64, "tags": ["x"], "qty": 3,
               "raw": "AQI=", "counts": {"a": 1}, "by_day": [{"key": 5, "value": true}], "ratio": 0.25})
    );
    assert_reads_back(&converter(&url), &bytes, &order);

    // Written by Confluent's serializer, read by the converter.
    let written = unhex(&python(WRITE, &[&url]));
    let (payment_schema, payment) = read_struct(&converter(&url), "payments", &written);
    assert_eq!(payment_schema.name.as_deref(), Some("shop.Payment"));
    assert_eq!(
        payment,
        [
            Value::Int64(9),
            Value::Null,
            Value::Float64(0.5),
            Value::Array(vec!["a".into(), "b".into()]),
        ]
    );

    // Evolution, as Confluent's client asks it (BACKWARD): a property dropped from an open object
    // is fine; one added to it is not (old records may hold that name with any value).
    let id = r#"{"id": {"type": "integer"}}"#;
    assert_eq!(python(COMPATIBLE, &[&url, id]), "True");
    let with_extra = r#"{"id": {"type": "integer"}, "extra": {"type": "string"}}"#;
    assert_eq!(python(COMPATIBLE, &[&url, with_extra]), "False");
}
