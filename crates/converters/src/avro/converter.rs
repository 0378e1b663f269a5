//! `io.confluent.connect.avro.AvroConverter`: Connect data as Avro binary datums on the Confluent
//! wire format, the schemas mapped as Confluent's AvroData maps them.

use apache_avro::Schema as AvroSchema;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig};
use kconnect_api::{ConfigDef, ConnectError, Result, SchemaAndValue, SchemaRef, Value};

use super::binary::write_datum;
use super::connect::connect_value;
use super::connect_schema::connect_schema_referencing;
use super::data::{AvroOptions, avro_schema_with, avro_value};
use crate::confluent::scrub::{SCRUB, scrub_key};
use crate::confluent::{Format, SchemaConverter};

const META_DATA: &str = "connect.meta.data";

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
                .doc("Write the connect.* properties (name, version, doc, parameters, INT8/INT16) that bring Connect schemas back as they were; read them."),
        )
    }

    fn configure(&mut self, parsed: &ParsedConfig) -> Result<()> {
        self.options = AvroOptions {
            scrub: parsed.get_boolean(SCRUB)?,
            metadata: parsed.get_boolean(META_DATA)?,
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
        Ok(AvroReader {
            connect: connect_schema_referencing(&json(text)?, &referenced_json, self.options.metadata)?,
            avro,
            referenced,
        })
    }

    fn write(&self, writer: &AvroWriter, schema: &SchemaRef, value: &Value, out: &mut Vec<u8>) -> Result<()> {
        match writer {
            AvroWriter::Own => write_datum(schema, value, out),
            AvroWriter::Registered(avro) => {
                let datum = apache_avro::to_avro_datum(avro, avro_value(schema, value)?).map_err(avro_error)?;
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
            connect_value(&reader.connect, value)?,
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
