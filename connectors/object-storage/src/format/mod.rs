//! How records become the bytes of an object: `format.class` (Confluent's JSON and byte array
//! formats, and CSV as kconnect's own), and the compression of the bytes.

mod arrow_connect;
mod arrow_data;
mod avro;
mod bytearray;
mod chunks;
mod csv;
mod json;
mod lines;
mod output;
mod parquet;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, Result, SchemaAndValue, SchemaRef};
use object_store::PutPayload;

use crate::config::simple_name;
use lines::LineEncoder;
pub(crate) use output::Compression;

const FORMAT_CLASS: &str = "format.class";
const BYTEARRAY_EXTENSION: &str = "format.bytearray.extension";
const BYTEARRAY_SEPARATOR: &str = "format.bytearray.separator";
const AVRO_CODEC: &str = "avro.codec";
const PARQUET_CODEC: &str = "parquet.codec";
const FORMATS: [&str; 5] = [
    "JsonFormat",
    "ByteArrayFormat",
    "CsvFormat",
    "AvroFormat",
    "ParquetFormat",
];
const AVRO_CODECS: [&str; 4] = ["null", "deflate", "snappy", "zstandard"];
const PARQUET_CODECS: [&str; 5] = ["none", "snappy", "gzip", "lz4", "zstd"];

/// Accepts the format classes named in `allowed`, under any package.
pub(crate) fn format_class_validator(allowed: &'static [&'static str]) -> Validator {
    Validator::Custom(std::sync::Arc::new(move |value: &ConfigValue| {
        let Some(class) = value.to_config_string() else {
            return Ok(());
        };
        match simple_name(&class) {
            name if allowed.contains(&name) => Ok(()),
            _ => Err(format!("{class} is not one of {}", allowed.join(", "))),
        }
    }))
}

/// The format keys.
pub(crate) fn definition() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(FORMAT_CLASS, ConfigType::Class)
                .validator(format_class_validator(&FORMATS))
                .importance(Importance::High)
                .doc(
                    "How records are written: JsonFormat (one JSON value per line), AvroFormat (an Avro \
                     container file), ParquetFormat (a Parquet file of the value structs), ByteArrayFormat (raw bytes and a separator) or CsvFormat (kconnect's \
                     own: a header and one row per struct), under any package.",
                ),
        )
        .define(
            ConfigKey::new(BYTEARRAY_EXTENSION, ConfigType::String)
                .default_value(ConfigValue::String(".bin".into()))
                .importance(Importance::Low)
                .doc("The extension of ByteArrayFormat objects."),
        )
        .define(
            ConfigKey::new(BYTEARRAY_SEPARATOR, ConfigType::String)
                .default_value(ConfigValue::Null)
                .importance(Importance::Low)
                .doc("What follows each record in ByteArrayFormat objects; a line break when unset."),
        )
        .define(
            ConfigKey::new(AVRO_CODEC, ConfigType::String)
                .default_value(ConfigValue::String("null".into()))
                .validator(Validator::one_of(&AVRO_CODECS))
                .importance(Importance::Low)
                .doc("The compression of Avro blocks: null, deflate, snappy or zstandard."),
        )
        .define(
            ConfigKey::new(PARQUET_CODEC, ConfigType::String)
                .default_value(ConfigValue::String("snappy".into()))
                .validator(Validator::one_of(&PARQUET_CODECS))
                .importance(Importance::Low)
                .doc("The compression of Parquet pages: none, snappy, gzip, lz4 or zstd (brotli and lzo are not written)."),
        )
}

/// The record formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FormatKind {
    /// One JSON value per line, as the JsonConverter writes it without schemas.
    Json,
    /// The value's bytes, then the separator.
    ByteArray,
    /// A header row of the struct's fields, then one row per record.
    Csv,
    /// An Avro container file.
    Avro,
    /// A Parquet file.
    Parquet,
}

/// A sink's format: the kind, its options and the compression.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct FormatSpec {
    /// The kind.
    pub kind: FormatKind,
    /// The compression of the bytes.
    pub compression: Compression,
    /// ByteArrayFormat's extension.
    pub bytearray_extension: String,
    /// ByteArrayFormat's separator.
    pub bytearray_separator: Vec<u8>,
    /// AvroFormat's block codec.
    pub avro_codec: apache_avro::Codec,
    /// ParquetFormat's compression, and what it adds to the extension.
    pub parquet_codec: (::parquet::basic::Compression, &'static str),
}

fn parquet_codec(name: &str) -> Result<(::parquet::basic::Compression, &'static str)> {
    parquet::codec(name).ok_or_else(|| {
        kconnect_api::ConnectError::config(PARQUET_CODEC, format!("{name} is not one of {PARQUET_CODECS:?}"))
    })
}

fn avro_codec(name: &str) -> apache_avro::Codec {
    match name {
        "deflate" => apache_avro::Codec::Deflate(apache_avro::DeflateSettings::default()),
        "snappy" => apache_avro::Codec::Snappy,
        "zstandard" => apache_avro::Codec::Zstandard(apache_avro::ZstandardSettings::default()),
        _ => apache_avro::Codec::Null,
    }
}

impl FormatKind {
    /// The kind a format class names (the validator has checked it is one).
    pub(crate) fn of_class(class: &str) -> Self {
        match simple_name(class) {
            "ByteArrayFormat" => Self::ByteArray,
            "CsvFormat" => Self::Csv,
            "AvroFormat" => Self::Avro,
            "ParquetFormat" => Self::Parquet,
            _ => Self::Json,
        }
    }

    /// Whether the format holds structs only, so that keys and headers are wrapped in one.
    pub(crate) fn holds_structs_only(self) -> bool {
        matches!(self, Self::Parquet | Self::Csv)
    }
}

impl FormatSpec {
    /// The format from its keys; `compression_key` is the store's name for the compression key
    /// (none for reading, where a `.gz` name tells).
    pub(crate) fn from_parsed(parsed: &ParsedConfig, compression_key: Option<&str>) -> Result<Self> {
        let kind = FormatKind::of_class(parsed.get_string(FORMAT_CLASS)?);
        let compression = match compression_key.map(|key| parsed.get_string(key)).transpose()? {
            Some("gzip") => Compression::Gzip,
            _ => Compression::None,
        };
        Ok(Self {
            kind,
            compression,
            bytearray_extension: parsed.get_string(BYTEARRAY_EXTENSION)?.to_string(),
            bytearray_separator: parsed.string(BYTEARRAY_SEPARATOR).unwrap_or("\n").as_bytes().to_vec(),
            avro_codec: avro_codec(parsed.get_string(AVRO_CODEC)?),
            parquet_codec: parquet_codec(parsed.get_string(PARQUET_CODEC)?)?,
        })
    }

    /// The extension of this format's objects, compression included (Avro and Parquet compress
    /// inside the file; Parquet's codec is named before `.parquet`, as Confluent's).
    pub fn extension(&self) -> String {
        let base = match self.kind {
            FormatKind::Json => ".json",
            FormatKind::ByteArray => &self.bytearray_extension,
            FormatKind::Csv => ".csv",
            FormatKind::Avro => return ".avro".into(),
            FormatKind::Parquet => return format!("{}.parquet", self.parquet_codec.1),
        };
        format!("{base}{}", self.compression.suffix())
    }

    /// The values of an object this format wrote, in order; `name` tells a gzipped one (`.gz`).
    pub fn read(&self, name: &str, bytes: &[u8]) -> Result<Vec<SchemaAndValue>> {
        let gunzipped;
        let bytes = if name.ends_with(Compression::Gzip.suffix()) {
            let mut plain = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(bytes), &mut plain)
                .map_err(|e| kconnect_api::ConnectError::data(format!("{name} is not gzip: {e}")))?;
            gunzipped = plain;
            gunzipped.as_slice()
        } else {
            bytes
        };
        match self.kind {
            FormatKind::Json => json::read(bytes),
            FormatKind::ByteArray => Ok(bytearray::read(bytes, &self.bytearray_separator)),
            FormatKind::Csv => csv::read(bytes),
            FormatKind::Avro => kconnect_converters::avro::read_container(bytes),
            FormatKind::Parquet => parquet::read(bytes),
        }
    }

    /// The same format with another kind (the keys' and headers' objects).
    pub(crate) fn with_kind(&self, kind: FormatKind) -> Self {
        Self { kind, ..self.clone() }
    }

    /// A new object's encoder, for values of `schema`.
    pub fn encoder(&self, schema: Option<&SchemaRef>) -> Result<Box<dyn Encoder>> {
        let records: Box<dyn RecordWriter> = match self.kind {
            FormatKind::Json => Box::new(json::JsonWriter::new()?),
            FormatKind::ByteArray => Box::new(bytearray::ByteArrayWriter::new(self.bytearray_separator.clone())),
            FormatKind::Csv => Box::new(csv::CsvWriter::new(schema)?),
            FormatKind::Avro => return Ok(Box::new(avro::AvroEncoder::new(schema, self.avro_codec)?)),
            FormatKind::Parquet => return Ok(Box::new(parquet::ParquetEncoder::new(schema, self.parquet_codec.0)?)),
        };
        Ok(Box::new(LineEncoder::new(records, self.compression)?))
    }
}

/// Appends records to an object's bytes, one at a time.
pub(crate) trait RecordWriter: Send {
    /// The bytes an object starts with (a header).
    fn header(&self) -> Vec<u8> {
        Vec::new()
    }

    /// Appends `view` (what the object holds of a record of `topic`) to `out`; one that does not
    /// fit the format is a data error.
    fn write(&mut self, topic: &str, view: &SchemaAndValue, out: &mut Vec<u8>) -> Result<()>;
}

/// One object's encoder: records in, bytes out, shipped in parts as they grow. A record is
/// staged first, then committed, so that the objects holding a record's value, key and headers
/// take it together or not at all.
pub(crate) trait Encoder: Send {
    /// Converts `view` (what the object holds of a record of `topic`) and keeps it staged, in
    /// place of anything staged before; one the format cannot hold is a data error.
    fn stage(&mut self, topic: &str, view: &SchemaAndValue) -> Result<()>;

    /// Appends the staged record to the object.
    fn commit(&mut self) -> Result<()>;

    /// The encoded bytes held in memory.
    fn buffered(&self) -> usize;

    /// Takes the bytes encoded so far, to ship as a part.
    fn take(&mut self) -> Result<PutPayload>;

    /// Ends the object: its last bytes.
    fn finish(self: Box<Self>) -> Result<PutPayload>;
}
