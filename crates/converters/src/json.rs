//! `org.apache.kafka.connect.json.JsonConverter`: JSON with or without the
//! `{"schema":…,"payload":…}` envelope, byte-compatible with Apache's.

mod cache;
mod data;
mod schema;
mod schemaless;

use std::sync::{Arc, LazyLock};

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, Converter, HeaderConverter, Result, SchemaAndValue, SchemaRef, Value,
};
use kconnect_memo::SchemaMemo;

pub(crate) use data::{JsonData, data_error};
pub use data::{from_json, to_json};
pub use schema::{schema_from_json, schema_to_json};
use schemaless::Schemaless;

const SCHEMAS_ENABLE: &str = "schemas.enable";
const DECIMAL_FORMAT: &str = "decimal.format";
const REPLACE_NULL_WITH_DEFAULT: &str = "replace.null.with.default";
const SCHEMAS_CACHE_SIZE: &str = "schemas.cache.size";
/// How many schemas the converter keeps each way unless `schemas.cache.size` says otherwise.
const SCHEMAS_CACHE_DEFAULT: usize = 1000;
/// Bytes reserved beyond the schema text so that a typical payload is written without regrowing.
const PAYLOAD_CAPACITY_HINT: usize = 256;

/// How Decimal values are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalFormat {
    /// Base64 of the unscaled two's-complement bytes (Apache's default).
    #[default]
    Base64,
    /// A JSON number.
    Numeric,
}

/// How maps whose keys are not strings are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MapEntries {
    /// `[[key, value], …]`, as Apache's JsonConverter writes them.
    #[default]
    Pairs,
    /// `[{"key": key, "value": value}, …]`, as Confluent's JSON Schema converter writes them.
    Objects,
}

/// The JsonConverter's settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonSettings {
    /// Whether the schema envelope is written and required.
    pub schemas_enable: bool,
    /// How decimals are written.
    pub decimal_format: DecimalFormat,
    /// Whether a null field with a default is written as the default.
    pub replace_null_with_default: bool,
    /// How maps with keys that are not strings are written.
    pub map_entries: MapEntries,
}

/// The settings of an empty configuration: the definition's defaults.
static DEFAULT_SETTINGS: LazyLock<JsonSettings> =
    LazyLock::new(|| parse_settings(&ConfigMap::new()).expect("the JsonConverter's defaults parse"));

impl Default for JsonSettings {
    /// The defaults of the converter's configuration definition.
    fn default() -> Self {
        *DEFAULT_SETTINGS
    }
}

/// The JsonConverter's configuration keys, as Apache's `JsonConverterConfig`.
pub fn json_config_def() -> ConfigDef {
    ConfigDef::new()
        .define(
            ConfigKey::new(SCHEMAS_ENABLE, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::High)
                .doc("Include schemas within each of the serialized values and keys.")
                .group("Schemas", 0),
        )
        .define(
            ConfigKey::new(SCHEMAS_CACHE_SIZE, ConfigType::Int)
                .default_value(ConfigValue::Int(SCHEMAS_CACHE_DEFAULT as i32))
                .importance(Importance::High)
                .doc("The maximum number of schemas that can be cached in this converter instance.")
                .group("Schemas", 1),
        )
        .define(
            ConfigKey::new(DECIMAL_FORMAT, ConfigType::String)
                .default_value(ConfigValue::String("BASE64".into()))
                .validator(Validator::one_of_ignore_case(&["BASE64", "NUMERIC"]))
                .importance(Importance::Low)
                .doc("Controls which format this converter will serialize decimals in.")
                .group("Serialization", 0),
        )
        .define(
            ConfigKey::new(REPLACE_NULL_WITH_DEFAULT, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Low)
                .doc("Whether to replace fields that have a default value and that are null to the default value.")
                .group("Serialization", 1),
        )
}

fn parse_settings(config: &ConfigMap) -> Result<JsonSettings> {
    settings_from(&json_config_def().parse(config)?)
}

fn settings_from(parsed: &ParsedConfig) -> Result<JsonSettings> {
    Ok(JsonSettings {
        schemas_enable: parsed.get_boolean(SCHEMAS_ENABLE)?,
        decimal_format: match parsed.get_string(DECIMAL_FORMAT)?.to_ascii_uppercase().as_str() {
            "NUMERIC" => DecimalFormat::Numeric,
            _ => DecimalFormat::Base64,
        },
        replace_null_with_default: parsed.get_boolean(REPLACE_NULL_WITH_DEFAULT)?,
        map_entries: MapEntries::Pairs,
    })
}

/// The envelope of a record with schemas: exactly these two fields, each kept as raw JSON so that
/// the schema text can be looked up in the cache before anything is parsed.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct Envelope<'a> {
    #[serde(borrow)]
    schema: &'a serde_json::value::RawValue,
    #[serde(borrow)]
    payload: &'a serde_json::value::RawValue,
}

const ENVELOPE_REQUIRED: &str = "JsonConverter with schemas.enable requires \"schema\" and \"payload\" fields and may not contain additional fields. If you are trying to deserialize plain JSON data, set schemas.enable=false in your converter configuration.";

fn serialization_error(err: serde_json::Error) -> ConnectError {
    ConnectError::data(format!(
        "Converting byte[] to Kafka Connect data failed due to serialization error: {err}"
    ))
}

/// Converts Connect data to and from JSON bytes.
#[derive(Debug, Clone)]
pub struct JsonConverter {
    settings: JsonSettings,
    schemas: cache::SchemaCache,
    schema_texts: SchemaMemo<Arc<str>>,
}

impl JsonConverter {
    /// A converter with explicit settings.
    pub fn with_settings(settings: JsonSettings) -> Self {
        Self {
            settings,
            schemas: cache::SchemaCache::new(SCHEMAS_CACHE_DEFAULT),
            schema_texts: SchemaMemo::new(SCHEMAS_CACHE_DEFAULT),
        }
    }

    /// Serialises to JSON bytes; `None` for a null value without schema (a tombstone).
    pub fn serialize(&self, schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
        if schema.is_none() && value.is_null() {
            return Ok(None);
        }
        let payload = data::JsonData::new(schema, value, &self.settings);
        if !self.settings.schemas_enable {
            return serde_json::to_vec(&payload).map(Some).map_err(data::data_error);
        }
        let schema_text = match schema {
            Some(schema) => self.schema_texts.get_or_try_insert(schema, |schema| {
                Ok(schema_to_json(schema, &self.settings).to_string().into())
            })?,
            None => Arc::from("null"),
        };
        let mut bytes = Vec::with_capacity(schema_text.len() + PAYLOAD_CAPACITY_HINT);
        bytes.extend_from_slice(b"{\"schema\":");
        bytes.extend_from_slice(schema_text.as_bytes());
        bytes.extend_from_slice(b",\"payload\":");
        serde_json::to_writer(&mut bytes, &payload).map_err(data::data_error)?;
        bytes.push(b'}');
        Ok(Some(bytes))
    }

    /// Deserialises JSON bytes; `None` (a tombstone) is a null with no schema.
    pub fn deserialize(&self, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::NULL);
        };
        if !self.settings.schemas_enable {
            let Schemaless(value) = serde_json::from_slice(bytes).map_err(serialization_error)?;
            return Ok(SchemaAndValue::new(None, value));
        }
        let envelope: Envelope<'_> = serde_json::from_slice(bytes).map_err(|err| match err.classify() {
            serde_json::error::Category::Data => ConnectError::data(ENVELOPE_REQUIRED),
            _ => serialization_error(err),
        })?;
        let schema = self.schemas.schema(envelope.schema.get())?;
        if schema.is_none() {
            let Schemaless(value) = serde_json::from_str(envelope.payload.get()).map_err(serialization_error)?;
            return Ok(SchemaAndValue::new(None, value));
        }
        let payload: serde_json::Value = serde_json::from_str(envelope.payload.get()).map_err(serialization_error)?;
        let value = from_json(schema.as_ref(), &payload, &self.settings)?;
        Ok(SchemaAndValue::new(schema, value))
    }
}

impl Default for JsonConverter {
    fn default() -> Self {
        Self::with_settings(JsonSettings::default())
    }
}

impl Converter for JsonConverter {
    fn config_def(&self) -> ConfigDef {
        json_config_def()
    }

    fn configure(&mut self, config: &ConfigMap, _is_key: bool) -> Result<()> {
        let parsed = json_config_def().parse(config)?;
        self.settings = settings_from(&parsed)?;
        let size = parsed.get_int(SCHEMAS_CACHE_SIZE)?.max(0) as usize;
        self.schemas = cache::SchemaCache::new(size);
        self.schema_texts = SchemaMemo::new(size);
        Ok(())
    }

    fn to_bytes(&self, _topic: &str, schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
        self.serialize(schema, value)
    }

    fn to_connect(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        self.deserialize(bytes)
    }
}

/// JsonConverter used as a header converter (same encoding).
#[derive(Debug, Default, Clone)]
pub struct JsonHeaderConverter(JsonConverter);

impl HeaderConverter for JsonHeaderConverter {
    fn config_def(&self) -> ConfigDef {
        json_config_def()
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.0.settings = parse_settings(config)?;
        Ok(())
    }

    fn header_to_bytes(
        &self,
        _topic: &str,
        _key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        self.0.serialize(schema, value)
    }

    fn header_to_connect(&self, _topic: &str, _key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        self.0.deserialize(bytes)
    }
}

#[cfg(test)]
mod tests;
