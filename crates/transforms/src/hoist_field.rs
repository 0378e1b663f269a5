//! `HoistField$Key` / `$Value`: wraps the key or value in a struct (or map) under `field`.

use kconnect_api::{
    ConfigDef, ConfigMap, ConnectRecord, Result, SchemaAndValue, SchemaBuilder, SchemaRef, Struct, Transformation,
    Value,
};
use kconnect_memo::SchemaMemo;

use crate::Side;
use crate::field::required_string;

/// Wraps data in a one-field struct or map.
#[derive(Debug)]
pub struct HoistField {
    side: Side,
    field: String,
    schemas: SchemaMemo<SchemaRef>,
}

impl HoistField {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            field: String::new(),
            schemas: SchemaMemo::default(),
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for HoistField {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new().define(required_string(
            "field",
            "Field name for the single field that will be created in the resulting Struct or Map.",
        ))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.field = Transformation::<R>::config_def(self)
            .parse(config)?
            .string("field")
            .unwrap_or_default()
            .to_string();
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data_mut(record.core_mut());
        let value = std::mem::replace(&mut data.value, Value::Null);
        *data = match data.schema.take() {
            Some(schema) => {
                let wrapper = self.schemas.get_or_try_insert(&schema, |schema| {
                    Ok(SchemaBuilder::struct_().field(&self.field, schema.clone()).build())
                })?;
                let hoisted = Struct::with_values(wrapper.clone(), vec![value])?;
                SchemaAndValue::new(Some(wrapper), Value::Struct(hoisted))
            }
            None => SchemaAndValue::new(None, Value::Map(vec![(Value::String(self.field.clone()), value)])),
        };
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaAndValue, Value};

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn wraps_with_and_without_schema() {
        // Apache's documented example: hoisting 42 under "line" gives {"line":42}.
        let record = source(SchemaAndValue::new(Some(Schema::int32()), Value::Int32(42)));
        let out = apply(HoistField::new(Side::Value), &[("field", "line")], record)
            .unwrap()
            .unwrap();
        let hoisted = out.value.value.as_struct().unwrap();
        assert_eq!(hoisted.get("line"), Some(&Value::Int32(42)));
        assert_eq!(hoisted.schema().field("line").unwrap().schema, Schema::int32());

        let record = source(SchemaAndValue::new(None, Value::Int64(42)));
        let out = apply(HoistField::new(Side::Value), &[("field", "line")], record)
            .unwrap()
            .unwrap();
        assert_eq!(out.value.value, Value::Map(vec![("line".into(), Value::Int64(42))]));
        assert_eq!(out.value.schema, None);
    }

    #[test]
    fn the_key_variant_hoists_the_key() {
        let mut record = source(SchemaAndValue::new(None, "v".into()));
        record.key = SchemaAndValue::new(None, "k".into());
        let out = apply(HoistField::new(Side::Key), &[("field", "id")], record)
            .unwrap()
            .unwrap();
        assert_eq!(out.key.value, Value::Map(vec![("id".into(), "k".into())]));
        assert_eq!(out.value.value, Value::from("v"));
    }

    #[test]
    fn field_is_required() {
        let record = source(SchemaAndValue::new(None, Value::Int64(1)));
        let err = apply(HoistField::new(Side::Value), &[], record).unwrap_err();
        assert!(err.to_string().contains("field"), "{err}");
    }
}
