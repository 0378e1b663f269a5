//! What the tests against Confluent's Python serializers share: kconnect's registry served on a
//! free port, the venv's Python running a script, and records as hex on its command line.

use std::sync::Arc;

use kconnect_api::logical::{Decimal, decimal_schema, timestamp_schema};
use kconnect_api::{Converter, Schema, SchemaBuilder, SchemaRef, Struct, Value};
use kconnect_registry::{Registry, router};

/// kconnect's registry, in memory, served on a free port: the registry and its URL.
pub async fn serve_registry() -> (Arc<Registry>, String) {
    let registry = Arc::new(Registry::new());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(axum::serve(listener, router(registry.clone())).into_future());
    (registry, url)
}

/// What `script`, run with `args` by the venv's Python, printed.
pub fn python(script: &str, args: &[&str]) -> String {
    let output = std::process::Command::new(kconnect_test_kit::venv_python())
        .args(["-W", "ignore", "-c", script])
        .args(args)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap().trim().to_string()
}

/// `bytes` as hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The bytes of `hex`.
pub fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The schema and field values of the struct `converter` reads from `bytes` on `topic`.
pub fn read_struct(converter: &dyn Converter, topic: &str, bytes: &[u8]) -> (SchemaRef, Vec<Value>) {
    let read = converter.to_connect(topic, Some(bytes)).unwrap();
    let Value::Struct(record) = read.value else {
        panic!("not a struct: {:?}", read.value)
    };
    (read.schema.unwrap(), record.values().to_vec())
}

/// The order the tests write: `shop.Order` version 2 with an id (7), a `note`, a price (Decimal
/// 12.50), a creation Timestamp, tags (`["x"]`) and a quantity (INT16 3), then the `more` fields.
pub fn order(note: Value, more: Vec<(&str, SchemaRef, Value)>) -> (SchemaRef, Struct) {
    let mut fields = vec![
        ("id", Schema::int64(), Value::Int64(7)),
        ("note", Schema::optional_string(), note),
        (
            "price",
            decimal_schema(2).build(),
            Value::Decimal(Decimal::new(1250, 2)),
        ),
        (
            "created",
            timestamp_schema().build(),
            Value::Timestamp(1_700_000_000_000),
        ),
        (
            "tags",
            SchemaBuilder::array(Schema::string()).build(),
            Value::Array(vec!["x".into()]),
        ),
        ("qty", Schema::int16(), Value::Int16(3)),
    ];
    fields.extend(more);
    let builder = SchemaBuilder::struct_().name("shop.Order").version(2);
    let schema = fields
        .iter()
        .fold(builder, |builder, (name, schema, _)| {
            builder.field(*name, schema.clone())
        })
        .build();
    let mut record = Struct::new(schema.clone()).unwrap();
    for (name, _, value) in fields {
        record = record.put(name, value).unwrap();
    }
    (schema, record)
}

/// Asserts that `converter` reads `bytes` on topic `orders` back as `order`, with its schema's name
/// and version.
pub fn assert_reads_back(converter: &dyn Converter, bytes: &[u8], order: &Struct) {
    let (schema, values) = read_struct(converter, "orders", bytes);
    assert_eq!((schema.name.as_deref(), schema.version), (Some("shop.Order"), Some(2)));
    assert_eq!(values, order.values(), "every Connect type as written");
}
