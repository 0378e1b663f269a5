//! `ValueToKey`: replaces the key with a struct (or map) of some of the value's fields.

use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, SchemaBuilder, Struct, Transformation,
    Value,
};

use crate::field::{Fields, fields, map_get, replace_null_with_default};

/// Builds the key from value fields.
#[derive(Debug, Default)]
pub struct ValueToKey {
    fields: Vec<String>,
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
                let mut builder = SchemaBuilder::struct_();
                for name in &self.fields {
                    let field = s
                        .schema()
                        .field(name)
                        .ok_or_else(|| ConnectError::data(format!("Field does not exist: {name}")))?;
                    builder = builder.field(name, field.schema.clone());
                }
                let schema = builder.build();
                let mut key = Struct::new(schema.clone())?;
                for name in &self.fields {
                    key.set(name, s.get(name).cloned().unwrap_or(Value::Null))?;
                }
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
    use kconnect_api::Schema;

    use super::*;
    use crate::testing::{apply, source};

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
