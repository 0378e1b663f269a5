//! `ValueToKey`: replaces the key with a struct (or map) of some of the value's fields.

use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, SchemaBuilder, SchemaRef, Struct,
    Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use crate::field::{Fields, fields, map_get, replace_null_with_default};

/// Builds the key from value fields.
#[derive(Debug, Default)]
pub struct ValueToKey {
    fields: Vec<String>,
    /// The key schema for each value schema.
    schemas: SchemaMemo<SchemaRef>,
}

impl<R: ConnectRecord> Transformation<R> for ValueToKey {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("fields", ConfigType::List)
                    .importance(Importance::High)
                    .doc("Field names on the record value to extract as the record key."),
            )
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.fields = Transformation::<R>::config_def(self).parse(config)?.list("fields");
        if self.fields.is_empty() {
            return Err(ConnectError::config("fields", "Must specify at least one field"));
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let value = &record.core().value;
        let key = match fields(value.schema.is_some(), &value.value, "copying fields from value to key")? {
            Fields::Struct(s) => {
                let schema = self.schemas.get_or_try_insert(s.schema(), |value_schema| {
                    let mut builder = SchemaBuilder::struct_();
                    for name in &self.fields {
                        let field = value_schema
                            .field(name)
                            .ok_or_else(|| ConnectError::data(format!("Field does not exist: {name}")))?;
                        builder = builder.field(name, field.schema.clone());
                    }
                    Ok(builder.build())
                })?;
                let values = self
                    .fields
                    .iter()
                    .map(|name| s.get(name).cloned().unwrap_or(Value::Null))
                    .collect();
                let key = Struct::with_values(schema.clone(), values)?;
                SchemaAndValue::new(Some(schema), Value::Struct(key))
            }
            Fields::Map(entries) => SchemaAndValue::new(
                None,
                Value::Map(
                    self.fields
                        .iter()
                        .map(|name| {
                            (
                                Value::String(name.clone()),
                                map_get(entries, name).cloned().unwrap_or(Value::Null),
                            )
                        })
                        .collect(),
                ),
            ),
        };
        record.core_mut().key = key;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SourceRecord};

    use super::*;
    use crate::testing::{apply, config, source};

    #[test]
    fn copies_value_fields_into_the_key() {
        let schema = SchemaBuilder::struct_()
            .field("a", Schema::int32())
            .field("b", Schema::int32())
            .field("c", Schema::int32())
            .build();
        let row = Struct::new(schema.clone())
            .unwrap()
            .put("a", 1)
            .unwrap()
            .put("b", 2)
            .unwrap()
            .put("c", 3)
            .unwrap();
        let out = apply(
            ValueToKey::default(),
            &[("fields", "a,b")],
            source(SchemaAndValue::new(Some(schema), Value::Struct(row))),
        )
        .unwrap()
        .unwrap();
        let key = out.key.value.as_struct().unwrap();
        assert_eq!(key.values(), [Value::Int32(1), Value::Int32(2)]);

        let map = Value::Map(vec![("a".into(), Value::Int64(1)), ("b".into(), Value::Int64(2))]);
        let out = apply(
            ValueToKey::default(),
            &[("fields", "b")],
            source(SchemaAndValue::new(None, map)),
        )
        .unwrap()
        .unwrap();
        assert_eq!(out.key.value, Value::Map(vec![("b".into(), Value::Int64(2))]));
    }

    #[test]
    fn one_instance_keys_each_record_by_its_own_value_schema() {
        let mut to_key = ValueToKey::default();
        Transformation::<SourceRecord>::configure(&mut to_key, &config(&[("fields", "id")])).unwrap();
        let row = |id: Value, id_schema: SchemaRef| {
            let schema = SchemaBuilder::struct_().field("id", id_schema).build();
            let value = Struct::with_values(schema.clone(), vec![id]).unwrap();
            source(SchemaAndValue::new(Some(schema), Value::Struct(value)))
        };
        for _ in 0..2 {
            let out = to_key.apply(row(Value::Int32(1), Schema::int32())).unwrap().unwrap();
            assert_eq!(out.key.value.as_struct().unwrap().get("id"), Some(&Value::Int32(1)));
            let out = to_key.apply(row(Value::from("x"), Schema::string())).unwrap().unwrap();
            assert_eq!(out.key.value.as_struct().unwrap().get("id"), Some(&Value::from("x")));
            assert_eq!(out.key.schema.as_ref().unwrap().fields[0].schema, Schema::string());
        }
    }

    #[test]
    fn missing_fields_are_named() {
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let row = Struct::new(schema.clone()).unwrap().put("a", 1).unwrap();
        let err = apply(
            ValueToKey::default(),
            &[("fields", "z")],
            source(SchemaAndValue::new(Some(schema), Value::Struct(row))),
        )
        .unwrap_err();
        assert!(err.to_string().contains("z"), "{err}");
        assert!(
            apply(ValueToKey::default(), &[], source(SchemaAndValue::NULL))
                .unwrap_err()
                .to_string()
                .contains("fields")
        );
    }
}
