//! Connect data survives the trip to the JVM and back: a record of every schema type and logical
//! type, with headers, goes through a Java transformation that only adds a header (Apache's
//! InsertHeader), so that what comes back is what Java decoded and encoded again.

use kconnect_api::logical::{Decimal, date_schema, decimal_schema, time_schema, timestamp_schema};
use kconnect_api::{
    ConfigMap, Headers, RecordCore, Schema, SchemaAndValue, SchemaBuilder, SchemaType, SourceRecord, Struct, Value,
};
use kconnect_java::JavaSettings;
use kconnect_test_kit::{java_plugin_worker, plugin_directory};

fn settings(dir: &std::path::Path) -> JavaSettings {
    let plugin_path = plugin_directory(dir, "connect-transforms", &["connect-transforms-"]);
    let config: ConfigMap = java_plugin_worker(&plugin_path)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    JavaSettings::from_worker(&config).unwrap()
}

fn every_type() -> (kconnect_api::SchemaRef, Value) {
    let inner = SchemaBuilder::struct_()
        .name("Inner")
        .field("n", Schema::optional_int32())
        .build();
    let schema = SchemaBuilder::struct_()
        .name("com.example.Row")
        .version(3)
        .doc("a row")
        .parameter("origin", "test")
        .field("i8", Schema::int8())
        .field("i16", Schema::int16())
        .field("i32", Schema::int32())
        .field("i64", Schema::optional_int64())
        .field("f32", Schema::float32())
        .field("f64", Schema::float64())
        .field("flag", Schema::boolean())
        .field(
            "text",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .default_value("none".into())
                .build(),
        )
        .field("blob", Schema::bytes())
        .field("list", SchemaBuilder::array(Schema::string()).build())
        .field("map", SchemaBuilder::map(Schema::string(), Schema::int64()).build())
        .field("inner", inner.clone())
        .field("price", decimal_schema(2).build())
        .field("day", date_schema().build())
        .field("time", time_schema().build())
        .field("at", timestamp_schema().build())
        .build();
    let values = vec![
        Value::Int8(-8),
        Value::Int16(-300),
        Value::Int32(70_000),
        Value::Null,
        Value::Float32(1.5),
        Value::Float64(-0.25),
        Value::Boolean(true),
        Value::String("héllo, wörld".into()),
        Value::Bytes(vec![0, 1, 254, 255]),
        Value::Array(vec![Value::String("a".into()), Value::String("b".into())]),
        Value::Map(vec![(Value::String("k".into()), Value::Int64(i64::MIN))]),
        Value::Struct(Struct::with_values(inner, vec![Value::Int32(7)]).unwrap()),
        Value::Decimal(Decimal::new(-123_456_789, 2)),
        Value::Date(19_782),
        Value::Time(45_296_789),
        Value::Timestamp(1_709_210_096_789),
    ];
    let value = Value::Struct(Struct::with_values(schema.clone(), values).unwrap());
    (schema, value)
}

#[test]
fn a_record_of_every_type_comes_back_from_a_java_transformation_as_it_went() {
    let dir = tempfile::tempdir().unwrap();
    let table = kconnect_java::plugins(&settings(dir.path()))
        .unwrap()
        .expect("plugins on plugin.path");
    let mut insert = table
        .new_transformation::<SourceRecord>("org.apache.kafka.connect.transforms.InsertHeader")
        .expect("Apache's InsertHeader from the jar");
    let config: ConfigMap = [("header", "via"), ("value.literal", "jvm")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    insert.configure(&config).unwrap();

    let (schema, value) = every_type();
    let mut core = RecordCore::new("rows", SchemaAndValue::new(Some(schema), value));
    core.key = SchemaAndValue::new(None, Value::Map(vec![(Value::String("id".into()), Value::Int64(1))]));
    core.kafka_partition = Some(2);
    core.timestamp = Some(1_700_000_000_000);
    let mut headers = Headers::new();
    headers.add("trace", Some(Schema::string()), Value::String("abc".into()));
    core.headers = headers;
    let partition: kconnect_api::OffsetMap = serde_json::from_str(r#"{"file":"rows.txt"}"#).unwrap();
    let offset: kconnect_api::OffsetMap = serde_json::from_str(r#"{"position":42}"#).unwrap();
    let record = SourceRecord::new(partition, offset, core);

    let back = insert
        .apply(record.clone())
        .unwrap()
        .expect("InsertHeader keeps the record");
    let mut expected = record;
    expected
        .core
        .headers
        .add("via", Some(Schema::string()), Value::String("jvm".into()));
    assert_eq!(back, expected);
}
