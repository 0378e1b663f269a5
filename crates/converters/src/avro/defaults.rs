//! Connect default values in Avro schemas, as Confluent's AvroData writes and reads them: as a
//! record field's Avro `default` and as the `connect.default` property of the field's type (the
//! only place an optional field's default survives, since an Avro union's default must be of its
//! first branch). Bytes and decimals are strings of ISO-8859-1 characters, as in Avro's JSON;
//! maps with string keys are objects, other maps `[key, value]` pairs.

use kconnect_api::logical::{DATE_NAME, DECIMAL_NAME, Decimal, SCALE_PARAMETER, TIME_NAME, TIMESTAMP_NAME};
use kconnect_api::{Schema, SchemaType, Struct, Value};
use serde_json::{Map, Number, Value as Json};

/// The parameter AvroData sets on a schema whose default came from its Avro field's `default`
/// rather than `connect.default`; such a default is not written again as `connect.default`, and
/// the parameter itself is never written.
pub(crate) const FIELD_DEFAULT: &str = "io.confluent.connect.avro.field.default";

/// Whether `schema` keeps its map entries as an object (string keys) in Avro.
fn string_keys(schema: &Schema) -> bool {
    schema
        .key_schema
        .as_ref()
        .is_some_and(|key| key.schema_type == SchemaType::String && !key.optional)
}

/// `bytes` as the string of ISO-8859-1 characters Avro's JSON gives them.
fn latin1(bytes: &[u8]) -> Json {
    Json::String(bytes.iter().map(|&byte| char::from(byte)).collect())
}

/// The JSON AvroData writes for `value`, a default of `schema`; `None` for a value JSON cannot
/// hold (a NaN or infinite float).
pub(crate) fn default_json(schema: &Schema, value: &Value) -> Option<Json> {
    Some(match value {
        Value::Null => Json::Null,
        Value::Boolean(v) => Json::Bool(*v),
        Value::Int8(v) => Json::from(*v),
        Value::Int16(v) => Json::from(*v),
        Value::Int32(v) | Value::Date(v) | Value::Time(v) => Json::from(*v),
        Value::Int64(v) | Value::Timestamp(v) => Json::from(*v),
        // A float prints as its shortest form ("0.1"), as Jackson's FloatNode does.
        Value::Float32(v) => Json::Number(Number::from_f64(v.to_string().parse().ok()?)?),
        Value::Float64(v) => Json::Number(Number::from_f64(*v)?),
        Value::String(v) => Json::String(v.clone()),
        Value::Bytes(v) => latin1(v),
        Value::Decimal(v) => latin1(&v.to_bytes()),
        Value::Array(items) => {
            let element = schema.value_schema.as_deref()?;
            Json::Array(
                items
                    .iter()
                    .map(|item| default_json(element, item))
                    .collect::<Option<_>>()?,
            )
        }
        Value::Map(entries) => {
            let (key_schema, value_schema) = (schema.key_schema.as_deref()?, schema.value_schema.as_deref()?);
            if string_keys(schema) {
                let mut object = Map::with_capacity(entries.len());
                for (key, value) in entries {
                    let Value::String(key) = key else { return None };
                    object.insert(key.clone(), default_json(value_schema, value)?);
                }
                Json::Object(object)
            } else {
                let pairs = entries.iter().map(|(key, value)| {
                    Some(Json::Array(vec![
                        default_json(key_schema, key)?,
                        default_json(value_schema, value)?,
                    ]))
                });
                Json::Array(pairs.collect::<Option<_>>()?)
            }
        }
        Value::Struct(value) => {
            let mut object = Map::with_capacity(schema.fields.len());
            for (field, value) in schema.fields.iter().zip(value.values()) {
                object.insert(field.name.clone(), default_json(&field.schema, value)?);
            }
            Json::Object(object)
        }
    })
}

/// Whether Avro takes `value`'s JSON as the default of a field of `schema`: not when it holds a
/// map entry of a map without string keys (written as a pair, where Avro expects a record), which
/// AvroData then leaves out of the field, keeping only `connect.default`.
pub(crate) fn avro_takes(schema: &Schema, value: &Value) -> bool {
    match value {
        Value::Array(items) => schema
            .value_schema
            .as_deref()
            .is_some_and(|element| items.iter().all(|item| avro_takes(element, item))),
        Value::Map(entries) => {
            (entries.is_empty() || string_keys(schema))
                && schema
                    .value_schema
                    .as_deref()
                    .is_some_and(|values| entries.iter().all(|(_, value)| avro_takes(values, value)))
        }
        Value::Struct(value) => schema
            .fields
            .iter()
            .zip(value.values())
            .all(|(field, value)| avro_takes(&field.schema, value)),
        _ => true,
    }
}

/// The default of `schema` that `json` (a field's `default` or a `connect.default`) gives; `None`
/// for a null default or one that does not fit the schema, which AvroData ignores.
pub(crate) fn default_value(schema: &Schema, json: &Json) -> Option<Value> {
    match json {
        Json::Null => None,
        json => value_of(schema, json),
    }
}

fn bytes_of(json: &Json) -> Option<Vec<u8>> {
    json.as_str()?
        .chars()
        .map(|c| u8::try_from(u32::from(c)).ok())
        .collect()
}

fn int_of<T: TryFrom<i64>>(json: &Json) -> Option<T> {
    T::try_from(json.as_i64()?).ok()
}

fn value_of(schema: &Schema, json: &Json) -> Option<Value> {
    if json.is_null() {
        return Some(Value::Null);
    }
    match schema.name.as_deref() {
        Some(DECIMAL_NAME) => {
            let scale = schema.parameters.get(SCALE_PARAMETER)?.parse().ok()?;
            return Decimal::from_bytes(&bytes_of(json)?, scale).ok().map(Value::Decimal);
        }
        Some(DATE_NAME) => return int_of(json).map(Value::Date),
        Some(TIME_NAME) => return int_of(json).map(Value::Time),
        Some(TIMESTAMP_NAME) => return json.as_i64().map(Value::Timestamp),
        _ => {}
    }
    Some(match schema.schema_type {
        SchemaType::Boolean => Value::Boolean(json.as_bool()?),
        SchemaType::Int8 => Value::Int8(int_of(json)?),
        SchemaType::Int16 => Value::Int16(int_of(json)?),
        SchemaType::Int32 => Value::Int32(int_of(json)?),
        SchemaType::Int64 => Value::Int64(json.as_i64()?),
        SchemaType::Float32 => Value::Float32(json.as_f64()? as f32),
        SchemaType::Float64 => Value::Float64(json.as_f64()?),
        SchemaType::String => Value::String(json.as_str()?.to_string()),
        SchemaType::Bytes => Value::Bytes(bytes_of(json)?),
        SchemaType::Array => {
            let element = schema.value_schema.as_deref()?;
            Value::Array(
                json.as_array()?
                    .iter()
                    .map(|item| value_of(element, item))
                    .collect::<Option<_>>()?,
            )
        }
        SchemaType::Map => {
            let (key_schema, value_schema) = (schema.key_schema.as_deref()?, schema.value_schema.as_deref()?);
            let entries = match json {
                Json::Object(object) => object
                    .iter()
                    .map(|(key, value)| Some((Value::String(key.clone()), value_of(value_schema, value)?)))
                    .collect::<Option<_>>()?,
                // Pairs as AvroData writes them, or MapEntry records as Avro has them.
                Json::Array(entries) => entries
                    .iter()
                    .map(|entry| {
                        let (key, value) = match entry {
                            Json::Array(pair) if pair.len() == 2 => (&pair[0], &pair[1]),
                            Json::Object(record) => (record.get("key")?, record.get("value")?),
                            _ => return None,
                        };
                        Some((value_of(key_schema, key)?, value_of(value_schema, value)?))
                    })
                    .collect::<Option<_>>()?,
                _ => return None,
            };
            Value::Map(entries)
        }
        SchemaType::Struct => {
            let object = json.as_object()?;
            let values = schema
                .fields
                .iter()
                .map(|field| match object.get(&field.name) {
                    Some(value) => value_of(&field.schema, value),
                    None => Some(field.schema.default_value.clone().unwrap_or(Value::Null)),
                })
                .collect::<Option<Vec<_>>>()?;
            // The struct's own schema is the one being built; its fields are what matter here.
            let struct_schema = std::sync::Arc::new(Schema {
                default_value: None,
                ..schema.clone()
            });
            Value::Struct(Struct::with_values(struct_schema, values).ok()?)
        }
    })
}

#[cfg(test)]
mod tests {
    use kconnect_api::logical::{date_schema, decimal_schema};
    use kconnect_api::{SchemaBuilder, SchemaRef};
    use serde_json::json;

    use super::*;

    fn round_trip(schema: &SchemaRef, value: Value, expected: Json) {
        let json = default_json(schema, &value).unwrap();
        assert_eq!(json, expected);
        assert_eq!(default_value(schema, &json), Some(value));
    }

    #[test]
    fn defaults_are_written_as_avro_data_writes_them_and_read_back() {
        round_trip(&Schema::int32(), Value::Int32(5), json!(5));
        round_trip(&Schema::int8(), Value::Int8(-3), json!(-3));
        round_trip(&Schema::float32(), Value::Float32(0.1), json!(0.1));
        round_trip(&Schema::string(), Value::String("n/a".into()), json!("n/a"));
        round_trip(
            &Schema::bytes(),
            Value::Bytes(vec![0, 0xe9, 0xff]),
            json!("\u{0}é\u{ff}"),
        );
        round_trip(
            &decimal_schema(2).build(),
            Value::Decimal(Decimal::new(-1250, 2)),
            json!("\u{fb}\u{1e}"),
        );
        round_trip(&date_schema().build(), Value::Date(19_000), json!(19_000));
        round_trip(
            &SchemaBuilder::map(Schema::string(), Schema::int64()).build(),
            Value::Map(vec![("a".into(), Value::Int64(1))]),
            json!({"a": 1}),
        );
        round_trip(
            &SchemaBuilder::map(Schema::int32(), Schema::string()).build(),
            Value::Map(vec![(Value::Int32(1), "one".into())]),
            json!([[1, "one"]]),
        );
        let point = SchemaBuilder::struct_()
            .field("x", Schema::int32())
            .field("label", Schema::optional_string())
            .build();
        round_trip(
            &point,
            Value::Struct(Struct::with_values(point.clone(), vec![Value::Int32(1), Value::Null]).unwrap()),
            json!({"x": 1, "label": null}),
        );
    }

    #[test]
    fn nan_has_no_json_and_a_misfit_default_is_ignored() {
        assert_eq!(default_json(&Schema::float64(), &Value::Float64(f64::NAN)), None);
        assert_eq!(default_value(&Schema::int32(), &json!("five")), None);
        assert_eq!(default_value(&Schema::int8(), &json!(300)), None);
        assert_eq!(default_value(&Schema::int32(), &Json::Null), None);
    }

    #[test]
    fn avro_does_not_take_pairs_for_a_default() {
        let by_id = SchemaBuilder::map(Schema::int32(), Schema::string()).build();
        assert!(!avro_takes(&by_id, &Value::Map(vec![(Value::Int32(1), "one".into())])));
        assert!(avro_takes(&by_id, &Value::Map(vec![])));
        assert!(avro_takes(&Schema::int32(), &Value::Int32(1)));
    }
}
