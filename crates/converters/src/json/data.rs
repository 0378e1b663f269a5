//! Connect values to and from JSON, under a schema or schemaless.

use std::sync::Arc;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kconnect_api::logical::{self, Decimal};
use kconnect_api::{ConnectError, Result, SchemaRef, SchemaType, Struct, Value};
use serde::ser::{Error as _, SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value as Json;

use super::schemaless::Schemaless;
use super::{DecimalFormat, JsonSettings, MapEntries};

/// A Connect value under its schema (or none), serialised straight to JSON text without building
/// a JSON tree first.
pub(crate) struct JsonData<'a> {
    schema: Option<&'a SchemaRef>,
    value: &'a Value,
    settings: &'a JsonSettings,
}

impl<'a> JsonData<'a> {
    /// `value` under `schema` with `settings`.
    pub(crate) fn new(schema: Option<&'a SchemaRef>, value: &'a Value, settings: &'a JsonSettings) -> Self {
        Self {
            schema,
            value,
            settings,
        }
    }

    fn inner(&self, schema: Option<&'a SchemaRef>, value: &'a Value) -> Self {
        Self::new(schema, value, self.settings)
    }

    /// What is written for a null value: the schema's default, null, or an error.
    fn null<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.schema {
            None => serializer.serialize_unit(),
            Some(schema) => match &schema.default_value {
                Some(default) if self.settings.replace_null_with_default => {
                    self.inner(Some(schema), default).serialize(serializer)
                }
                _ if schema.optional => serializer.serialize_unit(),
                _ => Err(S::Error::custom(
                    "Conversion error: null value for field that is required and has no default value",
                )),
            },
        }
    }

    fn decimal<S: Serializer>(&self, decimal: &Decimal, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        match self.settings.decimal_format {
            DecimalFormat::Base64 => serializer.serialize_str(&STANDARD.encode(decimal.to_bytes())),
            DecimalFormat::Numeric => match i64::try_from(decimal.unscaled) {
                Ok(whole) if decimal.scale == 0 => serializer.serialize_i64(whole),
                _ => serialize_float_text(&decimal.to_plain_string(), serializer),
            },
        }
    }

    fn map<S: Serializer>(&self, entries: &'a [(Value, Value)], serializer: S) -> std::result::Result<S::Ok, S::Error> {
        let key_schema = self.schema.and_then(|s| s.key_schema.as_ref());
        let value_schema = self.schema.and_then(|s| s.value_schema.as_ref());
        let object_mode = match key_schema {
            Some(k) => k.schema_type == SchemaType::String,
            None => entries.iter().all(|(k, _)| matches!(k, Value::String(_))),
        };
        if object_mode {
            let mut object = serializer.serialize_map(Some(entries.len()))?;
            for (k, v) in entries {
                let key = k.as_str().ok_or_else(|| S::Error::custom("Map keys must be strings"))?;
                object.serialize_entry(key, &self.inner(value_schema, v))?;
            }
            object.end()
        } else {
            let mut pairs = serializer.serialize_seq(Some(entries.len()))?;
            for (k, v) in entries {
                let (key, value) = (self.inner(key_schema, k), self.inner(value_schema, v));
                match self.settings.map_entries {
                    MapEntries::Pairs => pairs.serialize_element(&(key, value))?,
                    MapEntries::Objects => pairs.serialize_element(&EntryObject { key, value })?,
                }
            }
            pairs.end()
        }
    }

    fn structure<S: Serializer>(&self, value: &'a Struct, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        if self
            .schema
            .is_some_and(|schema| !Arc::ptr_eq(schema, value.schema()) && schema != value.schema())
        {
            return Err(S::Error::custom("Mismatching schema."));
        }
        let mut object = serializer.serialize_map(Some(value.values().len()))?;
        for (field, field_value) in value.schema().fields.iter().zip(value.values()) {
            object.serialize_entry(&field.name, &self.inner(Some(&field.schema), field_value))?;
        }
        object.end()
    }
}

/// A map entry as Confluent's JSON Schema converter writes it.
#[derive(Serialize)]
struct EntryObject<'a> {
    key: JsonData<'a>,
    value: JsonData<'a>,
}

/// A number given as decimal text, written as the nearest double (null when it has none).
fn serialize_float_text<S: Serializer>(text: &str, serializer: S) -> std::result::Result<S::Ok, S::Error> {
    match text.parse::<f64>() {
        Ok(number) if number.is_finite() => serializer.serialize_f64(number),
        _ => serializer.serialize_unit(),
    }
}

impl Serialize for JsonData<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        if self.value.is_null() {
            return self.null(serializer);
        }
        if let Some(schema) = self.schema
            && !self.value.fits_type(schema.schema_type)
        {
            return Err(S::Error::custom(format!(
                "Invalid type for {}: {}",
                schema.schema_type,
                self.value.type_name()
            )));
        }
        match self.value {
            Value::Null => serializer.serialize_unit(),
            Value::Int8(v) => serializer.serialize_i8(*v),
            Value::Int16(v) => serializer.serialize_i16(*v),
            Value::Int32(v) | Value::Date(v) | Value::Time(v) => serializer.serialize_i32(*v),
            Value::Int64(v) | Value::Timestamp(v) => serializer.serialize_i64(*v),
            Value::Float32(v) => serialize_float_text(&v.to_string(), serializer),
            Value::Float64(v) if v.is_finite() => serializer.serialize_f64(*v),
            Value::Float64(_) => serializer.serialize_unit(),
            Value::Boolean(v) => serializer.serialize_bool(*v),
            Value::String(v) => serializer.serialize_str(v),
            Value::Bytes(v) => serializer.serialize_str(&STANDARD.encode(v)),
            Value::Decimal(d) => self.decimal(d, serializer),
            Value::Array(items) => {
                let element = self.schema.and_then(|s| s.value_schema.as_ref());
                serializer.collect_seq(items.iter().map(|item| self.inner(element, item)))
            }
            Value::Map(entries) => self.map(entries, serializer),
            Value::Struct(s) => self.structure(s, serializer),
        }
    }
}

/// The error a [`JsonData`] failed with, as the Connect error it was raised as.
pub(crate) fn data_error(err: serde_json::Error) -> ConnectError {
    ConnectError::data(err.to_string())
}

/// The JSON of `value` under `schema` (or inferred from the value when schemaless).
pub fn to_json(schema: Option<&SchemaRef>, value: &Value, settings: &JsonSettings) -> Result<Json> {
    serde_json::to_value(JsonData::new(schema, value, settings)).map_err(data_error)
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
            let values = schema
                .fields
                .iter()
                .map(|field| {
                    let field_json = object.get(&field.name).unwrap_or(&Json::Null);
                    from_json(Some(&field.schema), field_json, settings)
                })
                .collect::<Result<_>>()?;
            Value::Struct(Struct::with_values(schema.clone(), values)?)
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
        .map(|pair| {
            let (k, v) = match (settings.map_entries, pair) {
                (MapEntries::Pairs, Json::Array(kv)) if kv.len() == 2 => (&kv[0], &kv[1]),
                (MapEntries::Objects, Json::Object(kv)) if kv.len() == 2 => (
                    kv.get("key").unwrap_or(&Json::Null),
                    kv.get("value").unwrap_or(&Json::Null),
                ),
                (MapEntries::Pairs, _) => {
                    return Err(ConnectError::data("Found invalid map entry instead of array tuple"));
                }
                (MapEntries::Objects, _) => {
                    return Err(ConnectError::data(
                        "Found invalid map entry instead of a key/value object",
                    ));
                }
            };
            Ok((
                from_json(key_schema, k, settings)?,
                from_json(value_schema, v, settings)?,
            ))
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

/// A JSON tree read without a schema, as [`Schemaless`] reads JSON text.
fn schemaless(json: &Json) -> Value {
    let Schemaless(value) = Schemaless::deserialize(json).expect("the schemaless reader takes every JSON tree");
    value
}
