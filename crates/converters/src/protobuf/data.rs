//! Connect values as Protobuf messages and back, as Confluent's ProtobufData converts them: null
//! fields and empty arrays are left unset, maps are repeated entries (or a map field's entries),
//! union structs set their `oneof`'s one field, enums are written by symbol and read as it,
//! decimals as `confluent.type.Decimal` (unscaled bytes, precision, scale), dates, times and
//! timestamps as `google.type.Date`, `google.type.TimeOfDay` and `google.protobuf.Timestamp`.
//! Reading, a field without presence (a proto3 scalar, a repeated field) reads as its value or its
//! default; a message or proto3 `optional` field that is not set reads as null.

use std::collections::HashMap;

use kconnect_api::logical::{DATE_NAME, DECIMAL_NAME, Decimal, TIME_NAME, TIMESTAMP_NAME};
use kconnect_api::values::{civil_from_days, days_from_civil};
use kconnect_api::{ConnectError, Result, Schema, SchemaRef, SchemaType, Struct, Value};
use kconnect_protobuf_schema::prost_reflect::{
    DynamicMessage, FieldDescriptor, Kind, MapKey, MessageDescriptor, ReflectMessage, Value as Proto,
};
use prost::bytes::Bytes;

use super::connect_schema::{in_real_oneof, real_oneofs, wrapped};
use super::proto_text::UNION_PREFIX;
use crate::confluent::scrub::scrub;

const MILLIS_PER_DAY: i64 = 86_400_000;

fn mismatch(what: impl std::fmt::Display) -> ConnectError {
    ConnectError::data(format!("ProtobufConverter: {what}"))
}

fn is_union(schema: &Schema) -> bool {
    schema
        .name
        .as_deref()
        .is_some_and(|name| name.starts_with(UNION_PREFIX))
}

/// The message of a struct `value`, of the message type `message`.
pub(crate) fn to_message(message: &MessageDescriptor, value: &Struct) -> Result<DynamicMessage> {
    let mut out = DynamicMessage::new(message.clone());
    for (field, value) in value.schema().fields.iter().zip(value.values()) {
        if value.is_null() {
            continue;
        }
        let (proto_field, schema, value) = if is_union(&field.schema) {
            let union = value
                .as_struct()
                .ok_or_else(|| mismatch(format!("{} is not a struct", field.name)))?;
            let set = union
                .schema()
                .fields
                .iter()
                .zip(union.values())
                .find(|(_, v)| !v.is_null());
            let Some((member, value)) = set else { continue };
            (&member.name, &member.schema, value)
        } else {
            (&field.name, &field.schema, value)
        };
        // A name the schema was written with scrubbed (scrub.invalid.names) is found scrubbed.
        let found = message
            .get_field_by_name(proto_field)
            .or_else(|| message.get_field_by_name(&scrub(proto_field, false)));
        let descriptor = found.ok_or_else(|| {
            mismatch(format!(
                "the message {} has no field {proto_field}",
                message.full_name()
            ))
        })?;
        if let Some(proto) = field_value(&descriptor, schema, value)? {
            out.set_field(&descriptor, proto);
        }
    }
    Ok(out)
}

/// A field's Protobuf value; `None` for what is left unset.
fn field_value(field: &FieldDescriptor, schema: &Schema, value: &Value) -> Result<Option<Proto>> {
    if value.is_null() {
        return Ok(None);
    }
    let kind = field.kind();
    match value {
        Value::Array(items) if items.is_empty() => Ok(None),
        Value::Array(items) => {
            let element = schema.element_schema()?;
            let items = items
                .iter()
                .map(|item| single(&kind, element, item))
                .collect::<Result<_>>()?;
            Ok(Some(Proto::List(items)))
        }
        Value::Map(entries) => {
            let Kind::Message(entry) = &kind else {
                return Err(mismatch(format!("the map {} is not a message field", field.name())));
            };
            let (key_field, value_field) = entry_fields(entry)?;
            let (key_schema, value_schema) = schema.entry_schemas()?;
            if field.is_map() {
                let mut map = HashMap::with_capacity(entries.len());
                for (key, value) in entries {
                    let key = map_key(single(&key_field.kind(), key_schema, key)?)?;
                    if let Some(value) = field_value(&value_field, value_schema, value)? {
                        map.insert(key, value);
                    }
                }
                return Ok(Some(Proto::Map(map)));
            }
            let mut list = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let mut message = DynamicMessage::new(entry.clone());
                if let Some(key) = field_value(&key_field, key_schema, key)? {
                    message.set_field(&key_field, key);
                }
                if let Some(value) = field_value(&value_field, value_schema, value)? {
                    message.set_field(&value_field, value);
                }
                list.push(Proto::Message(message));
            }
            Ok(Some(Proto::List(list)))
        }
        _ => single(&kind, schema, value).map(Some),
    }
}

fn entry_fields(entry: &MessageDescriptor) -> Result<(FieldDescriptor, FieldDescriptor)> {
    match (entry.get_field_by_name("key"), entry.get_field_by_name("value")) {
        (Some(key), Some(value)) => Ok((key, value)),
        _ => Err(mismatch(format!("{} is not a map entry", entry.full_name()))),
    }
}

fn map_key(value: Proto) -> Result<MapKey> {
    Ok(match value {
        Proto::Bool(v) => MapKey::Bool(v),
        Proto::I32(v) => MapKey::I32(v),
        Proto::I64(v) => MapKey::I64(v),
        Proto::U32(v) => MapKey::U32(v),
        Proto::U64(v) => MapKey::U64(v),
        Proto::String(v) => MapKey::String(v),
        other => return Err(mismatch(format!("{other:?} cannot be a map key"))),
    })
}

/// An integer as the field's integer kind.
fn integer(kind: &Kind, value: i64) -> Result<Proto> {
    let narrow =
        |value: i64| i32::try_from(value).map_err(|_| mismatch(format!("{value} does not fit a 32-bit field")));
    Ok(match kind {
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => Proto::I32(narrow(value)?),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => Proto::I64(value),
        Kind::Uint32 | Kind::Fixed32 => Proto::U32(value as u32),
        Kind::Uint64 | Kind::Fixed64 => Proto::U64(value as u64),
        Kind::Float => Proto::F32(value as f32),
        Kind::Double => Proto::F64(value as f64),
        // An enum read as its number (int.for.enums) is written as that number.
        Kind::Enum(_) => Proto::EnumNumber(narrow(value)?),
        other => return Err(mismatch(format!("an integer for a {other:?} field"))),
    })
}

fn message_of(kind: &Kind) -> Result<&MessageDescriptor> {
    match kind {
        Kind::Message(message) => Ok(message),
        other => Err(mismatch(format!("a message for a {other:?} field"))),
    }
}

/// A message of `kind` with the fields `values` names set.
fn message_with(kind: &Kind, values: &[(&str, Proto)]) -> Result<Proto> {
    let descriptor = message_of(kind)?;
    let mut message = DynamicMessage::new(descriptor.clone());
    for (name, value) in values {
        message
            .try_set_field_by_name(name, value.clone())
            .map_err(|err| mismatch(format!("{}.{name}: {err}", descriptor.full_name())))?;
    }
    Ok(Proto::Message(message))
}

/// How many digits an unscaled decimal has (1 for zero), as `BigDecimal.precision()`.
fn precision(unscaled: i128) -> u32 {
    unscaled.unsigned_abs().checked_ilog10().map_or(1, |digits| digits + 1)
}

/// One (non-repeated) value.
fn single(kind: &Kind, schema: &Schema, value: &Value) -> Result<Proto> {
    if let Kind::Message(wrapper) = kind
        && wrapped(wrapper).is_some()
        && let Some(inner) = wrapper.get_field_by_name("value")
    {
        let inner = single(&inner.kind(), schema, value)?;
        return message_with(kind, &[("value", inner)]);
    }
    Ok(match value {
        Value::Int8(v) => integer(kind, i64::from(*v))?,
        Value::Int16(v) => integer(kind, i64::from(*v))?,
        Value::Int32(v) => integer(kind, i64::from(*v))?,
        Value::Int64(v) => integer(kind, *v)?,
        Value::Float32(v) if matches!(kind, Kind::Double) => Proto::F64(f64::from(*v)),
        Value::Float32(v) => Proto::F32(*v),
        Value::Float64(v) if matches!(kind, Kind::Float) => Proto::F32(*v as f32),
        Value::Float64(v) => Proto::F64(*v),
        Value::Boolean(v) => Proto::Bool(*v),
        Value::String(symbol) => match kind {
            Kind::Enum(enumeration) => Proto::EnumNumber(
                enumeration
                    .get_value_by_name(symbol)
                    .ok_or_else(|| mismatch(format!("{symbol} is not a symbol of {}", enumeration.full_name())))?
                    .number(),
            ),
            _ => Proto::String(symbol.clone()),
        },
        Value::Bytes(bytes) => Proto::Bytes(Bytes::from(bytes.clone())),
        Value::Struct(value) => Proto::Message(to_message(message_of(kind)?, value)?),
        Value::Decimal(decimal) => message_with(
            kind,
            &[
                ("value", Proto::Bytes(Bytes::from(decimal.to_bytes()))),
                ("precision", Proto::U32(precision(decimal.unscaled))),
                ("scale", Proto::I32(decimal.scale)),
            ],
        )?,
        Value::Date(days) => {
            let (year, month, day) = civil_from_days(i64::from(*days));
            message_with(
                kind,
                &[
                    ("year", Proto::I32(year as i32)),
                    ("month", Proto::I32(month as i32)),
                    ("day", Proto::I32(day as i32)),
                ],
            )?
        }
        Value::Time(millis) => {
            let millis = i64::from(*millis);
            if !(0..=MILLIS_PER_DAY).contains(&millis) {
                return Err(mismatch(
                    "Time values must use number of millis greater than 0 and less than 86400000",
                ));
            }
            message_with(
                kind,
                &[
                    ("hours", Proto::I32((millis / 3_600_000) as i32)),
                    ("minutes", Proto::I32((millis / 60_000 % 60) as i32)),
                    ("seconds", Proto::I32((millis / 1000 % 60) as i32)),
                    ("nanos", Proto::I32((millis % 1000 * 1_000_000) as i32)),
                ],
            )?
        }
        Value::Timestamp(millis) => message_with(
            kind,
            &[
                ("seconds", Proto::I64(millis.div_euclid(1000))),
                ("nanos", Proto::I32((millis.rem_euclid(1000) * 1_000_000) as i32)),
            ],
        )?,
        Value::Null | Value::Array(_) | Value::Map(_) => {
            return Err(mismatch(format!(
                "a {} where a single {} value goes",
                value.type_name(),
                schema.schema_type.name()
            )));
        }
    })
}

/// The Connect struct of `message`, of the struct schema `schema`.
pub(crate) fn to_connect(schema: &SchemaRef, message: &DynamicMessage, nulls: Nulls) -> Result<Struct> {
    let descriptor = message.descriptor();
    let oneofs: Vec<_> = real_oneofs(&descriptor).collect();
    let mut values = Vec::with_capacity(schema.fields.len());
    for field in &schema.fields {
        if is_union(&field.schema) {
            let set = oneofs.iter().find_map(|oneof| {
                (field
                    .schema
                    .name
                    .as_deref()
                    .and_then(|name| name.strip_prefix(UNION_PREFIX))
                    == Some(oneof.name()))
                .then(|| oneof.fields().find(|f| message.has_field(f)))
                .flatten()
            });
            let value = match set {
                Some(member) => {
                    let mut union = Struct::new(field.schema.clone())?;
                    let member_schema = &field
                        .schema
                        .field(member.name())
                        .ok_or_else(|| mismatch(member.name()))?
                        .schema;
                    union.set(member.name(), read_field(&member, member_schema, message, nulls)?)?;
                    Value::Struct(union)
                }
                None => Value::Null,
            };
            values.push(value);
            continue;
        }
        let value = match descriptor.get_field_by_name(&field.name) {
            Some(proto_field)
                if !proto_field.supports_presence()
                    || message.has_field(&proto_field)
                    || nulls.reads_as_default(&proto_field) =>
            {
                read_field(&proto_field, &field.schema, message, nulls)?
            }
            _ => Value::Null,
        };
        values.push(value);
    }
    Struct::with_values(schema.clone(), values)
}

fn read_field(field: &FieldDescriptor, schema: &SchemaRef, message: &DynamicMessage, nulls: Nulls) -> Result<Value> {
    from_proto(&field.kind(), schema, &message.get_field(field), nulls)
}

/// What an unset message field reads as: null, or with `generate.struct.for.nulls` the
/// message's default (a struct of its fields' defaults), as ProtobufData reads it.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Nulls {
    /// `generate.struct.for.nulls`.
    pub structs: bool,
}

impl Nulls {
    /// Whether the unset `field` is read as its default rather than as null: a message field
    /// outside a `oneof`, with `generate.struct.for.nulls`.
    fn reads_as_default(self, field: &FieldDescriptor) -> bool {
        self.structs && !field.is_list() && matches!(field.kind(), Kind::Message(_)) && !in_real_oneof(field)
    }
}

/// The Connect value of a Protobuf value of `kind`, under `schema`.
fn from_proto(kind: &Kind, schema: &SchemaRef, value: &Proto, nulls: Nulls) -> Result<Value> {
    let logical = schema.name.as_deref();
    if let Proto::Message(message) = value
        && let Some(logical) =
            logical.filter(|name| [DECIMAL_NAME, DATE_NAME, TIME_NAME, TIMESTAMP_NAME].contains(name))
    {
        return logical_value(logical, message);
    }
    if let Proto::Message(message) = value
        && schema.schema_type.is_primitive()
        && let Some(inner) = message.descriptor().get_field_by_name("value")
    {
        return from_proto(&inner.kind(), schema, &message.get_field(&inner), nulls);
    }
    Ok(match (schema.schema_type, value) {
        (SchemaType::Array, Proto::List(items)) => {
            let element = schema.element_schema()?;
            Value::Array(
                items
                    .iter()
                    .map(|item| from_proto(kind, element, item, nulls))
                    .collect::<Result<_>>()?,
            )
        }
        (SchemaType::Map, Proto::Map(entries)) => {
            let entry = message_of(kind)?;
            let (key_field, value_field) = entry_fields(entry)?;
            let (key_schema, value_schema) = schema.entry_schemas()?;
            let mut map = Vec::with_capacity(entries.len());
            for (key, value) in entries {
                let key = from_proto(&key_field.kind(), key_schema, &Proto::from(key.clone()), nulls)?;
                map.push((key, from_proto(&value_field.kind(), value_schema, value, nulls)?));
            }
            Value::Map(map)
        }
        (SchemaType::Map, Proto::List(entries)) => {
            let entry = message_of(kind)?;
            let (key_field, value_field) = entry_fields(entry)?;
            let (key_schema, value_schema) = schema.entry_schemas()?;
            let mut map = Vec::with_capacity(entries.len());
            for entry in entries {
                let entry = entry
                    .as_message()
                    .ok_or_else(|| mismatch("a map entry that is not a message"))?;
                map.push((
                    read_field(&key_field, key_schema, entry, nulls)?,
                    read_field(&value_field, value_schema, entry, nulls)?,
                ));
            }
            Value::Map(map)
        }
        (SchemaType::Struct, Proto::Message(message)) => Value::Struct(to_connect(schema, message, nulls)?),
        (SchemaType::String, Proto::EnumNumber(number)) => Value::String(match kind {
            Kind::Enum(enumeration) => enumeration
                .get_value(*number)
                .map_or_else(|| number.to_string(), |symbol| symbol.name().to_string()),
            _ => number.to_string(),
        }),
        (SchemaType::Int32, Proto::EnumNumber(number)) => Value::Int32(*number),
        (SchemaType::String, Proto::String(text)) => Value::String(text.clone()),
        (SchemaType::Bytes, Proto::Bytes(bytes)) => Value::Bytes(bytes.to_vec()),
        (SchemaType::Boolean, Proto::Bool(v)) => Value::Boolean(*v),
        (SchemaType::Float32, Proto::F32(v)) => Value::Float32(*v),
        (SchemaType::Float64, Proto::F64(v)) => Value::Float64(*v),
        (SchemaType::Int8, Proto::I32(v)) => Value::Int8(*v as i8),
        (SchemaType::Int16, Proto::I32(v)) => Value::Int16(*v as i16),
        (SchemaType::Int32, Proto::I32(v)) => Value::Int32(*v),
        (SchemaType::Int64, Proto::I64(v)) => Value::Int64(*v),
        (SchemaType::Int64, Proto::U32(v)) => Value::Int64(i64::from(*v)),
        (SchemaType::Int64, Proto::U64(v)) => Value::Int64(*v as i64),
        (schema_type, value) => return Err(mismatch(format!("{value:?} read as {}", schema_type.name()))),
    })
}

fn int_field(message: &DynamicMessage, name: &str) -> i64 {
    match message.get_field_by_name(name).as_deref() {
        Some(Proto::I32(v)) => i64::from(*v),
        Some(Proto::I64(v)) => *v,
        Some(Proto::U32(v)) => i64::from(*v),
        _ => 0,
    }
}

/// A logical type's value of its message.
fn logical_value(logical: &str, message: &DynamicMessage) -> Result<Value> {
    Ok(match logical {
        DECIMAL_NAME => {
            let scale = int_field(message, "scale") as i32;
            match message.get_field_by_name("value").as_deref() {
                Some(Proto::Bytes(bytes)) if !bytes.is_empty() => Value::Decimal(Decimal::from_bytes(bytes, scale)?),
                _ => Value::Decimal(Decimal::new(0, scale)),
            }
        }
        DATE_NAME => {
            let (year, month, day) = (
                int_field(message, "year"),
                int_field(message, "month"),
                int_field(message, "day"),
            );
            Value::Date(days_from_civil(year, month as u32, day as u32) as i32)
        }
        TIME_NAME => {
            let millis = int_field(message, "hours") * 3_600_000
                + int_field(message, "minutes") * 60_000
                + int_field(message, "seconds") * 1000
                + int_field(message, "nanos") / 1_000_000;
            Value::Time(millis as i32)
        }
        _ => Value::Timestamp(int_field(message, "seconds") * 1000 + int_field(message, "nanos") / 1_000_000),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_counts_the_unscaled_digits() {
        assert_eq!(precision(0), 1);
        assert_eq!(precision(9), 1);
        assert_eq!(precision(-12_345), 5);
        assert_eq!(precision(100), 3);
    }
}
