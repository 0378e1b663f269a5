//! What of a record the objects hold: always its value; its key and its headers too when
//! `store.kafka.keys` and `store.kafka.headers` ask, each in an object of its own beside the
//! value's, as Confluent's sinks write them (`<name>.keys.<ext>`, `<name>.headers.<ext>`, one entry
//! per record in the same order). The restore source reads them back onto the records.

use std::borrow::Cow;
use std::sync::LazyLock;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig};
use kconnect_api::values::to_display_string;
use kconnect_api::{
    ConfigDef, ConnectError, Headers, Result, Schema, SchemaAndValue, SchemaBuilder, SchemaRef, SinkRecord, Struct,
    Value,
};

use crate::format::{FormatKind, FormatSpec, format_class_validator};

const STORE_KEYS: &str = "store.kafka.keys";
const STORE_HEADERS: &str = "store.kafka.headers";
const KEYS_FORMAT_CLASS: &str = "keys.format.class";
const HEADERS_FORMAT_CLASS: &str = "headers.format.class";
/// The formats that hold keys, and those that hold headers (CSV would flatten them to text).
const KEY_FORMATS: [&str; 4] = ["AvroFormat", "JsonFormat", "ParquetFormat", "ByteArrayFormat"];
const HEADER_FORMATS: [&str; 3] = ["AvroFormat", "JsonFormat", "ParquetFormat"];

/// One header as stored: its key and its value in Connect's string form (null when null).
static HEADER_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    SchemaBuilder::struct_()
        .field("key", Schema::string())
        .field("value", Schema::optional_string())
        .build()
});
static HEADERS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| SchemaBuilder::array(HEADER_SCHEMA.clone()).build());
/// The headers wrapped in a struct, for the formats that hold structs only.
static HEADERS_STRUCT_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    SchemaBuilder::struct_()
        .name("RecordHeaders")
        .field("headers", HEADERS_SCHEMA.clone())
        .build()
});

/// The keys that store keys and headers.
pub(crate) fn definition() -> ConfigDef {
    let format_key = |name: &'static str, allowed: &'static [&'static str], what: &str| {
        ConfigKey::new(name, ConfigType::Class)
            .default_value(ConfigValue::String("AvroFormat".into()))
            .validator(format_class_validator(allowed))
            .importance(Importance::Low)
            .doc(format!(
                "The format of the {what} objects: {}, under any package.",
                allowed.join(", ")
            ))
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(STORE_KEYS, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Medium)
                .doc(
                    "Write each object's record keys to `<name>.keys.<ext>` beside it (a record without \
                     a key is then an error record); a restore reads them back.",
                ),
        )
        .define(
            ConfigKey::new(STORE_HEADERS, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Medium)
                .doc(
                    "Write each object's record headers to `<name>.headers.<ext>` beside it, as a list \
                     of key and string value; a restore reads them back.",
                ),
        )
        .define(format_key(KEYS_FORMAT_CLASS, &KEY_FORMATS, "keys"))
        .define(format_key(HEADERS_FORMAT_CLASS, &HEADER_FORMATS, "headers"))
}

/// A part of a record that objects hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// The value.
    Value,
    /// The key.
    Key,
    /// The headers.
    Headers,
}

impl Part {
    /// What the part's objects add to the name before the format's extension.
    pub fn infix(self) -> &'static str {
        match self {
            Self::Value => "",
            Self::Key => ".keys",
            Self::Headers => ".headers",
        }
    }

    /// The part of `record` as an object in `kind` holds it: keys and headers are wrapped in a
    /// struct (`RecordKey`, `RecordHeaders`) where the format holds only structs, as Confluent's.
    /// A record without a key has no key to store: a data error, as Confluent's.
    pub fn view(self, record: &SinkRecord, kind: FormatKind) -> Result<Cow<'_, SchemaAndValue>> {
        let wrapped = kind.holds_structs_only();
        match self {
            Self::Value => Ok(Cow::Borrowed(&record.core.value)),
            Self::Key if record.core.key.value.is_null() => Err(ConnectError::data(format!(
                "{STORE_KEYS} is true and the record at {}-{} offset {} has no key",
                record.original_topic, record.original_kafka_partition, record.original_kafka_offset
            ))),
            Self::Key if wrapped => {
                let key = &record.core.key;
                let schema = key
                    .schema
                    .clone()
                    .ok_or_else(|| ConnectError::data("a key without a schema cannot be stored in a struct"))?;
                let schema = SchemaBuilder::struct_().name("RecordKey").field("key", schema).build();
                let value = Struct::with_values(schema.clone(), vec![key.value.clone()])?;
                Ok(Cow::Owned(SchemaAndValue::new(Some(schema), Value::Struct(value))))
            }
            Self::Key => Ok(Cow::Borrowed(&record.core.key)),
            Self::Headers => {
                let headers = record
                    .core
                    .headers
                    .iter()
                    .map(|header| {
                        let value = match &header.value {
                            Value::Null => Value::Null,
                            other => Value::String(to_display_string(other)),
                        };
                        Struct::with_values(HEADER_SCHEMA.clone(), vec![Value::String(header.key.clone()), value])
                            .map(Value::Struct)
                    })
                    .collect::<Result<Vec<_>>>()?;
                if !wrapped {
                    return Ok(Cow::Owned(SchemaAndValue::new(
                        Some(HEADERS_SCHEMA.clone()),
                        Value::Array(headers),
                    )));
                }
                let value = Struct::with_values(HEADERS_STRUCT_SCHEMA.clone(), vec![Value::Array(headers)])?;
                Ok(Cow::Owned(SchemaAndValue::new(
                    Some(HEADERS_STRUCT_SCHEMA.clone()),
                    Value::Struct(value),
                )))
            }
        }
    }
}

/// The parts stored beside the values, with the format of each.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Companions {
    /// The keys' format, when keys are stored.
    pub keys: Option<FormatSpec>,
    /// The headers' format, when headers are stored.
    pub headers: Option<FormatSpec>,
}

impl Companions {
    /// The companions the keys ask for, in the values' format options with their own kind.
    pub fn from_parsed(parsed: &ParsedConfig, values: &FormatSpec) -> Result<Self> {
        let stored = |flag: &str, class: &str| -> Result<Option<FormatSpec>> {
            Ok(parsed
                .get_boolean(flag)?
                .then(|| values.with_kind(FormatKind::of_class(parsed.string(class).unwrap_or_default()))))
        };
        Ok(Self {
            keys: stored(STORE_KEYS, KEYS_FORMAT_CLASS)?,
            headers: stored(STORE_HEADERS, HEADERS_FORMAT_CLASS)?,
        })
    }

    /// The format `part` is stored in beside the values, when it is.
    pub fn format_of(&self, part: Part) -> Option<&FormatSpec> {
        match part {
            Part::Value => None,
            Part::Key => self.keys.as_ref(),
            Part::Headers => self.headers.as_ref(),
        }
    }

    /// Each part stored beside the values, with its format.
    pub fn parts(&self) -> impl Iterator<Item = (Part, &FormatSpec)> {
        [Part::Key, Part::Headers]
            .into_iter()
            .filter_map(|part| Some((part, self.format_of(part)?)))
    }
}

/// The key a keys object holds, unwrapped from its `RecordKey` struct.
pub(crate) fn stored_key(stored: SchemaAndValue) -> SchemaAndValue {
    match stored.value {
        Value::Struct(wrapper) if wrapper.schema().name.as_deref() == Some("RecordKey") => {
            let schema = wrapper.schema().field("key").map(|field| field.schema.clone());
            let value = wrapper.into_values().into_iter().next().unwrap_or(Value::Null);
            SchemaAndValue::new(schema, value)
        }
        value => SchemaAndValue::new(stored.schema, value),
    }
}

/// The headers a headers object holds for one record: a list of key and value, as structs (Avro,
/// Parquet, the last wrapped in `RecordHeaders`) or maps (schemaless JSON).
pub(crate) fn stored_headers(stored: &SchemaAndValue) -> Result<Headers> {
    let list = match &stored.value {
        Value::Struct(wrapper) => wrapper.get("headers").unwrap_or(&Value::Null),
        Value::Map(entries) => entries
            .iter()
            .find(|(key, _)| matches!(key, Value::String(key) if key == "headers"))
            .map_or(&Value::Null, |(_, value)| value),
        other => other,
    };
    let Value::Array(items) = list else {
        return Err(ConnectError::data(format!("not a list of headers: {list}")));
    };
    let mut headers = Headers::new();
    for item in items {
        let field = |name: &str| match item {
            Value::Struct(header) => header.get(name).cloned(),
            Value::Map(entries) => entries
                .iter()
                .find(|(key, _)| matches!(key, Value::String(key) if key == name))
                .map(|(_, value)| value.clone()),
            _ => None,
        };
        let (Some(Value::String(key)), Some(value)) = (field("key"), field("value")) else {
            return Err(ConnectError::data(format!("not a header: {item}")));
        };
        match value {
            Value::String(text) => headers.add(key, Some(Schema::string()), Value::String(text)),
            _ => headers.add(key, Some(Schema::optional_string()), Value::Null),
        };
    }
    Ok(headers)
}

#[cfg(test)]
mod tests {
    use kconnect_api::RecordCore;
    use kconnect_api::record::TimestampType;

    use super::*;

    fn record(key: SchemaAndValue) -> SinkRecord {
        let mut core = RecordCore::new("t", SchemaAndValue::new(None, Value::Int64(1)));
        core.key = key;
        core.headers.add_string("trace", "abc");
        core.headers.add("n", Some(Schema::int32()), Value::Int32(7));
        SinkRecord::new(core, 0, 5, TimestampType::CreateTime)
    }

    #[test]
    fn keys_round_trip_wrapped_and_plain() {
        let record = record(SchemaAndValue::new(Some(Schema::string()), "k1".into()));
        for kind in [FormatKind::Avro, FormatKind::Parquet] {
            let view = Part::Key.view(&record, kind).unwrap().into_owned();
            assert_eq!(stored_key(view).value, Value::String("k1".into()), "{kind:?}");
        }
    }

    #[test]
    fn a_record_without_a_key_is_a_data_error() {
        let err = Part::Key
            .view(&record(SchemaAndValue::NULL), FormatKind::Json)
            .unwrap_err();
        assert!(err.is_data() && err.to_string().contains("t-0 offset 5"), "{err}");
    }

    #[test]
    fn headers_round_trip_as_strings() {
        let record = record(SchemaAndValue::NULL);
        for kind in [FormatKind::Avro, FormatKind::Parquet] {
            let view = Part::Headers.view(&record, kind).unwrap();
            let headers = stored_headers(&view).unwrap();
            let pairs: Vec<(&str, &Value)> = headers.iter().map(|h| (h.key.as_str(), &h.value)).collect();
            assert_eq!(
                pairs,
                [
                    ("trace", &Value::String("abc".into())),
                    ("n", &Value::String("7".into()))
                ],
                "{kind:?}"
            );
        }
    }
}
