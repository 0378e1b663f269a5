//! The Connect schema of a Protobuf message, as Confluent's ProtobufData reads it: a struct named
//! as the message (its full name with `enhanced.protobuf.schema.support`), every field optional
//! and carrying its number as `io.confluent.connect.protobuf.Tag`; `int32`/`sint32`/`sfixed32` as
//! INT32 (INT8/INT16 when `connect.type` says so), the other integers as INT64, enums as strings
//! with their symbols' numbers as parameters, repeated fields as arrays, map fields and `…Entry`
//! messages of a key and a value as maps, `oneof`s as `io.confluent.connect.protobuf.Union.*`
//! structs, and the logical types' messages as Connect's logical types.

use std::collections::HashMap;
use std::sync::Arc;

use kconnect_api::logical::{date_schema, decimal_schema, time_schema, timestamp_schema};
use kconnect_api::{ConnectError, Result, Schema, SchemaBuilder, SchemaRef, SchemaType};
use kconnect_protobuf_schema::prost_reflect::{
    Cardinality, DynamicMessage, FieldDescriptor, Kind, MessageDescriptor, OneofDescriptor, Syntax, Value as Proto,
};

use super::proto_text::{
    CONNECT_PRECISION, CONNECT_TYPE, DATE_TYPE, DECIMAL_TYPE, ENUM, TAG, TIME_TYPE, TIMESTAMP_TYPE, UNION_PREFIX,
};

const FIELD_META: &str = "confluent.field_meta";

/// How messages are read into Connect schemas.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ReadOptions {
    /// Structs take the message's full name, not its simple one (`enhanced.protobuf.schema.support`).
    pub full_names: bool,
    /// A `oneof`'s field is named `<name>_<index>`, not `<name>` (`generate.index.for.unions`).
    pub union_indexes: bool,
    /// `google.protobuf.*Value` wrappers read as their optional primitive, and the other scalars
    /// as required (`wrapper.for.nullables`).
    pub wrappers: bool,
    /// Only fields declared `optional` (proto3 `optional`, proto2 `optional`) read as optional,
    /// and optional fields are written `optional` (`optional.for.nullables`).
    pub optional_labels: bool,
    /// Enums read as INT32 (their numbers) instead of strings (`int.for.enums`).
    pub int_enums: bool,
    /// A `oneof`'s fields read as fields of the message itself, not as a union struct
    /// (`flatten.unions`).
    pub flatten_unions: bool,
}

impl Default for ReadOptions {
    fn default() -> Self {
        Self {
            full_names: false,
            union_indexes: true,
            wrappers: false,
            optional_labels: false,
            int_enums: false,
            flatten_unions: false,
        }
    }
}

/// Whether `field` is declared `optional`: proto3's keyword, or proto2's label outside a `oneof`.
fn has_optional_keyword(field: &FieldDescriptor) -> bool {
    field.field_descriptor_proto().proto3_optional()
        || (field.parent_file().syntax() == Syntax::Proto2
            && field.cardinality() == Cardinality::Optional
            && field.containing_oneof().is_none())
}

/// The Connect schema of `message`.
pub(crate) fn connect_schema(message: &MessageDescriptor, options: ReadOptions) -> Result<SchemaRef> {
    Reading {
        options,
        seen: HashMap::new(),
    }
    .message(message)
}

/// The primitive a `google.protobuf.*Value` wrapper stands for.
pub(crate) fn wrapped(message: &MessageDescriptor) -> Option<SchemaType> {
    Some(match message.full_name() {
        "google.protobuf.DoubleValue" => SchemaType::Float64,
        "google.protobuf.FloatValue" => SchemaType::Float32,
        "google.protobuf.Int64Value" | "google.protobuf.UInt64Value" | "google.protobuf.UInt32Value" => {
            SchemaType::Int64
        }
        "google.protobuf.Int32Value" => SchemaType::Int32,
        "google.protobuf.BoolValue" => SchemaType::Boolean,
        "google.protobuf.StringValue" => SchemaType::String,
        "google.protobuf.BytesValue" => SchemaType::Bytes,
        _ => return None,
    })
}

/// The `oneof`s a message has in its source (not proto3 `optional`'s synthetic ones).
pub(crate) fn real_oneofs(message: &MessageDescriptor) -> impl Iterator<Item = OneofDescriptor> + '_ {
    message.oneofs().filter(|oneof| !oneof.is_synthetic())
}

/// The name of a `oneof`'s union struct.
fn union_name(oneof: &OneofDescriptor) -> String {
    format!("{UNION_PREFIX}{}", oneof.name())
}

/// Whether a field belongs to a `oneof` of the source.
pub(crate) fn in_real_oneof(field: &FieldDescriptor) -> bool {
    field.containing_oneof().is_some_and(|oneof| !oneof.is_synthetic())
}

/// Whether `message` is a map's entry: a map field's, or Confluent's `…Entry` of `key` and `value`.
pub(crate) fn is_entry(message: &MessageDescriptor) -> bool {
    let fields: Vec<FieldDescriptor> = message.fields().collect();
    message.is_map_entry()
        || (message.name().ends_with("Entry")
            && fields.len() == 2
            && fields[0].name() == "key"
            && fields[1].name() == "value")
}

/// A `confluent.field_meta` parameter of `field`.
pub(crate) fn meta_parameter(field: &FieldDescriptor, key: &str) -> Option<String> {
    let extension = field.parent_pool().get_extension_by_name(FIELD_META)?;
    let options = field.options();
    if !options.has_extension(&extension) {
        return None;
    }
    let meta = options.get_extension(&extension);
    let params = meta.as_message()?.get_field_by_name("params")?;
    match params.as_ref() {
        Proto::Map(entries) => entries.iter().find_map(|(k, v)| {
            (k.as_str() == Some(key))
                .then(|| v.as_str().map(str::to_string))
                .flatten()
        }),
        Proto::List(entries) => entries.iter().find_map(|entry| {
            let entry: &DynamicMessage = entry.as_message()?;
            let k = entry.get_field_by_name("key")?;
            let v = entry.get_field_by_name("value")?;
            (k.as_str() == Some(key))
                .then(|| v.as_str().map(str::to_string))
                .flatten()
        }),
        _ => None,
    }
}

struct Reading {
    options: ReadOptions,
    /// Structs read (`None` while being read), by full message name: a message used twice is
    /// read once, and one that contains itself is refused (a Connect schema cannot).
    seen: HashMap<String, Option<SchemaRef>>,
}

impl Reading {
    fn message(&mut self, message: &MessageDescriptor) -> Result<SchemaRef> {
        match self.seen.get(message.full_name()) {
            Some(Some(schema)) => return Ok(schema.clone()),
            Some(None) => {
                return Err(ConnectError::data(format!(
                    "ProtobufConverter: the message {} contains itself, which a Connect schema cannot",
                    message.full_name()
                )));
            }
            None => _ = self.seen.insert(message.full_name().to_string(), None),
        }
        let name = if self.options.full_names {
            message.full_name()
        } else {
            message.name()
        };
        let mut builder = SchemaBuilder::struct_().name(name);
        for (index, oneof) in real_oneofs(message).enumerate() {
            if self.options.flatten_unions {
                for field in oneof.fields() {
                    builder = builder.field(field.name(), self.field(&field)?);
                }
                continue;
            }
            let mut union = SchemaBuilder::struct_().name(union_name(&oneof));
            for field in oneof.fields() {
                union = union.field(field.name(), self.field(&field)?);
            }
            let name = if self.options.union_indexes {
                format!("{}_{index}", oneof.name())
            } else {
                oneof.name().to_string()
            };
            builder = builder.field(name, union.optional().build());
        }
        for field in message.fields().filter(|field| !in_real_oneof(field)) {
            builder = builder.field(field.name(), self.field(&field)?);
        }
        let schema = builder.build();
        self.seen.insert(message.full_name().to_string(), Some(schema.clone()));
        Ok(schema)
    }

    fn field(&mut self, field: &FieldDescriptor) -> Result<SchemaRef> {
        let kind = field.kind();
        let schema = match &kind {
            Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => {
                SchemaBuilder::new(match meta_parameter(field, CONNECT_TYPE).as_deref() {
                    Some("int8") => SchemaType::Int8,
                    Some("int16") => SchemaType::Int16,
                    _ => SchemaType::Int32,
                })
                .build()
            }
            Kind::Uint32
            | Kind::Fixed32
            | Kind::Int64
            | Kind::Uint64
            | Kind::Sint64
            | Kind::Fixed64
            | Kind::Sfixed64 => SchemaBuilder::new(SchemaType::Int64).build(),
            Kind::Float => SchemaBuilder::new(SchemaType::Float32).build(),
            Kind::Double => SchemaBuilder::new(SchemaType::Float64).build(),
            Kind::Bool => SchemaBuilder::new(SchemaType::Boolean).build(),
            Kind::String => SchemaBuilder::new(SchemaType::String).build(),
            Kind::Bytes => SchemaBuilder::new(SchemaType::Bytes).build(),
            Kind::Enum(enumeration) => {
                let as_type = if self.options.int_enums {
                    SchemaType::Int32
                } else {
                    SchemaType::String
                };
                let mut builder = SchemaBuilder::new(as_type)
                    .name(enumeration.name())
                    .parameter(ENUM, enumeration.name());
                for value in enumeration.values() {
                    builder = builder.parameter(format!("{ENUM}.{}", value.name()), value.number().to_string());
                }
                builder.build()
            }
            Kind::Message(message) => self.message_field(field, message)?,
        };
        let entries = matches!(&kind, Kind::Message(message) if is_entry(message));
        // A oneof's member is optional; with optional labels only a field declared optional is;
        // with wrappers only a plain scalar is required (not a message, enum or repeated field).
        let nullable = if in_real_oneof(field) {
            true
        } else if self.options.optional_labels {
            has_optional_keyword(field)
        } else {
            !self.options.wrappers || field.is_list() || matches!(&kind, Kind::Message(_) | Kind::Enum(_))
        };
        let schema = if field.is_list() && !entries {
            SchemaBuilder::array(Schema::optional_of(&schema)).build()
        } else {
            schema
        };
        let mut tagged = (*schema).clone();
        tagged.optional |= nullable;
        tagged.parameters.insert(TAG.into(), field.number().to_string());
        Ok(Arc::new(tagged))
    }

    fn message_field(&mut self, field: &FieldDescriptor, message: &MessageDescriptor) -> Result<SchemaRef> {
        Ok(match message.full_name() {
            DECIMAL_TYPE => {
                let scale = meta_parameter(field, "scale").and_then(|s| s.parse().ok()).unwrap_or(0);
                let builder = decimal_schema(scale);
                match meta_parameter(field, "precision").filter(|p| p.parse::<u32>().is_ok()) {
                    Some(precision) => builder.parameter(CONNECT_PRECISION, precision),
                    None => builder,
                }
                .build()
            }
            DATE_TYPE => date_schema().build(),
            TIME_TYPE => time_schema().build(),
            TIMESTAMP_TYPE => timestamp_schema().build(),
            _ if self.options.wrappers
                && let Some(primitive) = wrapped(message) =>
            {
                SchemaBuilder::new(primitive).build()
            }
            _ if is_entry(message) => {
                let fields: Vec<FieldDescriptor> = message.fields().collect();
                SchemaBuilder::map(self.field(&fields[0])?, self.field(&fields[1])?).build()
            }
            _ => self.message(message)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_message_that_contains_itself_is_refused_and_one_used_twice_is_read_once() {
        let file = kconnect_protobuf_schema::compile(
            "syntax = \"proto3\"; message Node { Node child = 1; } message Pair { Leaf a = 1; Leaf b = 2; } message Leaf { int32 v = 1; }",
            &[],
        )
        .unwrap();
        let node = file.messages().next().unwrap();
        let err = connect_schema(&node, ReadOptions::default()).unwrap_err().to_string();
        assert!(err.contains("Node contains itself"), "{err}");
        let pair = file.messages().nth(1).unwrap();
        let schema = connect_schema(&pair, ReadOptions::default()).unwrap();
        assert_eq!(schema.fields[0].schema.fields, schema.fields[1].schema.fields);
    }
}
