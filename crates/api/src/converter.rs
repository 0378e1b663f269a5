//! Converters: between Connect data and the bytes stored in Kafka.

use crate::config::{ConfigDef, ConfigMap};
use crate::error::Result;
use crate::record::SchemaAndValue;
use crate::schema::SchemaRef;
use crate::value::Value;

/// Converts keys or values between Connect data and bytes.
///
/// [`Converter::configure`] is called once, with the converter's own properties (the worker's or
/// connector's `key.converter.*` / `value.converter.*` with the prefix removed), before any
/// conversion.
pub trait Converter: Send + Sync {
    /// The converter's configuration keys.
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    /// Applies the configuration; `is_key` tells a key converter from a value converter.
    fn configure(&mut self, config: &ConfigMap, is_key: bool) -> Result<()>;

    /// Serialises a value (Apache's `fromConnectData`); `None` is a Kafka null (a tombstone for values).
    fn to_bytes(&self, topic: &str, schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>>;

    /// Deserialises bytes read from `topic` (Apache's `toConnectData`); `None` is a Kafka null.
    fn to_connect(&self, topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue>;
}

/// Converts header values between Connect data and bytes.
pub trait HeaderConverter: Send + Sync {
    /// The converter's configuration keys.
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    /// Applies the configuration.
    fn configure(&mut self, config: &ConfigMap) -> Result<()>;

    /// Serialises one header value (Apache's `fromConnectHeader`).
    fn header_to_bytes(
        &self,
        topic: &str,
        key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>>;

    /// Deserialises one header value (Apache's `toConnectHeader`).
    fn header_to_connect(&self, topic: &str, key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue>;
}
