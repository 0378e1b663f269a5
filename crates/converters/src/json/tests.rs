//! Vectors from Apache's `JsonConverterTest`: the exact JSON Apache writes for each schema type,
//! and round trips through our converter.

use kconnect_api::logical::{Decimal, date_schema, decimal_schema, time_schema, timestamp_schema};
use kconnect_api::{Schema, SchemaBuilder, SchemaType, Struct};
use serde_json::json;

use super::*;

fn converter(settings: JsonSettings) -> JsonConverter {
    JsonConverter::with_settings(settings)
}

fn struct_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .field("field1", Schema::boolean())
        .field("field2", Schema::string())
        .field("field3", Schema::string())
        .field("field4", Schema::boolean())
        .build()
}

/// (schema, value, the exact bytes Apache's JsonConverter writes with schemas.enable=true)
fn vectors() -> Vec<(SchemaRef, Value, &'static str)> {
    let row = Struct::new(struct_schema())
        .unwrap()
        .put("field1", true)
        .unwrap()
        .put("field2", "string2")
        .unwrap()
        .put("field3", "string3")
        .unwrap()
        .put("field4", false)
        .unwrap();
    vec![
        (
            Schema::boolean(),
            Value::Boolean(true),
            r#"{"schema":{"type":"boolean","optional":false},"payload":true}"#,
        ),
        (
            Schema::int8(),
            Value::Int8(12),
            r#"{"schema":{"type":"int8","optional":false},"payload":12}"#,
        ),
        (
            Schema::int16(),
            Value::Int16(12),
            r#"{"schema":{"type":"int16","optional":false},"payload":12}"#,
        ),
        (
            Schema::int32(),
            Value::Int32(12),
            r#"{"schema":{"type":"int32","optional":false},"payload":12}"#,
        ),
        (
            Schema::int64(),
            Value::Int64(4_398_046_511_104),
            r#"{"schema":{"type":"int64","optional":false},"payload":4398046511104}"#,
        ),
        (
            Schema::float32(),
            Value::Float32(12.34),
            r#"{"schema":{"type":"float","optional":false},"payload":12.34}"#,
        ),
        (
            Schema::float64(),
            Value::Float64(12.34),
            r#"{"schema":{"type":"double","optional":false},"payload":12.34}"#,
        ),
        (
            Schema::string(),
            Value::from("test-string"),
            r#"{"schema":{"type":"string","optional":false},"payload":"test-string"}"#,
        ),
        (
            Schema::bytes(),
            Value::Bytes(b"test-string".to_vec()),
            r#"{"schema":{"type":"bytes","optional":false},"payload":"dGVzdC1zdHJpbmc="}"#,
        ),
        (
            SchemaBuilder::array(Schema::int32()).build(),
            Value::Array(vec![Value::Int32(1), Value::Int32(2), Value::Int32(3)]),
            r#"{"schema":{"type":"array","items":{"type":"int32","optional":false},"optional":false},"payload":[1,2,3]}"#,
        ),
        (
            SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
            Value::Map(vec![
                ("key1".into(), Value::Int32(12)),
                ("key2".into(), Value::Int32(15)),
            ]),
            r#"{"schema":{"type":"map","keys":{"type":"string","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":{"key1":12,"key2":15}}"#,
        ),
        (
            SchemaBuilder::map(Schema::int32(), Schema::int32()).build(),
            Value::Map(vec![
                (Value::Int32(1), Value::Int32(12)),
                (Value::Int32(2), Value::Int32(15)),
            ]),
            r#"{"schema":{"type":"map","keys":{"type":"int32","optional":false},"values":{"type":"int32","optional":false},"optional":false},"payload":[[1,12],[2,15]]}"#,
        ),
        (
            struct_schema(),
            Value::Struct(row),
            r#"{"schema":{"type":"struct","fields":[{"type":"boolean","optional":false,"field":"field1"},{"type":"string","optional":false,"field":"field2"},{"type":"string","optional":false,"field":"field3"},{"type":"boolean","optional":false,"field":"field4"}],"optional":false},"payload":{"field1":true,"field2":"string2","field3":"string3","field4":false}}"#,
        ),
        (
            decimal_schema(2).build(),
            Value::Decimal(Decimal::new(156, 2)),
            r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":"AJw="}"#,
        ),
        (
            date_schema().build(),
            Value::Date(10_000),
            r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Date","version":1},"payload":10000}"#,
        ),
        (
            time_schema().build(),
            Value::Time(14_400_000),
            r#"{"schema":{"type":"int32","optional":false,"name":"org.apache.kafka.connect.data.Time","version":1},"payload":14400000}"#,
        ),
        (
            timestamp_schema().build(),
            Value::Timestamp(4_000_000_000),
            r#"{"schema":{"type":"int64","optional":false,"name":"org.apache.kafka.connect.data.Timestamp","version":1},"payload":4000000000}"#,
        ),
        (
            SchemaBuilder::new(SchemaType::Int32)
                .optional()
                .default_value(Value::Int32(42))
                .name("n")
                .version(3)
                .doc("answer")
                .build(),
            Value::Int32(7),
            r#"{"schema":{"type":"int32","optional":true,"name":"n","version":3,"doc":"answer","default":42},"payload":7}"#,
        ),
    ]
}

#[test]
fn writes_exactly_what_apache_writes_for_every_type() {
    let c = converter(JsonSettings::default());
    for (schema, value, expected) in vectors() {
        let bytes = c.to_bytes("topic", Some(&schema), &value).unwrap().unwrap();
        assert_eq!(String::from_utf8(bytes).unwrap(), expected);
    }
}

#[test]
fn each_schema_is_written_as_itself_when_schemas_alternate() {
    let c = converter(JsonSettings::default());
    let documented = |doc: &str| SchemaBuilder::new(SchemaType::Int32).doc(doc).build();
    for _ in 0..2 {
        for doc in ["first", "second"] {
            let bytes = c
                .to_bytes("topic", Some(&documented(doc)), &Value::Int32(1))
                .unwrap()
                .unwrap();
            let expected = format!(r#"{{"schema":{{"type":"int32","optional":false,"doc":"{doc}"}},"payload":1}}"#);
            assert_eq!(String::from_utf8(bytes).unwrap(), expected);
        }
    }
}

#[test]
fn reads_back_every_vector() {
    let c = converter(JsonSettings::default());
    for (schema, value, text) in vectors() {
        let back = c.to_connect("topic", Some(text.as_bytes())).unwrap();
        assert_eq!(back.schema.as_ref(), Some(&schema), "{text}");
        assert_eq!(back.value, value, "{text}");
    }
}

#[test]
fn doubles_round_trip_to_the_last_bit() {
    let c = converter(JsonSettings::default());
    let schema = Schema::float64();
    for double in [90.333_333_333_333_33, 0.1 + 0.2, f64::MAX, 5e-324, -1.0 / 3.0] {
        let bytes = c
            .to_bytes("topic", Some(&schema), &Value::Float64(double))
            .unwrap()
            .unwrap();
        let back = c.to_connect("topic", Some(&bytes)).unwrap();
        assert_eq!(
            back.value,
            Value::Float64(double),
            "{}",
            String::from_utf8_lossy(&bytes)
        );
    }
}

#[test]
fn the_inventory_example_round_trips() {
    let text = r#"{"schema":{"type":"struct","fields":[{"type":"int32","optional":false,"field":"id"},{"type":"string","optional":true,"field":"name"},{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"},"field":"amt"}],"optional":false,"name":"com.ex.Row"},"payload":{"id":1,"name":null,"amt":"BNI="}}"#;
    let c = converter(JsonSettings::default());
    let data = c.to_connect("t", Some(text.as_bytes())).unwrap();
    let row = data.value.as_struct().unwrap();
    assert_eq!(row.get("amt"), Some(&Value::Decimal(Decimal::new(1234, 2))));
    let bytes = c.to_bytes("t", data.schema.as_ref(), &data.value).unwrap().unwrap();
    assert_eq!(String::from_utf8(bytes).unwrap(), text);
}

#[test]
fn numeric_decimals() {
    let settings = JsonSettings {
        decimal_format: DecimalFormat::Numeric,
        ..JsonSettings::default()
    };
    let c = converter(settings);
    let schema = decimal_schema(2).build();
    let bytes = c
        .to_bytes("t", Some(&schema), &Value::Decimal(Decimal::new(156, 2)))
        .unwrap()
        .unwrap();
    assert_eq!(
        String::from_utf8(bytes.clone()).unwrap(),
        r#"{"schema":{"type":"bytes","optional":false,"name":"org.apache.kafka.connect.data.Decimal","version":1,"parameters":{"scale":"2"}},"payload":1.56}"#
    );
    assert_eq!(
        c.to_connect("t", Some(&bytes)).unwrap().value,
        Value::Decimal(Decimal::new(156, 2))
    );
}

#[test]
fn schemaless_mode() {
    let c = converter(JsonSettings {
        schemas_enable: false,
        ..JsonSettings::default()
    });
    let value = Value::Map(vec![
        ("a".into(), Value::Int64(1)),
        (
            "b".into(),
            Value::Array(vec![Value::Float64(1.5), Value::Boolean(true)]),
        ),
    ]);
    let bytes = c.to_bytes("t", None, &value).unwrap().unwrap();
    assert_eq!(bytes, br#"{"a":1,"b":[1.5,true]}"#);
    let back = c.to_connect("t", Some(&bytes)).unwrap();
    assert_eq!(back.schema, None);
    assert_eq!(back.value, value);
    let mixed = Value::Map(vec![(Value::Int64(1), "x".into())]);
    assert_eq!(c.to_bytes("t", None, &mixed).unwrap().unwrap(), br#"[[1,"x"]]"#);
}

#[test]
fn tombstones_and_nulls() {
    let c = converter(JsonSettings::default());
    assert_eq!(c.to_bytes("t", None, &Value::Null).unwrap(), None);
    assert_eq!(c.to_connect("t", None).unwrap(), SchemaAndValue::NULL);
    let optional = Schema::optional_string();
    assert_eq!(
        c.to_bytes("t", Some(&optional), &Value::Null).unwrap().unwrap(),
        br#"{"schema":{"type":"string","optional":true},"payload":null}"#
    );
    assert!(c.to_bytes("t", Some(&Schema::string()), &Value::Null).is_err());
}

#[test]
fn replace_null_with_default() {
    let schema = SchemaBuilder::new(SchemaType::Int32)
        .optional()
        .default_value(Value::Int32(42))
        .build();
    let replacing = converter(JsonSettings::default());
    let keeping = converter(JsonSettings {
        replace_null_with_default: false,
        ..JsonSettings::default()
    });
    let written = |c: &JsonConverter| {
        let bytes = c.to_bytes("t", Some(&schema), &Value::Null).unwrap().unwrap();
        serde_json::from_slice::<serde_json::Value>(&bytes).unwrap()["payload"].clone()
    };
    assert_eq!(written(&replacing), json!(42));
    assert_eq!(written(&keeping), json!(null));
}

#[test]
fn envelope_is_required_when_schemas_are_enabled() {
    let c = converter(JsonSettings::default());
    let err = c.to_connect("t", Some(br#"{"a":1}"#)).unwrap_err();
    assert!(err.to_string().contains("schemas.enable=false"), "{err}");
    assert!(c.to_connect("t", Some(b"not json")).unwrap_err().is_data());
    let wrong = br#"{"schema":{"type":"int32","optional":false},"payload":"x"}"#;
    assert!(c.to_connect("t", Some(wrong)).unwrap_err().is_data());
}

#[test]
fn configure_reads_apache_keys() {
    let mut c = JsonConverter::default();
    let config: ConfigMap = [("schemas.enable", "false"), ("decimal.format", "numeric")]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    c.configure(&config, false).unwrap();
    assert!(!c.settings.schemas_enable);
    assert_eq!(c.settings.decimal_format, DecimalFormat::Numeric);
    let bad: ConfigMap = [("decimal.format".to_string(), "HEX".to_string())].into();
    assert!(
        c.configure(&bad, false)
            .unwrap_err()
            .to_string()
            .contains("decimal.format")
    );
}
