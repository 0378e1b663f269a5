//! The JSON Schema format of the [`SchemaConverter`]: records are the JSON text of the value (bytes
//! and base64 decimals as base64 strings, maps with other than string keys as arrays of
//! `{"key", "value"}` objects), schemas JSON Schemas.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, ConnectError, Result, SchemaAndValue, SchemaRef, Value};

use super::schema::{SchemaOptions, connect_schema, json_schema};
use crate::confluent::{Format, SchemaConverter};
use crate::json::{DecimalFormat, JsonData, JsonSettings, MapEntries, data_error, from_json};

const DECIMAL_FORMAT: &str = "decimal.format";
const ADDITIONAL_PROPERTIES: &str = "object.additional.properties";
const OPTIONAL_FOR_NONREQUIRED: &str = "use.optional.for.nonrequired";

/// Confluent's JsonSchemaConverter.
pub type JsonSchemaConverter = SchemaConverter<JsonSchemaFormat>;

/// JSON Schema as the [`SchemaConverter`]'s format.
pub struct JsonSchemaFormat {
    settings: JsonSettings,
    options: SchemaOptions,
}

impl JsonSchemaFormat {
    /// How JsonSchemaData writes values unless configured: decimals in base64, nulls with a
    /// default as the default, non-string-keyed maps as arrays of key/value objects.
    pub(crate) fn default_settings() -> JsonSettings {
        JsonSettings {
            schemas_enable: false,
            decimal_format: DecimalFormat::Base64,
            replace_null_with_default: true,
            map_entries: MapEntries::Objects,
        }
    }
}

impl Default for JsonSchemaFormat {
    fn default() -> Self {
        Self {
            settings: Self::default_settings(),
            options: SchemaOptions::default(),
        }
    }
}

fn not_json(err: serde_json::Error) -> ConnectError {
    ConnectError::data(format!("JSON Schema converter: not JSON: {err}"))
}

impl Format for JsonSchemaFormat {
    const SCHEMA_TYPE: &'static str = "JSON";
    const CONVERTER: &'static str = "JsonSchemaConverter";
    const UNNAMED: &'static str = "io.confluent.connect.json.ConnectDefault";
    /// A JSON record depends only on its Connect schema.
    type Writer = ();
    type Reader = SchemaRef;

    fn define(def: ConfigDef) -> ConfigDef {
        def.define(
            ConfigKey::new(DECIMAL_FORMAT, ConfigType::String)
                .default_value(ConfigValue::String("BASE64".into()))
                .validator(Validator::one_of_ignore_case(&["BASE64", "NUMERIC"]))
                .importance(Importance::Low)
                .doc("How decimals are written: BASE64 (their unscaled bytes) or NUMERIC (a JSON number)."),
        )
        .define(
            ConfigKey::new(ADDITIONAL_PROPERTIES, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Medium)
                .doc("Whether objects allow properties they do not list; false writes \"additionalProperties\": false, so that adding an optional field is a compatible change."),
        )
        .define(
            ConfigKey::new(OPTIONAL_FOR_NONREQUIRED, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Medium)
                .doc("Read properties an object does not require as optional fields."),
        )
    }

    fn configure(&mut self, parsed: &ParsedConfig) -> Result<()> {
        self.settings.decimal_format = match parsed.get_string(DECIMAL_FORMAT)?.to_ascii_uppercase().as_str() {
            "NUMERIC" => DecimalFormat::Numeric,
            _ => DecimalFormat::Base64,
        };
        self.options = SchemaOptions {
            additional_properties: parsed.get_boolean(ADDITIONAL_PROPERTIES)?,
            optional_for_nonrequired: parsed.get_boolean(OPTIONAL_FOR_NONREQUIRED)?,
        };
        Ok(())
    }

    fn writer(&self, schema: &SchemaRef) -> Result<(String, ())> {
        Ok((json_schema(schema, &self.settings, self.options)?.to_string(), ()))
    }

    fn writer_of_text(&self, _text: &str) -> Result<()> {
        Ok(())
    }

    /// References are not followed: a `$ref` is refused by name.
    fn reader(&self, text: &str, _referenced: &[(String, String)]) -> Result<SchemaRef> {
        connect_schema(
            &serde_json::from_str(text).map_err(not_json)?,
            &self.settings,
            self.options,
        )
    }

    fn write(&self, _writer: &(), schema: &SchemaRef, value: &Value, out: &mut Vec<u8>) -> Result<()> {
        serde_json::to_writer(out, &JsonData::new(Some(schema), value, &self.settings)).map_err(data_error)
    }

    fn read(&self, reader: &SchemaRef, record: &[u8]) -> Result<SchemaAndValue> {
        let json: serde_json::Value = serde_json::from_slice(record).map_err(not_json)?;
        let value = from_json(Some(reader), &json, &self.settings)?;
        Ok(SchemaAndValue::new(Some(reader.clone()), value))
    }

    fn incompatibilities(&self, reader: &str, writer: &str) -> Result<Vec<String>> {
        let parse = |text: &str| serde_json::from_str::<serde_json::Value>(text).map_err(not_json);
        Ok(kconnect_schema_compatibility::json::breaking_changes(
            &parse(writer)?,
            &parse(reader)?,
        ))
    }
}
