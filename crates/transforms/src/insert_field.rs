//! `InsertField$Key` / `$Value`: adds the record's topic, partition, offset, timestamp and/or a
//! static value as fields. A name ending in `!` makes the field required, `?` (the default) optional.

use kconnect_api::logical::timestamp_schema;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, Schema, SchemaAndValue, SchemaRef, Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use crate::Side;
use crate::field::{Fields, entries, optional_string, rebuild, replace_null_with_default, take_fields};

const TOPIC: &str = "topic.field";
const PARTITION: &str = "partition.field";
const OFFSET: &str = "offset.field";
const TIMESTAMP: &str = "timestamp.field";
const STATIC_FIELD: &str = "static.field";
const STATIC_VALUE: &str = "static.value";

/// A field to insert: its name and whether it is optional.
#[derive(Debug, Clone)]
struct Insertion {
    name: String,
    optional: bool,
}

fn insertion(raw: Option<&str>) -> Option<Insertion> {
    let raw = raw.filter(|r| !r.is_empty())?;
    Some(match raw.strip_suffix('!') {
        Some(name) => Insertion {
            name: name.to_string(),
            optional: false,
        },
        None => Insertion {
            name: raw.strip_suffix('?').unwrap_or(raw).to_string(),
            optional: true,
        },
    })
}

/// Adds record metadata fields.
#[derive(Debug)]
pub struct InsertField {
    side: Side,
    topic: Option<Insertion>,
    partition: Option<Insertion>,
    offset: Option<Insertion>,
    timestamp: Option<Insertion>,
    static_field: Option<Insertion>,
    static_value: Option<String>,
    schemas: SchemaMemo<SchemaRef>,
}

impl InsertField {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            topic: None,
            partition: None,
            offset: None,
            timestamp: None,
            static_field: None,
            static_value: None,
            schemas: SchemaMemo::default(),
        }
    }

    /// Each inserted field with its schema and value for `record`.
    fn insertions<R: ConnectRecord>(&self, record: &R) -> Result<Vec<(&Insertion, SchemaRef, Value)>> {
        let core = record.core();
        let schema = |insertion: &Insertion, required: SchemaRef, optional: SchemaRef| {
            if insertion.optional { optional } else { required }
        };
        let mut out = Vec::new();
        if let Some(i) = &self.topic {
            out.push((
                i,
                schema(i, Schema::string(), Schema::optional_string()),
                Value::String(core.topic.clone()),
            ));
        }
        if let Some(i) = &self.partition {
            let value = core.kafka_partition.map_or(Value::Null, Value::Int32);
            out.push((i, schema(i, Schema::int32(), Schema::optional_int32()), value));
        }
        if let Some(i) = &self.offset {
            let offset = record.kafka_offset().ok_or_else(|| {
                ConnectError::data(
                    "Offset field insertion is only supported for sink connectors, record is of type: SourceRecord",
                )
            })?;
            out.push((
                i,
                schema(i, Schema::int64(), Schema::optional_int64()),
                Value::Int64(offset),
            ));
        }
        if let Some(i) = &self.timestamp {
            let value = core.timestamp.map_or(Value::Null, Value::Timestamp);
            out.push((
                i,
                schema(i, timestamp_schema().build(), timestamp_schema().optional().build()),
                value,
            ));
        }
        if let Some(i) = &self.static_field {
            let value = self.static_value.clone().map_or(Value::Null, Value::String);
            out.push((i, schema(i, Schema::string(), Schema::optional_string()), value));
        }
        Ok(out)
    }
}

impl<R: ConnectRecord> Transformation<R> for InsertField {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(optional_string(TOPIC, "Field name for Kafka topic. Suffix with ! to make this a required field, or ? to keep it optional (the default)."))
            .define(optional_string(PARTITION, "Field name for Kafka partition. Suffix with ! to make this a required field, or ? to keep it optional (the default)."))
            .define(optional_string(OFFSET, "Field name for Kafka offset - only applicable to sink connectors. Suffix with ! to make this a required field, or ? to keep it optional (the default)."))
            .define(optional_string(TIMESTAMP, "Field name for record timestamp. Suffix with ! to make this a required field, or ? to keep it optional (the default)."))
            .define(optional_string(STATIC_FIELD, "Field name for static data field. Suffix with ! to make this a required field, or ? to keep it optional (the default)."))
            .define(optional_string(STATIC_VALUE, "Static field value, if field name configured."))
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.topic = insertion(parsed.string(TOPIC));
        self.partition = insertion(parsed.string(PARTITION));
        self.offset = insertion(parsed.string(OFFSET));
        self.timestamp = insertion(parsed.string(TIMESTAMP));
        self.static_field = insertion(parsed.string(STATIC_FIELD));
        self.static_value = parsed.string(STATIC_VALUE).map(str::to_string);
        if self.static_field.is_some() != self.static_value.is_some() {
            return Err(ConnectError::config(
                STATIC_FIELD,
                "static.field and static.value must be set together",
            ));
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        if self.side.data(record.core()).value.is_null() {
            return Ok(Some(record));
        }
        let insertions = self.insertions(&record)?;
        let data = self.side.data_mut(record.core_mut());
        let updated = match take_fields(data.schema.is_some(), &mut data.value, "field insertion")? {
            Fields::Struct(original) => {
                let base = original.schema().clone();
                let mut fields: Vec<_> = entries(&base, original.into_values()).collect();
                fields.extend(
                    insertions
                        .into_iter()
                        .map(|(insertion, schema, value)| (insertion.name.as_str(), schema, value)),
                );
                rebuild(&self.schemas, &base, fields)?
            }
            Fields::Map(mut entries) => {
                for (insertion, _, value) in insertions {
                    entries.retain(|(k, _)| k.as_str() != Some(insertion.name.as_str()));
                    entries.push((Value::String(insertion.name.clone()), value));
                }
                SchemaAndValue::new(None, Value::Map(entries))
            }
        };
        *data = updated;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{SchemaBuilder, SourceRecord, Struct};

    use super::*;
    use crate::testing::{apply, config, sink, source};

    fn row() -> SchemaAndValue {
        let schema = SchemaBuilder::struct_()
            .name("name")
            .version(1)
            .field("magic", Schema::int64())
            .build();
        let row = Struct::new(schema.clone())
            .unwrap()
            .put("magic", Value::Int64(42))
            .unwrap();
        SchemaAndValue::new(Some(schema), Value::Struct(row))
    }

    const ALL: [(&str, &str); 5] = [
        ("topic.field", "topic_field!"),
        ("partition.field", "partition_field"),
        ("timestamp.field", "timestamp_field?"),
        ("static.field", "instance_id"),
        ("static.value", "my-instance-id"),
    ];

    #[test]
    fn inserts_into_structs_as_apaches_test_does() {
        let out = apply(InsertField::new(Side::Value), &ALL, source(row()))
            .unwrap()
            .unwrap();
        let value = out.value.value.as_struct().unwrap();
        let schema = value.schema();
        assert_eq!(schema.name.as_deref(), Some("name"));
        assert_eq!(schema.version, Some(1));
        assert_eq!(value.get("magic"), Some(&Value::Int64(42)));
        assert_eq!(schema.field("topic_field").unwrap().schema, Schema::string());
        assert_eq!(value.get("topic_field"), Some(&Value::from("test")));
        assert_eq!(
            schema.field("partition_field").unwrap().schema,
            Schema::optional_int32()
        );
        assert_eq!(value.get("partition_field"), Some(&Value::Int32(0)));
        assert_eq!(
            schema.field("timestamp_field").unwrap().schema.name.as_deref(),
            Some(kconnect_api::logical::TIMESTAMP_NAME)
        );
        assert_eq!(value.get("timestamp_field"), Some(&Value::Timestamp(1_483_425_001_864)));
        assert_eq!(value.get("instance_id"), Some(&Value::from("my-instance-id")));
    }

    #[test]
    fn one_instance_gives_each_record_the_schema_of_its_own_fields() {
        let mut insert = InsertField::new(Side::Value);
        Transformation::<SourceRecord>::configure(&mut insert, &config(&[("topic.field", "topic")])).unwrap();
        let one_field = |name: &str| {
            let schema = SchemaBuilder::struct_().field(name, Schema::int64()).build();
            source(SchemaAndValue::new(
                Some(schema.clone()),
                Value::Struct(Struct::new(schema).unwrap().put(name, 1i64).unwrap()),
            ))
        };
        for name in ["a", "b", "a"] {
            let out = insert.apply(one_field(name)).unwrap().unwrap();
            let value = out.value.value.as_struct().unwrap();
            let names: Vec<_> = value.schema().fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, [name, "topic"]);
            assert_eq!(out.value.schema.as_ref(), Some(value.schema()));
            assert_eq!(value.get(name), Some(&Value::Int64(1)));
        }
    }

    #[test]
    fn inserts_into_maps_and_offsets_only_for_sinks() {
        let map = SchemaAndValue::new(None, Value::Map(vec![("magic".into(), Value::Int64(42))]));
        let config = [("offset.field", "offset"), ("topic.field", "topic")];
        let out = apply(InsertField::new(Side::Value), &config, sink(map.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(
            out.value.value,
            Value::Map(vec![
                ("magic".into(), Value::Int64(42)),
                ("topic".into(), "test".into()),
                ("offset".into(), Value::Int64(42))
            ])
        );
        let err = apply(InsertField::new(Side::Value), &config, source(map)).unwrap_err();
        assert!(err.to_string().contains("only supported for sink connectors"), "{err}");
    }

    #[test]
    fn tombstones_pass_and_bad_data_is_named() {
        let out = apply(InsertField::new(Side::Value), &ALL, source(SchemaAndValue::NULL))
            .unwrap()
            .unwrap();
        assert_eq!(out.value, SchemaAndValue::NULL);
        let err = apply(
            InsertField::new(Side::Value),
            &ALL,
            source(SchemaAndValue::new(None, Value::Int64(1))),
        )
        .unwrap_err();
        assert!(err.to_string().contains("field insertion"), "{err}");
        let half = [("static.field", "x")];
        assert!(
            apply(InsertField::new(Side::Value), &half, source(row()))
                .unwrap_err()
                .to_string()
                .contains("static.field")
        );
    }
}
