//! `Cast$Key` / `$Value`: casts fields (`spec=field:type,…`) or the whole key/value (`spec=type`) to
//! int8…int64, float32, float64, boolean or string.

use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, SchemaBuilder, SchemaRef, SchemaType,
    Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use crate::Side;
use crate::field::{Fields, copied_entries, fields, rebuild, replace_null_with_default};

fn target_type(name: &str) -> Option<SchemaType> {
    Some(match name.trim() {
        "int8" => SchemaType::Int8,
        "int16" => SchemaType::Int16,
        "int32" => SchemaType::Int32,
        "int64" => SchemaType::Int64,
        "float32" => SchemaType::Float32,
        "float64" => SchemaType::Float64,
        "boolean" => SchemaType::Boolean,
        "string" => SchemaType::String,
        _ => return None,
    })
}

/// A value as a number, for numeric casts.
fn number(value: &Value) -> Result<f64> {
    Ok(match value {
        Value::Int8(v) => f64::from(*v),
        Value::Int16(v) => f64::from(*v),
        Value::Int32(v) => f64::from(*v),
        Value::Int64(v) => *v as f64,
        Value::Float32(v) => f64::from(*v),
        Value::Float64(v) => *v,
        Value::Boolean(v) => f64::from(u8::from(*v)),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|_| ConnectError::data(format!("Cannot cast string '{s}' to a number")))?,
        other => {
            return Err(ConnectError::data(format!(
                "Unexpected type in Cast transformation: {}",
                other.type_name()
            )));
        }
    })
}

/// Casts one value.
fn cast(value: &Value, to: SchemaType) -> Result<Value> {
    if value.is_null() {
        return Ok(Value::Null);
    }
    let integer = || -> Result<i64> {
        match value {
            Value::Int64(v) => Ok(*v),
            Value::String(s) => s.trim().parse::<i64>().or_else(|_| number(value).map(|n| n as i64)),
            other => number(other).map(|n| n as i64),
        }
    };
    Ok(match to {
        SchemaType::Int8 => Value::Int8(integer()? as i8),
        SchemaType::Int16 => Value::Int16(integer()? as i16),
        SchemaType::Int32 => Value::Int32(integer()? as i32),
        SchemaType::Int64 => Value::Int64(integer()?),
        SchemaType::Float32 => Value::Float32(number(value)? as f32),
        SchemaType::Float64 => Value::Float64(number(value)?),
        SchemaType::Boolean => match value {
            Value::String(s) => Value::Boolean(s.trim().eq_ignore_ascii_case("true")),
            other => Value::Boolean(number(other)? != 0.0),
        },
        _ => Value::String(kconnect_api::values::to_display_string(value)),
    })
}

fn cast_schema(schema: &SchemaRef, to: SchemaType) -> SchemaRef {
    SchemaBuilder::new(to).with_optional(schema.optional).build()
}

/// Casts fields or whole values.
#[derive(Debug)]
pub struct Cast {
    side: Side,
    whole: Option<SchemaType>,
    fields: Vec<(String, SchemaType)>,
    schemas: SchemaMemo<SchemaRef>,
}

impl Cast {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            whole: None,
            fields: Vec::new(),
            schemas: SchemaMemo::default(),
        }
    }

    fn target(&self, field: &str) -> Option<SchemaType> {
        self.fields.iter().find(|(name, _)| name == field).map(|(_, t)| *t)
    }
}

impl<R: ConnectRecord> Transformation<R> for Cast {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new("spec", ConfigType::List)
                    .importance(Importance::High)
                    .doc("List of fields and the type to cast them to of the form field1:type,field2:type to cast fields of Maps or Structs. A single type to cast the entire value. Valid types are int8, int16, int32, int64, float32, float64, boolean, and string."),
            )
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let spec = Transformation::<R>::config_def(self).parse(config)?.list("spec");
        let invalid = |item: &str| ConnectError::config("spec", format!("Invalid cast mapping: {item}"));
        self.whole = None;
        self.fields.clear();
        for item in &spec {
            match item.split_once(':') {
                Some((field, to)) => self
                    .fields
                    .push((field.trim().to_string(), target_type(to).ok_or_else(|| invalid(item))?)),
                None if spec.len() == 1 => self.whole = Some(target_type(item).ok_or_else(|| invalid(item))?),
                None => return Err(invalid(item)),
            }
        }
        if spec.is_empty() {
            return Err(ConnectError::config("spec", "Must specify at least one field to cast."));
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data(record.core());
        let cast_data = if let Some(to) = self.whole {
            SchemaAndValue::new(data.schema.as_ref().map(|s| cast_schema(s, to)), cast(&data.value, to)?)
        } else if data.value.is_null() {
            return Ok(Some(record));
        } else {
            match fields(data.schema.is_some(), &data.value, "cast types")? {
                Fields::Struct(original) => {
                    let fields = copied_entries(original)
                        .map(|(name, schema, value)| match self.target(name) {
                            Some(to) => Ok((name, cast_schema(&schema, to), cast(&value, to)?)),
                            None => Ok((name, schema, value)),
                        })
                        .collect::<Result<_>>()?;
                    rebuild(&self.schemas, original.schema(), fields)?
                }
                Fields::Map(map) => {
                    let cast_entries = map
                        .iter()
                        .map(|(k, v)| match k.as_str().and_then(|name| self.target(name)) {
                            Some(to) => Ok((k.clone(), cast(v, to)?)),
                            None => Ok((k.clone(), v.clone())),
                        })
                        .collect::<Result<_>>()?;
                    SchemaAndValue::new(None, Value::Map(cast_entries))
                }
            }
        };
        *self.side.data_mut(record.core_mut()) = cast_data;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn casts_fields_and_whole_values() {
        let schema = SchemaBuilder::struct_()
            .field("a", Schema::string())
            .field("b", Schema::int32())
            .field("c", Schema::float64())
            .build();
        let row = Struct::new(schema.clone())
            .unwrap()
            .put("a", "42")
            .unwrap()
            .put("b", 1)
            .unwrap()
            .put("c", Value::Float64(2.5))
            .unwrap();
        let config = [("spec", "a:int64,b:boolean,c:string")];
        let out = apply(
            Cast::new(Side::Value),
            &config,
            source(SchemaAndValue::new(Some(schema), Value::Struct(row))),
        )
        .unwrap()
        .unwrap();
        let value = out.value.value.as_struct().unwrap();
        assert_eq!(
            value.values(),
            [Value::Int64(42), Value::Boolean(true), Value::from("2.5")]
        );
        assert_eq!(value.schema().field("a").unwrap().schema.schema_type, SchemaType::Int64);

        let whole = apply(
            Cast::new(Side::Value),
            &[("spec", "int32")],
            source(SchemaAndValue::new(Some(Schema::int64()), Value::Int64(7))),
        )
        .unwrap()
        .unwrap();
        assert_eq!(whole.value, SchemaAndValue::new(Some(Schema::int32()), Value::Int32(7)));

        let map = Value::Map(vec![("n".into(), "3".into())]);
        let out = apply(
            Cast::new(Side::Value),
            &[("spec", "n:int8")],
            source(SchemaAndValue::new(None, map)),
        )
        .unwrap()
        .unwrap();
        assert_eq!(out.value.value, Value::Map(vec![("n".into(), Value::Int8(3))]));
    }

    #[test]
    fn bad_specs_and_values_are_named() {
        let err = apply(
            Cast::new(Side::Value),
            &[("spec", "a:decimal")],
            source(SchemaAndValue::NULL),
        )
        .unwrap_err();
        assert!(err.to_string().contains("spec"), "{err}");
        let err = apply(
            Cast::new(Side::Value),
            &[("spec", "int32")],
            source(SchemaAndValue::new(None, "x".into())),
        )
        .unwrap_err();
        assert!(err.to_string().contains("Cannot cast"), "{err}");
    }
}
