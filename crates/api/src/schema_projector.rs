//! Projecting a value written with one schema onto another, compatible one, as Apache's
//! `SchemaProjector`: fields the target lacks are dropped, fields the source lacks take the
//! target's default (or null when optional), numbers widen (INT8 up to FLOAT64), and anything
//! else (another type, name or parameters, a required field with nothing to fill it) is a data
//! error.

use crate::schema::{Schema, SchemaRef, SchemaType};
use crate::value::{Struct, Value};
use crate::{ConnectError, Result};

/// The numeric types, narrowest first: each widens to those after it.
const NUMERIC: [SchemaType; 6] = [
    SchemaType::Int8,
    SchemaType::Int16,
    SchemaType::Int32,
    SchemaType::Int64,
    SchemaType::Float32,
    SchemaType::Float64,
];

fn rank(schema_type: SchemaType) -> Option<usize> {
    NUMERIC.iter().position(|numeric| *numeric == schema_type)
}

fn promotable(source: SchemaType, target: SchemaType) -> bool {
    matches!((rank(source), rank(target)), (Some(from), Some(to)) if from <= to)
}

fn check_compatible(source: &Schema, target: &Schema) -> Result<()> {
    if source.schema_type != target.schema_type && !promotable(source.schema_type, target.schema_type) {
        return Err(ConnectError::data(format!(
            "Schema type mismatch. source type: {} and target type: {}",
            source.schema_type, target.schema_type
        )));
    }
    if source.name != target.name {
        return Err(ConnectError::data(format!(
            "Schema name mismatch. source name: {} and target name: {}",
            source.name.as_deref().unwrap_or("null"),
            target.name.as_deref().unwrap_or("null")
        )));
    }
    if source.parameters != target.parameters {
        return Err(ConnectError::data(format!(
            "Schema parameters not equal. source parameters: {:?} and target parameters: {:?}",
            source.parameters, target.parameters
        )));
    }
    Ok(())
}

/// `value`, written with `source`, as a value of `target`.
pub fn project(source: &Schema, value: &Value, target: &SchemaRef) -> Result<Value> {
    check_compatible(source, target)?;
    if source.optional && !target.optional {
        return match (&target.default_value, value) {
            (None, _) => Err(ConnectError::data(
                "Writer schema is optional, however, target schema does not provide a default value.",
            )),
            (Some(default), Value::Null) => Ok(default.clone()),
            (Some(_), _) => project_present(source, value, target),
        };
    }
    match value {
        Value::Null => Ok(Value::Null),
        _ => project_present(source, value, target),
    }
}

fn project_present(source: &Schema, value: &Value, target: &SchemaRef) -> Result<Value> {
    match (target.schema_type, value) {
        (SchemaType::Struct, Value::Struct(record)) => project_struct(source, record, target),
        (SchemaType::Array, Value::Array(items)) => {
            let (from, to) = (source.element_schema()?, target.element_schema()?);
            items
                .iter()
                .map(|item| project(from, item, to))
                .collect::<Result<_>>()
                .map(Value::Array)
        }
        (SchemaType::Map, Value::Map(entries)) => {
            let ((from_key, from_value), (to_key, to_value)) = (source.entry_schemas()?, target.entry_schemas()?);
            entries
                .iter()
                .map(|(k, v)| Ok((project(from_key, k, to_key)?, project(from_value, v, to_value)?)))
                .collect::<Result<_>>()
                .map(Value::Map)
        }
        (target_type, value) => widen(value, target_type),
    }
}

fn project_struct(source: &Schema, record: &Struct, target: &SchemaRef) -> Result<Value> {
    let mut projected = Struct::new(target.clone())?;
    for field in &target.fields {
        let value = match source.field(&field.name) {
            Some(source_field) => {
                let value = record.get(&field.name).unwrap_or(&Value::Null);
                project(&source_field.schema, value, &field.schema)
                    .map_err(|err| ConnectError::data(format!("Error projecting {}: {err}", field.name)))?
            }
            None if field.schema.optional => continue,
            None => field.schema.default_value.clone().ok_or_else(|| {
                ConnectError::data(format!("Required field `{}` is missing from source schema", field.name))
            })?,
        };
        projected.set(&field.name, value)?;
    }
    Ok(Value::Struct(projected))
}

/// A primitive `value` as the (same or wider) numeric `target` type.
fn widen(value: &Value, target: SchemaType) -> Result<Value> {
    if value.fits_type(target) {
        return Ok(value.clone());
    }
    let (integer, float) = match *value {
        Value::Int8(v) => (i64::from(v), f64::from(v)),
        Value::Int16(v) => (i64::from(v), f64::from(v)),
        Value::Int32(v) => (i64::from(v), f64::from(v)),
        Value::Int64(v) => (v, v as f64),
        Value::Float32(v) => (0, f64::from(v)),
        _ => return Err(ConnectError::data(format!("a {} is not a {target}", value.type_name()))),
    };
    Ok(match target {
        SchemaType::Int16 => Value::Int16(integer as i16),
        SchemaType::Int32 => Value::Int32(integer as i32),
        SchemaType::Int64 => Value::Int64(integer),
        SchemaType::Float32 => Value::Float32(float as f32),
        SchemaType::Float64 => Value::Float64(float),
        _ => return Err(ConnectError::data(format!("a {} is not a {target}", value.type_name()))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::SchemaBuilder;

    #[test]
    fn an_older_struct_takes_the_newer_schemas_defaults_and_widened_numbers() {
        let v1 = SchemaBuilder::struct_()
            .name("Order")
            .version(1)
            .field("id", Schema::int32())
            .field("gone", Schema::string())
            .build();
        let v2 = SchemaBuilder::struct_()
            .name("Order")
            .version(2)
            .field("id", Schema::int64())
            .field("note", Schema::optional_string())
            .field(
                "qty",
                SchemaBuilder::new(SchemaType::Int32)
                    .default_value(Value::Int32(1))
                    .build(),
            )
            .build();
        let old = Struct::new(v1.clone())
            .unwrap()
            .put("id", 7i32)
            .unwrap()
            .put("gone", "x")
            .unwrap();
        let Value::Struct(new) = project(&v1, &Value::Struct(old), &v2).unwrap() else {
            panic!("not a struct")
        };
        assert_eq!(new.values(), [Value::Int64(7), Value::Null, Value::Int32(1)]);
        assert_eq!(new.schema().version, Some(2));
    }

    #[test]
    fn what_cannot_be_projected_is_a_data_error() {
        let required = SchemaBuilder::struct_()
            .name("Order")
            .field("id", Schema::int64())
            .build();
        let other = SchemaBuilder::struct_()
            .name("Order")
            .field("sku", Schema::string())
            .build();
        let value = Value::Struct(Struct::new(required.clone()).unwrap().put("id", 1i64).unwrap());
        let err = project(&required, &value, &other).unwrap_err();
        assert!(err.is_data() && err.to_string().contains("`sku`"), "{err}");
        assert!(project(&Schema::int64(), &Value::Int64(1), &Schema::int32()).is_err());
        assert!(project(&Schema::optional_string(), &Value::Null, &Schema::string()).is_err());
    }
}
