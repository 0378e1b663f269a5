//! `MaskField$Key` / `$Value`: replaces fields with their type's empty value (0, false, "", …) or
//! with `replacement`.

use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::logical::Decimal;
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, Struct, Transformation, Value,
};

use crate::Side;
use crate::field::{Fields, fields, optional_string, replace_null_with_default};

/// Masks fields.
#[derive(Debug)]
pub struct MaskField {
    side: Side,
    fields: Vec<String>,
    replacement: Option<String>,
}

impl MaskField {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            fields: Vec::new(),
            replacement: None,
        }
    }

    /// The masked form of `value`.
    fn mask(&self, value: &Value) -> Result<Value> {
        let Some(replacement) = &self.replacement else {
            return Ok(empty(value));
        };
        let bad = || {
            ConnectError::data(format!(
                "Unable to convert {replacement} ({}) to number",
                value.type_name()
            ))
        };
        Ok(match value {
            Value::Null => Value::Null,
            Value::String(_) => Value::String(replacement.clone()),
            Value::Int8(_) => Value::Int8(replacement.parse().map_err(|_| bad())?),
            Value::Int16(_) => Value::Int16(replacement.parse().map_err(|_| bad())?),
            Value::Int32(_) => Value::Int32(replacement.parse().map_err(|_| bad())?),
            Value::Int64(_) => Value::Int64(replacement.parse().map_err(|_| bad())?),
            Value::Float32(_) => Value::Float32(replacement.parse().map_err(|_| bad())?),
            Value::Float64(_) => Value::Float64(replacement.parse().map_err(|_| bad())?),
            Value::Decimal(_) => Value::Decimal(Decimal::parse(replacement).map_err(|_| bad())?),
            other => {
                return Err(ConnectError::data(format!(
                    "Cannot mask value of type {} with custom replacement.",
                    other.type_name()
                )));
            }
        })
    }
}

/// The empty value of a value's type, as Apache's MaskField uses.
fn empty(value: &Value) -> Value {
    match value {
        Value::Null => Value::Null,
        Value::Int8(_) => Value::Int8(0),
        Value::Int16(_) => Value::Int16(0),
        Value::Int32(_) => Value::Int32(0),
        Value::Int64(_) => Value::Int64(0),
        Value::Float32(_) => Value::Float32(0.0),
        Value::Float64(_) => Value::Float64(0.0),
        Value::Boolean(_) => Value::Boolean(false),
        Value::String(_) => Value::String(String::new()),
        Value::Bytes(_) => Value::Bytes(Vec::new()),
        Value::Array(_) => Value::Array(Vec::new()),
        Value::Map(_) => Value::Map(Vec::new()),
        Value::Struct(s) => Struct::new(s.schema().clone()).map_or(Value::Null, Value::Struct),
        Value::Decimal(d) => Value::Decimal(Decimal::new(0, d.scale)),
        Value::Date(_) => Value::Date(0),
        Value::Time(_) => Value::Time(0),
        Value::Timestamp(_) => Value::Timestamp(0),
    }
}

impl<R: ConnectRecord> Transformation<R> for MaskField {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("fields", ConfigType::List)
                    .importance(Importance::High)
                    .doc("Names of fields to mask."),
            )
            .define(optional_string("replacement", "Custom value replacement, that will be applied to all 'fields' values (numeric or non-empty string values only)."))
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.fields = parsed.list("fields");
        if self.fields.is_empty() {
            return Err(ConnectError::config(
                "fields",
                "Must specify at least one field to mask",
            ));
        }
        self.replacement = parsed.string("replacement").map(str::to_string);
        if self.replacement.as_deref() == Some("") {
            return Err(ConnectError::config("replacement", "String may not be empty"));
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data(record.core());
        if data.value.is_null() {
            return Ok(Some(record));
        }
        let updated = match fields(data.schema.is_some(), &data.value, "mask fields")? {
            Fields::Struct(original) => {
                let mut masked = original.clone();
                for name in &self.fields {
                    let value = original
                        .get_without_default(name)
                        .ok_or_else(|| ConnectError::data(format!("{name} is not a valid field name")))?;
                    masked.set(name, self.mask(value)?)?;
                }
                SchemaAndValue::new(data.schema.clone(), Value::Struct(masked))
            }
            Fields::Map(entries) => {
                let masked = entries
                    .iter()
                    .map(|(k, v)| match k.as_str() {
                        Some(name) if self.fields.iter().any(|f| f == name) => Ok((k.clone(), self.mask(v)?)),
                        _ => Ok((k.clone(), v.clone())),
                    })
                    .collect::<Result<_>>()?;
                SchemaAndValue::new(None, Value::Map(masked))
            }
        };
        *self.side.data_mut(record.core_mut()) = updated;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder};

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn masks_with_empty_values_or_a_replacement() {
        let schema = SchemaBuilder::struct_()
            .field("card", Schema::string())
            .field("cvv", Schema::int32())
            .field("name", Schema::string())
            .build();
        let row = Struct::new(schema.clone())
            .unwrap()
            .put("card", "4111")
            .unwrap()
            .put("cvv", 123)
            .unwrap()
            .put("name", "ann")
            .unwrap();
        let data = SchemaAndValue::new(Some(schema), Value::Struct(row));
        let out = apply(
            MaskField::new(Side::Value),
            &[("fields", "card,cvv")],
            source(data.clone()),
        )
        .unwrap()
        .unwrap();
        let value = out.value.value.as_struct().unwrap();
        assert_eq!(value.values(), [Value::from(""), Value::Int32(0), Value::from("ann")]);

        let out = apply(
            MaskField::new(Side::Value),
            &[("fields", "card"), ("replacement", "****")],
            source(data.clone()),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            out.value.value.as_struct().unwrap().get("card"),
            Some(&Value::from("****"))
        );
        let err = apply(
            MaskField::new(Side::Value),
            &[("fields", "cvv"), ("replacement", "x")],
            source(data),
        )
        .unwrap_err();
        assert!(err.to_string().contains("Unable to convert"), "{err}");
    }

    #[test]
    fn schemaless_maps_and_config_errors() {
        let map = Value::Map(vec![("ssn".into(), "123".into()), ("n".into(), Value::Int64(5))]);
        let out = apply(
            MaskField::new(Side::Value),
            &[("fields", "ssn,n")],
            source(SchemaAndValue::new(None, map)),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            out.value.value,
            Value::Map(vec![("ssn".into(), "".into()), ("n".into(), Value::Int64(0))])
        );
        assert!(
            apply(MaskField::new(Side::Value), &[], source(SchemaAndValue::NULL))
                .unwrap_err()
                .to_string()
                .contains("fields")
        );
    }
}
