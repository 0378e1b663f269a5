//! Avro values back into Connect data of the schema [`connect_schema`] reads (the reverse of
//! [`super::data`]), and the records of Avro container files.

use std::collections::HashMap;

use apache_avro::Schema as AvroSchema;
use apache_avro::schema::{Name, ResolvedSchema};
use apache_avro::types::Value as AvroValue;
use kconnect_api::logical::Decimal;
use kconnect_api::{ConnectError, Result, SchemaAndValue, SchemaRef, SchemaType, Struct, Value};
use serde_json::Value as Json;

use super::connect_schema::{connect_schema, is_union, unsupported};

/// The named types of an Avro schema and of those it references, for the names that refer to
/// them as values are read.
pub(crate) struct NamedTypes(HashMap<Name, AvroSchema>);

impl NamedTypes {
    /// The named types `schemas` define.
    pub(crate) fn of(schemas: Vec<&AvroSchema>) -> Result<Self> {
        let resolved = ResolvedSchema::try_from(schemas).map_err(|e| ConnectError::data(format!("Avro: {e}")))?;
        let named = resolved.get_names().iter();
        Ok(Self(
            named.map(|(name, schema)| (name.clone(), (*schema).clone())).collect(),
        ))
    }

    /// `schema`, or the type it names.
    fn resolve<'a>(&'a self, schema: &'a AvroSchema) -> &'a AvroSchema {
        match schema {
            AvroSchema::Ref { name } => self.0.get(name).unwrap_or(schema),
            schema => schema,
        }
    }
}

/// A value of the Avro schema `avro` as a Connect value of [`connect_schema`]'s `schema`, its
/// references to named types looked up in `named`.
pub(crate) fn connect_value(
    schema: &SchemaRef,
    avro: &AvroSchema,
    named: &NamedTypes,
    value: AvroValue,
) -> Result<Value> {
    let avro = named.resolve(avro);
    let connect_value = |schema: &SchemaRef, avro: &AvroSchema, value| connect_value(schema, avro, named, value);
    Ok(match value {
        AvroValue::Null => Value::Null,
        AvroValue::Union(branch, inner) => {
            let AvroSchema::Union(union) = avro else {
                return Err(unsupported("union value outside a union"));
            };
            let variants = union.variants();
            let member = variants
                .get(branch as usize)
                .ok_or_else(|| unsupported("union branch"))?;
            if !is_union(schema) || matches!(*inner, AvroValue::Null) {
                return connect_value(schema, member, *inner);
            }
            // The union struct has a field per member but null.
            let position = variants[..branch as usize]
                .iter()
                .filter(|variant| !matches!(variant, AvroSchema::Null))
                .count();
            let field = schema.fields.get(position).ok_or_else(|| unsupported("union member"))?;
            let mut members = vec![Value::Null; schema.fields.len()];
            members[position] = connect_value(&field.schema, member, *inner)?;
            Value::Struct(Struct::with_values(schema.clone(), members)?)
        }
        AvroValue::Boolean(v) => Value::Boolean(v),
        AvroValue::Int(v) => match schema.schema_type {
            SchemaType::Int8 => Value::Int8(v as i8),
            SchemaType::Int16 => Value::Int16(v as i16),
            _ => Value::Int32(v),
        },
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
        AvroValue::Array(items) => {
            let AvroSchema::Array(array) = avro else {
                return Err(unsupported("array value outside an array"));
            };
            match schema.schema_type {
                SchemaType::Map => {
                    let (key_schema, value_schema) = schema.entry_schemas()?;
                    let AvroSchema::Record(entry) = named.resolve(&array.items) else {
                        return Err(unsupported("map entry"));
                    };
                    let [key_avro, value_avro] = [&entry.fields[0].schema, &entry.fields[1].schema];
                    let entries = items.into_iter().map(|entry| match entry {
                        AvroValue::Record(mut fields) if fields.len() == 2 => {
                            let value = fields.pop().map(|(_, v)| v).unwrap_or(AvroValue::Null);
                            let key = fields.pop().map(|(_, v)| v).unwrap_or(AvroValue::Null);
                            Ok((
                                connect_value(key_schema, key_avro, key)?,
                                connect_value(value_schema, value_avro, value)?,
                            ))
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
                            .map(|item| connect_value(element, &array.items, item))
                            .collect::<Result<_>>()?,
                    )
                }
            }
        }
        AvroValue::Map(entries) => {
            let AvroSchema::Map(map) = avro else {
                return Err(unsupported("map value outside a map"));
            };
            let (_, value_schema) = schema.entry_schemas()?;
            let mut entries: Vec<(String, AvroValue)> = entries.into_iter().collect();
            entries.sort_by(|a, b| a.0.cmp(&b.0));
            let entries = entries
                .into_iter()
                .map(|(key, value)| Ok((Value::String(key), connect_value(value_schema, &map.types, value)?)));
            Value::Map(entries.collect::<Result<_>>()?)
        }
        AvroValue::Record(fields) => {
            let AvroSchema::Record(record) = avro else {
                return Err(unsupported("record value outside a record"));
            };
            let mut value = Struct::new(schema.clone())?;
            for (((name, field_value), field), avro_field) in fields.into_iter().zip(&schema.fields).zip(&record.fields)
            {
                value.set(&name, connect_value(&field.schema, &avro_field.schema, field_value)?)?;
            }
            Value::Struct(value)
        }
        _ => return Err(unsupported("value")),
    })
}

/// A zigzag-encoded long at the start of `input`, which moves past it.
fn zigzag(input: &mut &[u8]) -> Option<i64> {
    let mut n = 0u64;
    for shift in (0..64).step_by(7) {
        let (&byte, rest) = input.split_first()?;
        *input = rest;
        n |= u64::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Some(((n >> 1) as i64) ^ -((n & 1) as i64));
        }
    }
    None
}

/// Length-prefixed bytes at the start of `input`, which moves past them.
fn length_prefixed<'a>(input: &mut &'a [u8]) -> Option<&'a [u8]> {
    let len = usize::try_from(zigzag(input)?).ok()?;
    let (bytes, rest) = (input.get(..len)?, input.get(len..)?);
    *input = rest;
    Some(bytes)
}

/// The writer schema's JSON in an Avro container file's header (`avro.schema`), as written, with
/// the properties a parsed schema drops.
fn header_schema(file: &[u8]) -> Option<Json> {
    let mut input = file.strip_prefix(b"Obj\x01")?;
    loop {
        let count = zigzag(&mut input)?;
        if count == 0 {
            return None;
        }
        if count < 0 {
            zigzag(&mut input)?;
        }
        for _ in 0..count.unsigned_abs() {
            let key = length_prefixed(&mut input)?;
            let value = length_prefixed(&mut input)?;
            if key == b"avro.schema" {
                return serde_json::from_slice(value).ok();
            }
        }
    }
}

/// The records of an Avro container file.
pub fn read_container(bytes: &[u8]) -> Result<Vec<SchemaAndValue>> {
    let reader = apache_avro::Reader::new(bytes).map_err(|e| ConnectError::data(format!("not an Avro file: {e}")))?;
    let json = header_schema(bytes).ok_or_else(|| ConnectError::data("an Avro file without its schema"))?;
    let schema = connect_schema(&json)?;
    let avro = reader.writer_schema().clone();
    let named = NamedTypes::of(vec![&avro])?;
    reader
        .map(|value| {
            let value = value.map_err(|e| ConnectError::data(format!("a bad Avro record: {e}")))?;
            Ok(SchemaAndValue::new(
                Some(schema.clone()),
                connect_value(&schema, &avro, &named, value)?,
            ))
        })
        .collect()
}
