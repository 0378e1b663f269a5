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
