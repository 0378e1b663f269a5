//! The Protobuf format of the [`SchemaConverter`]: records are a message's binary encoding after
//! its message indexes, schemas `.proto` files (see [`super::proto_text`]); what the registry
//! returns may also be a base64 `FileDescriptorProto`, as Confluent's clients register them.

use std::collections::HashMap;
use std::sync::Mutex;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig};
use kconnect_api::{ConfigDef, ConnectError, Result, SchemaAndValue, SchemaRef, Value};
use kconnect_protobuf_schema::prost_reflect::{DynamicMessage, FileDescriptor, MessageDescriptor};
use prost::Message;

use super::connect_schema::{ReadOptions, connect_schema};
use super::data::{Nulls, to_connect, to_message};
use super::indexes;
use super::proto_text::{TextOptions, proto_text};
use crate::confluent::scrub::{SCRUB, scrub_key};
use crate::confluent::{Format, SchemaConverter};

const ENHANCED: &str = "enhanced.protobuf.schema.support";
const UNION_INDEXES: &str = "generate.index.for.unions";
const WRAPPERS: &str = "wrapper.for.nullables";
const OPTIONAL_LABELS: &str = "optional.for.nullables";
const INT_ENUMS: &str = "int.for.enums";
const FLATTEN_UNIONS: &str = "flatten.unions";
const STRUCTS_FOR_NULLS: &str = "generate.struct.for.nulls";

/// Confluent's ProtobufConverter.
pub type ProtobufConverter = SchemaConverter<ProtobufFormat>;

/// Protobuf as the [`SchemaConverter`]'s format.
#[derive(Default)]
pub struct ProtobufFormat {
    options: ReadOptions,
    /// `scrub.invalid.names`.
    scrub: bool,
    /// What an unset message field reads as (`generate.struct.for.nulls`).
    nulls: Nulls,
}

/// The message records are written as, and its indexes in its file.
pub struct ProtobufWriter {
    message: MessageDescriptor,
    indexes: Vec<i32>,
}

/// A registered schema's file, and the Connect schemas of its messages read so far.
pub struct ProtobufReader {
    file: FileDescriptor,
    schemas: Mutex<HashMap<Vec<i32>, (MessageDescriptor, SchemaRef)>>,
}

fn compile(text: &str, referenced: &[(String, String)]) -> Result<FileDescriptor> {
    kconnect_protobuf_schema::compile(text, referenced)
        .map_err(|err| ConnectError::data(format!("ProtobufConverter: the schema does not compile: {err}")))
}

/// The message of `file` at `indexes`: a top-level message, then nested ones.
fn message_at(file: &FileDescriptor, indexes: &[i32]) -> Result<MessageDescriptor> {
    let missing = || {
        ConnectError::data(format!(
            "ProtobufConverter: the schema has no message at indexes {indexes:?}"
        ))
    };
    let (first, nested) = indexes.split_first().ok_or_else(missing)?;
    let mut message = file
        .messages()
        .nth(usize::try_from(*first).map_err(|_| missing())?)
        .ok_or_else(missing)?;
    for index in nested {
        let index = usize::try_from(*index).map_err(|_| missing())?;
        let child = message.child_messages().nth(index);
        message = child.ok_or_else(missing)?;
    }
    Ok(message)
}

/// The indexes of `message` in its file.
fn indexes_of(message: &MessageDescriptor) -> Vec<i32> {
    let mut indexes = Vec::new();
    let mut current = message.clone();
    while let Some(parent) = current.parent_message() {
        indexes.push(parent.child_messages().position(|m| m == current).unwrap_or(0) as i32);
        current = parent;
    }
    indexes.push(current.parent_file().messages().position(|m| m == current).unwrap_or(0) as i32);
    indexes.reverse();
    indexes
}

impl ProtobufReader {
    fn message(&self, indexes: Vec<i32>, options: ReadOptions) -> Result<(MessageDescriptor, SchemaRef)> {
        let mut schemas = self.schemas.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(found) = schemas.get(&indexes) {
            return Ok(found.clone());
        }
        let message = message_at(&self.file, &indexes)?;
        let schema = connect_schema(&message, options)?;
        schemas.insert(indexes, (message.clone(), schema.clone()));
        Ok((message, schema))
    }
}

impl Format for ProtobufFormat {
    const SCHEMA_TYPE: &'static str = "PROTOBUF";
    const CONVERTER: &'static str = "ProtobufConverter";
    const UNNAMED: &'static str = "ConnectDefault1";
    type Writer = ProtobufWriter;
    type Reader = ProtobufReader;

    fn define(def: ConfigDef) -> ConfigDef {
        let flag = |name, default, doc| {
            ConfigKey::new(name, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(default))
                .importance(Importance::Medium)
                .doc(doc)
        };
        def.define(flag(
            ENHANCED,
            false,
            "Read messages into structs named by their full names (with the package), not their simple names.",
        ))
        .define(flag(
            UNION_INDEXES,
            true,
            "Name a oneof's struct field <oneof>_<index>; false names it <oneof>.",
        ))
        .define(scrub_key())
        .define(flag(
            WRAPPERS,
            false,
            "Write optional primitives as google.protobuf wrappers (Int32Value, StringValue, ...), so that null survives; read wrappers as optional primitives and other scalars as required.",
        ))
        .define(flag(
            OPTIONAL_LABELS,
            false,
            "Declare optional fields `optional` (proto3), so that null survives as an unset field; read only fields declared optional as optional.",
        ))
        .define(flag(
            INT_ENUMS,
            false,
            "Read enums as INT32 (their numbers) instead of strings (their symbols); either is written as the enum.",
        ))
        .define(flag(
            FLATTEN_UNIONS,
            false,
            "Read a oneof's fields as fields of the message itself instead of a union struct.",
        ))
        .define(flag(
            STRUCTS_FOR_NULLS,
            false,
            "Read an unset message field as a struct of its fields' defaults instead of null.",
        ))
    }

    fn configure(&mut self, parsed: &ParsedConfig) -> Result<()> {
        self.options = ReadOptions {
            full_names: parsed.get_boolean(ENHANCED)?,
            union_indexes: parsed.get_boolean(UNION_INDEXES)?,
            wrappers: parsed.get_boolean(WRAPPERS)?,
            optional_labels: parsed.get_boolean(OPTIONAL_LABELS)?,
            int_enums: parsed.get_boolean(INT_ENUMS)?,
            flatten_unions: parsed.get_boolean(FLATTEN_UNIONS)?,
        };
        self.nulls = Nulls {
            structs: parsed.get_boolean(STRUCTS_FOR_NULLS)?,
        };
        self.scrub = parsed.get_boolean(SCRUB)?;
        Ok(())
    }

    fn writer(&self, schema: &SchemaRef) -> Result<(String, ProtobufWriter)> {
        let options = TextOptions {
            wrappers: self.options.wrappers,
            scrub: self.scrub,
            optional_labels: self.options.optional_labels,
        };
        let (text, name) = proto_text(schema, options)?;
        let file = compile(&text, &[])?;
        let message = file
            .parent_pool()
            .get_message_by_name(&name)
            .ok_or_else(|| ConnectError::data(format!("ProtobufConverter: no message {name} in its schema")))?;
        let indexes = indexes_of(&message);
        Ok((text, ProtobufWriter { message, indexes }))
    }

    fn writer_of_text(&self, text: &str) -> Result<ProtobufWriter> {
        let message = message_at(&compile(text, &[])?, &[0])?;
        Ok(ProtobufWriter {
            message,
            indexes: vec![0],
        })
    }

    fn reader(&self, text: &str, referenced: &[(String, String)]) -> Result<ProtobufReader> {
        Ok(ProtobufReader {
            file: compile(text, referenced)?,
            schemas: Mutex::new(HashMap::new()),
        })
    }

    fn write(&self, writer: &ProtobufWriter, _schema: &SchemaRef, value: &Value, out: &mut Vec<u8>) -> Result<()> {
        let value = value.as_struct().ok_or_else(|| {
            ConnectError::data(format!(
                "the ProtobufConverter writes structs, not a {}",
                value.type_name()
            ))
        })?;
        let message = to_message(&writer.message, value)?;
        indexes::write(&writer.indexes, out);
        message
            .encode(out)
            .map_err(|err| ConnectError::data(format!("ProtobufConverter: {err}")))
    }

    fn read(&self, reader: &ProtobufReader, record: &[u8]) -> Result<SchemaAndValue> {
        let (indexes, encoded) = indexes::read(record)?;
        let (message, schema) = reader.message(indexes, self.options)?;
        let decoded = DynamicMessage::decode(message, encoded)
            .map_err(|err| ConnectError::data(format!("ProtobufConverter: not a message of its schema: {err}")))?;
        let value = to_connect(&schema, &decoded, self.nulls)?;
        Ok(SchemaAndValue::new(Some(schema), Value::Struct(value)))
    }

    fn incompatibilities(&self, reader: &str, writer: &str) -> Result<Vec<String>> {
        Ok(kconnect_schema_compatibility::protobuf::breaking_changes(
            &compile(writer, &[])?,
            &compile(reader, &[])?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::confluent::round_trip;
    use kconnect_api::logical::{Decimal, date_schema, decimal_schema, time_schema, timestamp_schema};
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    fn status() -> SchemaRef {
        SchemaBuilder::new(kconnect_api::SchemaType::String)
            .name("Status")
            .parameter("io.confluent.connect.protobuf.Enum", "Status")
            .parameter("io.confluent.connect.protobuf.Enum.NEW", "0")
            .parameter("io.confluent.connect.protobuf.Enum.SHIPPED", "1")
            .build()
    }

    /// Every Connect type, written and read back through the format.
    #[test]
    fn every_connect_type_reads_back_as_written() {
        let address = SchemaBuilder::struct_()
            .name("shop.Address")
            .field("city", Schema::string())
            .build();
        let fields: Vec<(&str, SchemaRef, Value)> = vec![
            ("id", Schema::int64(), Value::Int64(-7)),
            ("small", Schema::int8(), Value::Int8(-3)),
            ("qty", Schema::int16(), Value::Int16(300)),
            ("count", Schema::int32(), Value::Int32(42)),
            ("score", Schema::float32(), Value::Float32(0.5)),
            ("ratio", Schema::float64(), Value::Float64(0.25)),
            ("ok", Schema::boolean(), Value::Boolean(true)),
            ("note", Schema::string(), Value::String("hi".into())),
            ("raw", Schema::bytes(), Value::Bytes(vec![0, 255])),
            (
                "tags",
                SchemaBuilder::array(Schema::string()).build(),
                Value::Array(vec!["a".into(), "b".into()]),
            ),
            (
                "counts",
                SchemaBuilder::map(Schema::string(), Schema::int32()).build(),
                Value::Map(vec![("x".into(), Value::Int32(1)), ("y".into(), Value::Int32(2))]),
            ),
            (
                "address",
                address.clone(),
                Value::Struct(Struct::new(address).unwrap().put("city", "Lyon").unwrap()),
            ),
            (
                "price",
                decimal_schema(2).build(),
                Value::Decimal(Decimal::new(-1250, 2)),
            ),
            ("day", date_schema().build(), Value::Date(19_700)),
            ("at", time_schema().build(), Value::Time(45_296_789)),
            ("created", timestamp_schema().build(), Value::Timestamp(-1_500)),
            ("status", status(), Value::String("SHIPPED".into())),
        ];
        let schema = fields
            .iter()
            .fold(SchemaBuilder::struct_().name("shop.Order"), |b, (name, schema, _)| {
                b.field(*name, schema.clone())
            })
            .build();
        let mut record = Struct::new(schema.clone()).unwrap();
        for (name, _, value) in &fields {
            record.set(name, value.clone()).unwrap();
        }
        let (_, bytes, read) = round_trip(&ProtobufFormat::default(), &schema, &Value::Struct(record));
        assert_eq!(bytes[0], 0, "the first message's index");
        let read_schema = read.schema.unwrap();
        assert_eq!(read_schema.name.as_deref(), Some("Order"));
        let Value::Struct(read) = read.value else { panic!() };
        let Value::Struct(address) = &read.values()[11] else {
            panic!()
        };
        assert_eq!(address.values(), [Value::String("Lyon".into())]);
        let mut expected: Vec<Value> = fields.iter().map(|(_, _, v)| v.clone()).collect();
        expected[11] = read.values()[11].clone();
        assert_eq!(read.values(), expected);
        let small = &read_schema.field("small").unwrap().schema;
        assert_eq!(
            small.schema_type,
            kconnect_api::SchemaType::Int8,
            "connect.type kept INT8"
        );
        assert!(small.optional);
        assert_eq!(small.parameters["io.confluent.connect.protobuf.Tag"], "2");
        assert_eq!(read_schema.field("price").unwrap().schema.parameters["scale"], "2");
    }

    #[test]
    fn unset_fields_read_as_proto3_defaults_or_null_and_full_names_when_enhanced() {
        let schema = SchemaBuilder::struct_()
            .name("shop.Order")
            .field("note", Schema::optional_string())
            .field("tags", SchemaBuilder::array(Schema::string()).optional().build())
            .field("created", timestamp_schema().optional().build())
            .build();
        let record = Struct::new(schema.clone()).unwrap();
        let format = ProtobufFormat {
            options: ReadOptions {
                full_names: true,
                ..ReadOptions::default()
            },
            ..ProtobufFormat::default()
        };
        let (_, bytes, read) = round_trip(&format, &schema, &Value::Struct(record));
        assert_eq!(bytes, [0], "nothing set, nothing written");
        assert_eq!(read.schema.unwrap().name.as_deref(), Some("shop.Order"));
        let Value::Struct(read) = read.value else { panic!() };
        assert_eq!(
            read.values(),
            [Value::String(String::new()), Value::Array(vec![]), Value::Null]
        );
    }

    /// A format with `options` and `nulls`.
    fn format_with(options: ReadOptions, nulls: Nulls) -> ProtobufFormat {
        ProtobufFormat {
            options,
            nulls,
            ..ProtobufFormat::default()
        }
    }

    #[test]
    fn with_optional_labels_null_survives_and_only_declared_optionals_are_optional() {
        let schema = SchemaBuilder::struct_()
            .name("shop.Order")
            .field("id", Schema::int64())
            .field("note", Schema::optional_string())
            .field("qty", Schema::optional_int32())
            .build();
        let format = format_with(
            ReadOptions {
                optional_labels: true,
                ..ReadOptions::default()
            },
            Nulls::default(),
        );
        let record = Struct::new(schema.clone())
            .unwrap()
            .put("id", 1i64)
            .unwrap()
            .put("qty", 0i32)
            .unwrap();
        let (text, _, read) = round_trip(&format, &schema, &Value::Struct(record.clone()));
        assert!(
            text.contains("  int64 id = 1;") && text.contains("  optional string note = 2;"),
            "{text}"
        );
        let optional: Vec<bool> = read.schema.unwrap().fields.iter().map(|f| f.schema.optional).collect();
        assert_eq!(
            optional,
            [false, true, true],
            "required stays required, optional optional"
        );
        let Value::Struct(read) = read.value else { panic!() };
        assert_eq!(read.values(), record.values(), "the null note and the zero qty survive");
    }

    #[test]
    fn enums_read_as_ints_oneofs_flattened_and_unset_messages_as_default_structs_when_asked() {
        let text = "syntax = \"proto3\";\npackage shop;\nmessage Order {\n  oneof pay { string card = 1; int64 points = 2; }\n  Status status = 3;\n  Address ship = 4;\n}\nenum Status { NEW = 0; DONE = 5; }\nmessage Address { string city = 1; }\n";
        let options = ReadOptions {
            int_enums: true,
            flatten_unions: true,
            ..ReadOptions::default()
        };
        let format = format_with(options, Nulls { structs: true });
        let reader = format.reader(text, &[]).unwrap();
        let file = compile(text, &[]).unwrap();
        let order = file.parent_pool().get_message_by_name("shop.Order").unwrap();
        let mut message = DynamicMessage::new(order.clone());
        message.set_field_by_name("points", kconnect_protobuf_schema::prost_reflect::Value::I64(7));
        message.set_field_by_name("status", kconnect_protobuf_schema::prost_reflect::Value::EnumNumber(5));
        let mut bytes = vec![0];
        message.encode(&mut bytes).unwrap();
        let read = format.read(&reader, &bytes).unwrap();
        let schema = read.schema.unwrap();
        let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            ["card", "points", "status", "ship"],
            "the oneof's fields flattened"
        );
        assert_eq!(
            schema.field("status").unwrap().schema.schema_type,
            kconnect_api::SchemaType::Int32
        );
        let Value::Struct(read) = read.value else { panic!() };
        assert_eq!(read.get("card"), Some(&Value::Null));
        assert_eq!(read.get("points"), Some(&Value::Int64(7)));
        assert_eq!(read.get("status"), Some(&Value::Int32(5)));
        let Some(Value::Struct(ship)) = read.get("ship") else {
            panic!("an unset message as a default struct: {read:?}")
        };
        assert_eq!(ship.get("city"), Some(&Value::String(String::new())));

        // The INT32 that was an enum is written as the enum again.
        let (written, _) = format.writer(&schema).unwrap();
        assert!(
            written.contains("Status status = 3;") && written.contains("DONE = 5;"),
            "{written}"
        );
    }

    #[test]
    fn with_wrappers_null_survives_and_plain_scalars_are_required() {
        let schema = SchemaBuilder::struct_()
            .name("shop.Order")
            .field("id", Schema::int64())
            .field("note", Schema::optional_string())
            .field(
                "small",
                SchemaBuilder::new(kconnect_api::SchemaType::Int8).optional().build(),
            )
            .build();
        let format = ProtobufFormat {
            options: ReadOptions {
                wrappers: true,
                ..ReadOptions::default()
            },
            ..ProtobufFormat::default()
        };
        let (text, writer) = format.writer(&schema).unwrap();
        assert!(text.contains("google.protobuf.StringValue note = 2;"), "{text}");
        assert!(
            text.contains("google.protobuf.Int32Value small = 3 [(confluent.field_meta)"),
            "{text}"
        );
        let reader = format.reader(&text, &[]).unwrap();
        for (note, small) in [
            (Value::Null, Value::Int8(-2)),
            (Value::String(String::new()), Value::Null),
        ] {
            let record = Struct::new(schema.clone())
                .unwrap()
                .put("id", 1i64)
                .unwrap()
                .put("note", note.clone())
                .unwrap()
                .put("small", small.clone())
                .unwrap();
            let mut bytes = Vec::new();
            format
                .write(&writer, &schema, &Value::Struct(record), &mut bytes)
                .unwrap();
            let read = format.read(&reader, &bytes).unwrap();
            let read_schema = read.schema.unwrap();
            assert!(
                !read_schema.field("id").unwrap().schema.optional,
                "a plain scalar is required"
            );
            assert!(read_schema.field("note").unwrap().schema.optional);
            let Value::Struct(read) = read.value else { panic!() };
            // As ProtobufData reads an Int32Value: INT32, its connect.type notwithstanding.
            let small = match small {
                Value::Int8(v) => Value::Int32(i32::from(v)),
                other => other,
            };
            assert_eq!(
                read.values(),
                [Value::Int64(1), note, small],
                "null and empty kept apart"
            );
        }
    }

    #[test]
    fn names_protobuf_cannot_hold_are_scrubbed_when_asked() {
        let schema = SchemaBuilder::struct_()
            .name("shop.order-line")
            .field("order-id", Schema::int64())
            .field("_note", Schema::string())
            .build();
        let record = Struct::new(schema.clone())
            .unwrap()
            .put("order-id", 7i64)
            .unwrap()
            .put("_note", "n")
            .unwrap();
        let format = ProtobufFormat {
            scrub: true,
            ..ProtobufFormat::default()
        };
        let (text, _, read) = round_trip(&format, &schema, &Value::Struct(record));
        assert!(text.contains("message order_line {"), "{text}");
        assert!(
            text.contains("int64 order_id = 1;") && text.contains("string x_note = 2;"),
            "{text}"
        );
        let Value::Struct(read) = read.value else { panic!() };
        assert_eq!(read.values(), [Value::Int64(7), Value::String("n".into())]);
        assert!(ProtobufFormat::default().writer(&schema).is_err(), "refused unscrubbed");
    }
}
