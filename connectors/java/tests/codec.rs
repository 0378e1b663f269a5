//! Connect data survives the trip to the JVM and back: a record of every schema type and logical
//! type, with headers, goes through a Java transformation that only adds a header (Apache's
//! InsertHeader), so that what comes back is what Java decoded and encoded again.

use kconnect_api::{ConfigMap, Headers, RecordCore, Schema, SchemaAndValue, SourceRecord, Value};
use kconnect_java::JavaSettings;
use kconnect_test_kit::{every_type_row, java_plugin_worker, plugin_directory};

fn settings(dir: &std::path::Path) -> JavaSettings {
    let plugin_path = plugin_directory(dir, "connect-transforms", &["connect-transforms-"]);
    let config: ConfigMap = java_plugin_worker(&plugin_path)
        .lines()
        .filter_map(|line| line.split_once('='))
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    JavaSettings::from_worker(&config).unwrap()
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

    let (schema, value) = every_type_row();
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
