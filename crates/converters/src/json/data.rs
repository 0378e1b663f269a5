//! Connect values to and from JSON, under a schema or schemaless.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kconnect_api::logical::{self, Decimal};
use kconnect_api::{ConnectError, Result, SchemaRef, SchemaType, Struct, Value};
use serde_json::{Map, Number, Value as Json};

use super::{DecimalFormat, JsonSettings};

fn float_json(text: String) -> Json {
    text.parse::<f64>()
        .ok()
        .and_then(Number::from_f64)
        .map_or(Json::Null, Json::Number)
}

fn decimal_json(decimal: &Decimal, settings: &JsonSettings) -> Json {
    match settings.decimal_format {
        DecimalFormat::Base64 => Json::String(STANDARD.encode(decimal.to_bytes())),
        DecimalFormat::Numeric => match i64::try_from(decimal.unscaled) {
            Ok(whole) if decimal.scale == 0 => Json::from(whole),
            _ => float_json(decimal.to_plain_string()),
        },
    }
}

/// The JSON of `value` under `schema` (or inferred from the value when schemaless).
pub fn to_json(schema: Option<&SchemaRef>, value: &Value, settings: &JsonSettings) -> Result<Json> {
    if value.is_null() {
        return match schema {
            None => Ok(Json::Null),
            Some(s) => match &s.default_value {
                Some(default) if settings.replace_null_with_default => to_json(Some(s), default, settings),
                _ if s.optional => Ok(Json::Null),
                _ => Err(ConnectError::data(
                    "Conversion error: null value for field that is required and has no default value",
                )),
            },
        };
    }
    if let Some(schema) = schema
        && !value.fits_type(schema.schema_type)
    {
        return Err(ConnectError::data(format!(
            "Invalid type for {}: {}",
            schema.schema_type,
            value.type_name()
        )));
    }
    Ok(match value {
        Value::Null => Json::Null,
        Value::Int8(v) => Json::from(*v),
        Value::Int16(v) => Json::from(*v),
        Value::Int32(v) | Value::Date(v) | Value::Time(v) => Json::from(*v),
        Value::Int64(v) | Value::Timestamp(v) => Json::from(*v),
        Value::Float32(v) => float_json(v.to_string()),
        Value::Float64(v) => Number::from_f64(*v).map_or(Json::Null, Json::Number),
        Value::Boolean(v) => Json::Bool(*v),
        Value::String(v) => Json::String(v.clone()),
        Value::Bytes(v) => Json::String(STANDARD.encode(v)),
        Value::Decimal(d) => decimal_json(d, settings),
        Value::Array(items) => {
            let element = schema.and_then(|s| s.value_schema.as_ref());
            Json::Array(
                items
                    .iter()
                    .map(|item| to_json(element, item, settings))
                    .collect::<Result<_>>()?,
            )
        }
        Value::Map(entries) => {
            let key_schema = schema.and_then(|s| s.key_schema.as_ref());
            let value_schema = schema.and_then(|s| s.value_schema.as_ref());
            let object_mode = match key_schema {
                Some(k) => k.schema_type == SchemaType::String,
                None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
            };
            if object_mode {
                let mut object = Map::with_capacity(entries.len());
                for (k, v) in entries {
                    let key = k
                        .as_str()
                        .ok_or_else(|| ConnectError::data("Map keys must be strings"))?;
                    object.insert(key.to_string(), to_json(value_schema, v, settings)?);
                }
                Json::Object(object)
            } else {
                let pairs = entries
                    .iter()
                    .map(|(k, v)| {
                        Ok(Json::Array(vec![
                            to_json(key_schema, k, settings)?,
                            to_json(value_schema, v, settings)?,
                        ]))
                    })
                    .collect::<Result<_>>()?;
                Json::Array(pairs)
            }
        }
        Value::Struct(s) => {
            if schema.is_some_and(|schema| schema != s.schema()) {
                return Err(ConnectError::data("Mismatching schema."));
            }
            let mut object = Map::with_capacity(s.values().len());
            for (field, field_value) in s.schema().fields.iter().zip(s.values()) {
                object.insert(field.name.clone(), to_json(Some(&field.schema), field_value, settings)?);
            }
            Json::Object(object)
        }
    })
}

fn mismatch(schema: &SchemaRef, json: &Json) -> ConnectError {
    let found = match json {
        Json::Null => "NULL",
        Json::Bool(_) => "BOOLEAN",
        Json::Number(_) => "NUMBER",
        Json::String(_) => "STRING",
        Json::Array(_) => "ARRAY",
        Json::Object(_) => "OBJECT",
    };
    ConnectError::data(format!(
        "Schema type {} does not match JSON node type {found}",
        schema.schema_type
    ))
}

/// The Connect value of `json` under `schema`; schemaless JSON becomes INT64, FLOAT64, BOOLEAN,
/// STRING, ARRAY or MAP values.
pub fn from_json(schema: Option<&SchemaRef>, json: &Json, settings: &JsonSettings) -> Result<Value> {
    let Some(schema) = schema else {
        return Ok(schemaless(json));
    };
    if json.is_null() {
        return match &schema.default_value {
            Some(default) if settings.replace_null_with_default => Ok(default.clone()),
            _ if schema.optional => Ok(Value::Null),
            _ => Err(ConnectError::data(format!(
                "Invalid null value for required {} field",
                schema.schema_type
            ))),
        };
    }
    if let Some(value) = logical_from_json(schema, json)? {
        return Ok(value);
    }
    let bad = || mismatch(schema, json);
    let int = || json.as_i64().ok_or_else(bad);
    Ok(match schema.schema_type {
        SchemaType::Boolean => Value::Boolean(json.as_bool().ok_or_else(bad)?),
        SchemaType::Int8 => Value::Int8(int()? as i8),
        SchemaType::Int16 => Value::Int16(int()? as i16),
        SchemaType::Int32 => Value::Int32(int()? as i32),
        SchemaType::Int64 => Value::Int64(int()?),
        SchemaType::Float32 => Value::Float32(json.as_f64().ok_or_else(bad)? as f32),
        SchemaType::Float64 => Value::Float64(json.as_f64().ok_or_else(bad)?),
        SchemaType::String => Value::String(json.as_str().ok_or_else(bad)?.to_string()),
        SchemaType::Bytes => Value::Bytes(decode_base64(json.as_str().ok_or_else(bad)?)?),
        SchemaType::Array => {
            let element = schema.value_schema.as_ref();
            let items = json.as_array().ok_or_else(bad)?;
            Value::Array(
                items
                    .iter()
                    .map(|item| from_json(element, item, settings))
                    .collect::<Result<_>>()?,
            )
        }
        SchemaType::Map => map_from_json(schema, json, settings)?,
        SchemaType::Struct => {
            let object = json.as_object().ok_or_else(|| {
                ConnectError::data(format!(
                    "Structs should be encoded as JSON objects, but found {}",
                    mismatch_name(json)
                ))
            })?;
            let mut result = Struct::new(schema.clone())?;
            for field in &schema.fields {
                let field_json = object.get(&field.name).unwrap_or(&Json::Null);
                result.set(&field.name, from_json(Some(&field.schema), field_json, settings)?)?;
            }
            Value::Struct(result)
        }
    })
}

fn mismatch_name(json: &Json) -> &'static str {
    match json {
        Json::Array(_) => "ARRAY",
        Json::String(_) => "STRING",
        Json::Number(_) => "NUMBER",
        Json::Bool(_) => "BOOLEAN",
        _ => "NULL",
    }
}

fn map_from_json(schema: &SchemaRef, json: &Json, settings: &JsonSettings) -> Result<Value> {
    let key_schema = schema.key_schema.as_ref();
    let value_schema = schema.value_schema.as_ref();
    let bad = || mismatch(schema, json);
    if key_schema.is_none_or(|k| k.schema_type == SchemaType::String) {
        let object = json.as_object().ok_or_else(bad)?;
        let entries = object
            .iter()
            .map(|(k, v)| Ok((Value::String(k.clone()), from_json(value_schema, v, settings)?)))
            .collect::<Result<_>>()?;
        return Ok(Value::Map(entries));
    }
    let pairs = json.as_array().ok_or_else(bad)?;
    let entries = pairs
        .iter()
        .map(|pair| match pair.as_array().map(Vec::as_slice) {
            Some([k, v]) => Ok((
                from_json(key_schema, k, settings)?,
                from_json(value_schema, v, settings)?,
            )),
            _ => Err(ConnectError::data("Found invalid map entry instead of array tuple")),
        })
        .collect::<Result<_>>()?;
    Ok(Value::Map(entries))
}

fn logical_from_json(schema: &SchemaRef, json: &Json) -> Result<Option<Value>> {
    let bad = || mismatch(schema, json);
    Ok(Some(match schema.name.as_deref() {
        Some(logical::DECIMAL_NAME) => {
            let scale = logical::decimal_scale(schema)?;
            let decimal = match json {
                Json::String(text) => Decimal::from_bytes(&decode_base64(text)?, scale)?,
                Json::Number(n) => rescale(Decimal::parse(&n.to_string())?, scale)?,
                _ => return Err(bad()),
            };
            Value::Decimal(decimal)
        }
        Some(logical::DATE_NAME) => Value::Date(json.as_i64().ok_or_else(bad)? as i32),
        Some(logical::TIME_NAME) => Value::Time(json.as_i64().ok_or_else(bad)? as i32),
        Some(logical::TIMESTAMP_NAME) => Value::Timestamp(json.as_i64().ok_or_else(bad)?),
        _ => return Ok(None),
    }))
}

fn rescale(decimal: Decimal, scale: i32) -> Result<Decimal> {
    let overflow = || ConnectError::data("Decimal value out of range");
    let factor = |digits: i32| 10_i128.checked_pow(digits.unsigned_abs()).ok_or_else(overflow);
    let unscaled = match scale - decimal.scale {
        0 => decimal.unscaled,
        up if up > 0 => decimal.unscaled.checked_mul(factor(up)?).ok_or_else(overflow)?,
        down => {
            let divisor = factor(down)?;
            if decimal.unscaled % divisor != 0 {
                return Err(ConnectError::data(format!(
                    "Decimal {} does not fit scale {scale}",
                    decimal.to_plain_string()
                )));
            }
            decimal.unscaled / divisor
        }
    };
    Ok(Decimal::new(unscaled, scale))
}

fn decode_base64(text: &str) -> Result<Vec<u8>> {
    STANDARD
        .decode(text)
        .map_err(|err| ConnectError::data(format!("Invalid bytes field: {err}")))
}

fn schemaless(json: &Json) -> Value {
    match json {
        Json::Null => Value::Null,
        Json::Bool(b) => Value::Boolean(*b),
        Json::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float64(n.as_f64().unwrap_or_default()), Value::Int64),
        Json::String(s) => Value::String(s.clone()),
        Json::Array(items) => Value::Array(items.iter().map(schemaless).collect()),
        Json::Object(object) => Value::Map(
            object
                .iter()
                .map(|(k, v)| (Value::String(k.clone()), schemaless(v)))
                .collect(),
        ),
    }
}
