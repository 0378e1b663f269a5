//! Avro data back into Connect data: the reverse of [`super::data`]. Records become
//! structs (AvroData's `ConnectDefault` names become unnamed structs again), unions with null
//! optional schemas, arrays of `MapEntry` records maps again, and Avro's logical types Connect's.

use apache_avro::Schema as Avro;
use apache_avro::schema::{ArraySchema, MapSchema, RecordSchema};
use apache_avro::types::Value as AvroValue;
use kconnect_api::logical::Decimal;
use kconnect_api::{ConnectError, Result, Schema, SchemaAndValue, SchemaBuilder, SchemaRef, SchemaType, Struct, Value};

const NAMESPACE: &str = "io.confluent.connect.avro";

fn unsupported(what: &str) -> ConnectError {
    ConnectError::data(format!("an Avro {what} has no Connect form"))
}

/// The Connect schema of an Avro schema.
pub(crate) fn connect_schema(schema: &Avro) -> Result<SchemaRef> {
    Ok(match schema {
        Avro::Boolean => Schema::boolean(),
        Avro::Int => Schema::int32(),
        Avro::Long => Schema::int64(),
        Avro::Float => Schema::float32(),
        Avro::Double => Schema::float64(),
        Avro::Bytes | Avro::Fixed(_) => Schema::bytes(),
        Avro::String | Avro::Enum(_) | Avro::Uuid => Schema::string(),
        Avro::Decimal(decimal) => kconnect_api::logical::decimal_schema(decimal.scale as i32).build(),
        Avro::Date => kconnect_api::logical::date_schema().build(),
        Avro::TimeMillis => kconnect_api::logical::time_schema().build(),
        Avro::TimestampMillis => kconnect_api::logical::timestamp_schema().build(),
        Avro::Union(union) => match union.variants() {
            [Avro::Null, inner] | [inner, Avro::Null] => {
                let mut optional = (*connect_schema(inner)?).clone();
                optional.optional = true;
                std::sync::Arc::new(optional)
            }
            _ => return Err(unsupported("union other than with null")),
        },
        Avro::Array(ArraySchema { items, .. }) => match map_entry(items) {
            Some((key, value)) => SchemaBuilder::map(connect_schema(key)?, connect_schema(value)?).build(),
            None => SchemaBuilder::array(connect_schema(items)?).build(),
        },
        Avro::Map(MapSchema { types, .. }) => SchemaBuilder::map(Schema::string(), connect_schema(types)?).build(),
        Avro::Record(record) => record_schema(record)?,
        _ => return Err(unsupported("type")),
    })
}

/// The key and value schemas of AvroData's `MapEntry` records.
fn map_entry(items: &Avro) -> Option<(&Avro, &Avro)> {
    let Avro::Record(record) = items else {
        return None;
    };
    let named = record.name.fullname(None).starts_with(&format!("{NAMESPACE}.MapEntry"));
    match (named, record.fields.as_slice()) {
        (true, [key, value]) if key.name == "key" && value.name == "value" => Some((&key.schema, &value.schema)),
        _ => None,
    }
}

fn record_schema(record: &RecordSchema) -> Result<SchemaRef> {
    let name = record.name.fullname(None);
    let mut builder = SchemaBuilder::struct_();
    if !name.starts_with(&format!("{NAMESPACE}.ConnectDefault")) {
        builder = builder.name(name);
    }
    if let Some(doc) = &record.doc {
        builder = builder.doc(doc.clone());
    }
    for field in &record.fields {
        builder = builder.field(field.name.clone(), connect_schema(&field.schema)?);
    }
    Ok(builder.build())
}

/// A value of the Avro schema as a Connect value of [`connect_schema`]'s schema.
pub(crate) fn connect_value(schema: &SchemaRef, value: AvroValue) -> Result<Value> {
    Ok(match value {
        AvroValue::Null => Value::Null,
        AvroValue::Union(_, inner) => connect_value(schema, *inner)?,
        AvroValue::Boolean(v) => Value::Boolean(v),
        AvroValue::Int(v) => Value::Int32(v),
        AvroValue::Long(v) => Value::Int64(v),
        AvroValue::Float(v) => Value::Float32(v),
        AvroValue::Double(v) => Value::Float64(v),
        AvroValue::Bytes(v) | AvroValue::Fixed(_, v) => Value::Bytes(v),
        AvroValue::String(v) | AvroValue::Enum(_, v) => Value::String(v),
        AvroValue::Uuid(v) => Value::String(v.to_string()),
        AvroValue::Date(v) => Value::Date(v),
        AvroValue::TimeMillis(v) => Value::Time(v),
        AvroValue::TimestampMillis(v) => Value::Timestamp(v),
        AvroValue::Decimal(decimal) => {
            let bytes: Vec<u8> = decimal.try_into().map_err(|_| unsupported("decimal"))?;
            let scale = schema.parameters.get("scale").and_then(|s| s.parse().ok()).unwrap_or(0);
            Value::Decimal(Decimal::from_bytes(&bytes, scale)?)
        }
        AvroValue::Array(items) => match schema.schema_type {
            SchemaType::Map => {
                let (key_schema, value_schema) = schema.entry_schemas()?;
                let entries = items.into_iter().map(|entry| match entry {
                    AvroValue::Record(mut fields) if fields.len() == 2 => {
                        let value = fields.pop().map(|(_, v)| v).unwrap_or(AvroValue::Null);
                        let key = fields.pop().map(|(_, v)| v).unwrap_or(AvroValue::Null);
                        Ok((connect_value(key_schema, key)?, connect_value(value_schema, value)?))
                    }
                    _ => Err(unsupported("map entry")),
                });
                Value::Map(entries.collect::<Result<_>>()?)
            }
            _ => {
                let element = schema.element_schema()?;
                Value::Array(
                    items
                        .into_iter()
                        .map(|item| connect_value(element, item))
                        .collect::<Result<_>>()?,
                )
            }
        },
        AvroValue::Map(entries) => {
            let (_, value_schema) = schema.entry_schemas()?;
            let mut entries: Vec<(String, AvroValue)> = entries.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let entries = entries
                .into_iter()
                .map(|(key, value)| Ok((Value::String(key), connect_value(value_schema, value)?)));
            Value::Map(entries.collect::<Result<_>>()?)
        }
        AvroValue::Record(fields) => {
            let mut value = Struct::new(schema.clone())?;
            for ((name, field_value), field) in fields.into_iter().zip(&schema.fields) {
                value.set(&name, connect_value(&field.schema, field_value)?)?;
            }
            Value::Struct(value)
        }
        _ => return Err(unsupported("value")),
    })
}

/// The records of an Avro container file.
pub fn read_container(bytes: &[u8]) -> Result<Vec<SchemaAndValue>> {
    let reader = apache_avro::Reader::new(bytes).map_err(|e| ConnectError::data(format!("not an Avro file: {e}")))?;
    let schema = connect_schema(reader.writer_schema())?;
    reader
        .map(|value| {
            let value = value.map_err(|e| ConnectError::data(format!("a bad Avro record: {e}")))?;
            Ok(SchemaAndValue::new(
                Some(schema.clone()),
                connect_value(&schema, value)?,
            ))
        })
        .collect()
}
