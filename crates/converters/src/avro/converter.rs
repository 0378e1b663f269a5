//! `io.confluent.connect.avro.AvroConverter`: Connect data as Avro binary datums on the Confluent
//! wire format, the schemas mapped as Confluent's AvroData maps them.

use apache_avro::Schema as AvroSchema;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig};
use kconnect_api::{ConfigDef, ConnectError, Result, SchemaAndValue, SchemaRef, Value};

use super::binary::write_datum;
use super::connect::{NamedTypes, connect_value};
use super::connect_schema::connect_schema_referencing;
use super::data::{AvroOptions, avro_schema_with, avro_value_with};
use crate::confluent::scrub::{SCRUB, scrub_key};
use crate::confluent::{Format, SchemaConverter};

const META_DATA: &str = "connect.meta.data";
const IGNORE_DEFAULT_FOR_NULLABLES: &str = "ignore.default.for.nullables";
const ENHANCED: &str = "enhanced.avro.schema.support";
const GENERALIZED: &str = "generalized.sum.type.support";

/// Confluent's AvroConverter.
pub type AvroConverter = SchemaConverter<AvroFormat>;

/// Avro as the [`SchemaConverter`]'s format.
#[derive(Default)]
pub struct AvroFormat {
    options: AvroOptions,
}

/// The schema records are written with.
pub enum AvroWriter {
    /// The Avro form of the record's own Connect schema: records are encoded straight from their
    /// Connect values.
    Own,
    /// A schema the registry holds (`use.latest.version`): records are resolved against it.
    Registered(AvroSchema),
}

/// A schema records are read with: its Avro form and its Connect form.
pub struct AvroReader {
    avro: AvroSchema,
    /// The schemas it references, which name the records it uses.
    referenced: Vec<AvroSchema>,
    /// The named types of both.
    named: NamedTypes,
    connect: SchemaRef,
}

fn avro_error(err: apache_avro::Error) -> ConnectError {
    ConnectError::data(format!("Avro: {err}"))
}

impl Format for AvroFormat {
    const SCHEMA_TYPE: &'static str = "AVRO";
    const CONVERTER: &'static str = "AvroConverter";
    /// The name AvroData gives an unnamed struct's record.
    const UNNAMED: &'static str = "io.confluent.connect.avro.ConnectDefault";
    type Writer = AvroWriter;
    type Reader = AvroReader;

    fn define(def: ConfigDef) -> ConfigDef {
        def.define(scrub_key()).define(
            ConfigKey::new(META_DATA, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Low)
                .doc("Write the connect.* properties (name, version, doc, parameters, default, INT8/INT16) that bring Connect schemas back as they were; read them."),
        )
        .define(
            ConfigKey::new(IGNORE_DEFAULT_FOR_NULLABLES, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Low)
                .doc("Write a null in an optional field that has a default as null, instead of as the default."),
        )
        .define(
            ConfigKey::new(ENHANCED, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Medium)
                .doc("Write strings that were Avro enums (their io.confluent.connect.avro.Enum parameters) as Avro enums again, with their symbols in order, and name union members that are named types by their full names; otherwise enums are written as strings."),
        )
        .define(
            ConfigKey::new(GENERALIZED, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Medium)
                .doc("Read unions as connect_union_<n> structs of connect_union_field_<index> fields and enums with org.apache.kafka.connect.data.Enum parameters (each symbol's index), and write such enums as Avro enums."),
        )
    }

    fn configure(&mut self, parsed: &ParsedConfig) -> Result<()> {
        self.options = AvroOptions {
            scrub: parsed.get_boolean(SCRUB)?,
            metadata: parsed.get_boolean(META_DATA)?,
            ignore_default_for_nullables: parsed.get_boolean(IGNORE_DEFAULT_FOR_NULLABLES)?,
            enhanced: parsed.get_boolean(ENHANCED)?,
            generalized: parsed.get_boolean(GENERALIZED)?,
        };
        Ok(())
    }

    fn writer(&self, schema: &SchemaRef) -> Result<(String, AvroWriter)> {
        let (_, json) = avro_schema_with(schema, self.options)?;
        Ok((json, AvroWriter::Own))
    }

    fn writer_of_text(&self, text: &str) -> Result<AvroWriter> {
        Ok(AvroWriter::Registered(AvroSchema::parse_str(text).map_err(avro_error)?))
    }

    fn reader(&self, text: &str, referenced: &[(String, String)]) -> Result<AvroReader> {
        let json = |text: &str| -> Result<serde_json::Value> {
            serde_json::from_str(text).map_err(|e| ConnectError::data(format!("the schema is not JSON: {e}")))
        };
        let referenced_json = referenced
            .iter()
            .map(|(_, text)| json(text))
            .collect::<Result<Vec<_>>>()?;
        let (avro, referenced) =
            AvroSchema::parse_str_with_list(text, referenced.iter().map(|(_, text)| text)).map_err(avro_error)?;
        // The referenced schemas first: the ones that refer to them must find them known.
        let named = NamedTypes::of(referenced.iter().chain(std::iter::once(&avro)).collect())?;
        Ok(AvroReader {
            connect: connect_schema_referencing(&json(text)?, &referenced_json, self.options)?,
            avro,
            referenced,
            named,
        })
    }

    fn write(&self, writer: &AvroWriter, schema: &SchemaRef, value: &Value, out: &mut Vec<u8>) -> Result<()> {
        match writer {
            AvroWriter::Own => write_datum(schema, value, self.options, out),
            AvroWriter::Registered(avro) => {
                let datum = apache_avro::to_avro_datum(avro, avro_value_with(schema, value, self.options)?)
                    .map_err(avro_error)?;
                out.extend_from_slice(&datum);
                Ok(())
            }
        }
    }

    fn read(&self, reader: &AvroReader, mut record: &[u8]) -> Result<SchemaAndValue> {
        let value = if reader.referenced.is_empty() {
            apache_avro::from_avro_datum(&reader.avro, &mut record, None)
        } else {
            let referenced = reader.referenced.iter().collect();
            apache_avro::from_avro_datum_schemata(&reader.avro, referenced, &mut record, None)
        }
        .map_err(avro_error)?;
        Ok(SchemaAndValue::new(
            Some(reader.connect.clone()),
            connect_value(&reader.connect, &reader.avro, &reader.named, value)?,
        ))
    }

    fn incompatibilities(&self, reader: &str, writer: &str) -> Result<Vec<String>> {
        let parse = |text: &str| kconnect_schema_compatibility::avro_schema(text, &[]).map_err(ConnectError::data);
        Ok(kconnect_schema_compatibility::avro_can_read(
            &parse(writer)?,
            &parse(reader)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::Converter;

    use crate::confluent::round_trip;

    use super::*;

    #[test]
    fn bytes_without_the_magic_byte_say_what_they_look_like() {
        let converter = AvroConverter::default();
        let err = converter.to_connect("orders", Some(b"{\"id\": 1}")).unwrap_err();
        assert!(err.to_string().contains("Unknown magic byte!"), "{err}");
    }

    #[test]
    fn names_avro_cannot_hold_are_refused_or_scrubbed() {
        let schema = kconnect_api::SchemaBuilder::struct_()
            .name("shop.order-line")
            .field("order-id", kconnect_api::Schema::int64())
            .build();
        let err = AvroFormat::default().writer(&schema).err().unwrap().to_string();
        assert!(err.contains("scrub.invalid.names"), "{err}");

        let record = kconnect_api::Struct::new(schema.clone())
            .unwrap()
            .put("order-id", 7i64)
            .unwrap();
        let (text, _, read) = round_trip(
            &AvroFormat {
                options: AvroOptions {
                    scrub: true,
                    ..AvroOptions::default()
                },
            },
            &schema,
            &Value::Struct(record),
        );
        assert!(
            text.contains(r#""name":"shop.order_line""#) && text.contains(r#""name":"order_id""#),
            "{text}"
        );
        let Value::Struct(read) = read.value else { panic!() };
        assert_eq!(read.get("order_id"), Some(&Value::Int64(7)));
    }

    #[test]
    fn with_enhanced_support_enums_are_written_as_enums_again() {
        let registered = serde_json::json!({"type": "record", "name": "Order", "namespace": "shop", "fields": [
            {"name": "status", "type": {"type": "enum", "name": "Status", "symbols": ["SHIPPED", "NEW"], "default": "NEW"}}
        ]});
        let schema = super::super::connect_schema::connect_schema(&registered).unwrap();
        let order = kconnect_api::Struct::new(schema.clone())
            .unwrap()
            .put("status", "NEW")
            .unwrap();
        let enhanced = AvroFormat {
            options: AvroOptions {
                enhanced: true,
                ..AvroOptions::default()
            },
        };
        let (text, bytes, read) = round_trip(&enhanced, &schema, &Value::Struct(order.clone()));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        let status = &json["fields"][0]["type"];
        assert_eq!(
            (&status["type"], &status["name"], &status["symbols"], &status["default"]),
            (
                &serde_json::json!("enum"),
                &serde_json::json!("shop.Status"),
                &serde_json::json!(["SHIPPED", "NEW"]),
                &serde_json::json!("NEW")
            ),
            "{text}"
        );
        assert_eq!(bytes, [2], "the symbol's index in declared order");
        assert_eq!(read.value, Value::Struct(order.clone()));

        let (text, _, _) = round_trip(&AvroFormat::default(), &schema, &Value::Struct(order.clone()));
        assert!(text.contains(r#""type":"string""#), "a string without it: {text}");
        let mut wrong = order;
        wrong.set("status", "LOST".into()).unwrap();
        let (_, writer) = enhanced.writer(&schema).unwrap();
        let err = enhanced
            .write(&writer, &schema, &Value::Struct(wrong), &mut Vec::new())
            .unwrap_err();
        assert!(
            err.to_string()
                .contains("\"LOST\" is not a symbol of the enum shop.Status"),
            "{err}"
        );
    }

    /// Records of a union written by plain Avro (as Confluent's serializers write them), read by
    /// `format`: what each reads as.
    fn union_records(format: &AvroFormat, union: &str) -> (SchemaRef, Vec<Value>) {
        use apache_avro::types::Value as Avro;
        let text = format!(r#"{{"type":"record","name":"Event","fields":[{{"name":"data","type":{union}}}]}}"#);
        let avro = AvroSchema::parse_str(&text).unwrap();
        let reader = format.reader(&text, &[]).unwrap();
        let types: Vec<String> = serde_json::from_str(union).unwrap();
        let branch = |name: &str| types.iter().position(|t| t == name).unwrap() as u32;
        let members = [
            (branch("string"), Avro::String("x".into())),
            (branch("int"), Avro::Int(5)),
            (branch("null"), Avro::Null),
        ];
        let values = members.map(|(branch, member)| {
            let record = Avro::Record(vec![("data".into(), Avro::Union(branch, Box::new(member)))]);
            let bytes = apache_avro::to_avro_datum(&avro, record).unwrap();
            let read = format.read(&reader, &bytes).unwrap();
            let Value::Struct(event) = read.value else { panic!() };
            event.get("data").unwrap().clone()
        });
        (reader.connect.fields[0].schema.clone(), values.to_vec())
    }

    #[test]
    fn unions_read_as_union_structs_and_are_written_back_as_unions() {
        let members = |value: &Value| match value {
            Value::Struct(members) => members.values().to_vec(),
            other => vec![other.clone()],
        };
        for union in [r#"["null","string","int"]"#, r#"["string","null","int"]"#] {
            let (schema, values) = union_records(&AvroFormat::default(), union);
            assert_eq!(schema.name.as_deref(), Some("io.confluent.connect.avro.Union"));
            assert!(schema.optional);
            let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
            assert_eq!(names, ["string", "int"], "{union}");
            assert_eq!(members(&values[0]), [Value::String("x".into()), Value::Null], "{union}");
            assert_eq!(members(&values[1]), [Value::Null, Value::Int32(5)], "{union}");
            assert_eq!(values[2], Value::Null, "{union}");
        }

        let (schema, values) = union_records(&AvroFormat::default(), r#"["null","string","int"]"#);
        let event = kconnect_api::SchemaBuilder::struct_()
            .name("Event")
            .field("data", schema)
            .build();
        let record = kconnect_api::Struct::with_values(event.clone(), vec![values[1].clone()]).unwrap();
        let (text, bytes, read) = round_trip(&AvroFormat::default(), &event, &Value::Struct(record.clone()));
        let json: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(json["fields"][0]["type"], serde_json::json!(["null", "string", "int"]));
        assert_eq!(bytes, [4, 10], "branch 2, then 5");
        assert_eq!(read.value, Value::Struct(record));
    }

    #[test]
    fn generalized_sum_types_name_unions_and_their_members_by_index() {
        let generalized = AvroFormat {
            options: AvroOptions {
                generalized: true,
                ..AvroOptions::default()
            },
        };
        let (schema, values) = union_records(&generalized, r#"["null","string","int"]"#);
        assert_eq!(schema.name.as_deref(), Some("connect_union_0"));
        assert_eq!(
            schema.parameters["org.apache.kafka.connect.data.Union"],
            "connect_union_0"
        );
        let names: Vec<&str> = schema.fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["connect_union_field_1", "connect_union_field_2"]);
        let Value::Struct(int) = &values[1] else { panic!() };
        assert_eq!(int.get("connect_union_field_2"), Some(&Value::Int32(5)));

        let status = r#"{"type":"record","name":"Order","fields":[{"name":"status","type":{"type":"enum","name":"Status","symbols":["NEW","SHIPPED"]}}]}"#;
        let reader = generalized.reader(status, &[]).unwrap();
        let status = &reader.connect.fields[0].schema;
        assert_eq!(status.parameters["org.apache.kafka.connect.data.Enum"], "Status");
        assert_eq!(status.parameters["org.apache.kafka.connect.data.Enum.SHIPPED"], "1");
        let order = kconnect_api::Struct::new(reader.connect.clone())
            .unwrap()
            .put("status", "SHIPPED")
            .unwrap();
        let (text, bytes, _) = round_trip(&generalized, &reader.connect, &Value::Struct(order));
        assert!(text.contains(r#""symbols":["NEW","SHIPPED"]"#), "{text}");
        assert_eq!(bytes, [2]);
    }

    #[test]
    fn without_connect_meta_data_only_avro_is_written() {
        let schema = kconnect_api::SchemaBuilder::struct_()
            .name("shop.Order")
            .doc("an order")
            .field("small", kconnect_api::Schema::int8())
            .field(
                "zone",
                kconnect_api::SchemaBuilder::new(kconnect_api::SchemaType::String)
                    .name("io.debezium.time.ZonedTimestamp")
                    .build(),
            )
            .build();
        let record = kconnect_api::Struct::new(schema.clone())
            .unwrap()
            .put("small", Value::Int8(3))
            .unwrap()
            .put("zone", "2026-12-05T00:00:00Z")
            .unwrap();
        let bare = AvroFormat {
            options: AvroOptions {
                metadata: false,
                ..AvroOptions::default()
            },
        };
        let (text, _, read) = round_trip(&bare, &schema, &Value::Struct(record.clone()));
        assert!(!text.contains("connect."), "{text}");
        let read_schema = read.schema.unwrap();
        assert_eq!(
            read_schema.field("small").unwrap().schema.schema_type,
            kconnect_api::SchemaType::Int32
        );
        assert_eq!(read_schema.field("zone").unwrap().schema.name, None);

        let (text, _, read) = round_trip(&AvroFormat::default(), &schema, &Value::Struct(record));
        assert!(
            text.contains(r#""connect.name":"io.debezium.time.ZonedTimestamp""#),
            "{text}"
        );
        assert_eq!(read.schema.unwrap(), schema, "with connect.meta.data, the same schema");
    }
}
