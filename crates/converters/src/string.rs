//! `org.apache.kafka.connect.storage.StringConverter`.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, Converter, HeaderConverter, Result, Schema, SchemaAndValue, SchemaRef, Value,
};

use kconnect_api::values;

/// Writes any value as its string form in UTF-8; reads bytes as an optional string.
#[derive(Debug, Default, Clone)]
pub struct StringConverter;

fn string_config_def() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new("converter.encoding", ConfigType::String)
            .default_value(ConfigValue::String("UTF-8".into()))
            .doc("The name of the Java character set to use for encoding strings as byte arrays."),
    )
}

fn check_encoding(config: &ConfigMap) -> Result<()> {
    let prefixed = config.keys().find(|k| k.ends_with("encoding"));
    match prefixed.map(|k| config[k].to_ascii_uppercase()) {
        None => Ok(()),
        Some(name) if name == "UTF-8" || name == "UTF8" => Ok(()),
        Some(name) => Err(ConnectError::config(
            "converter.encoding",
            format!("Unsupported encoding {name}: only UTF-8"),
        )),
    }
}

/// A value as its display string in UTF-8; `None` for null.
pub(crate) fn to_bytes(value: &Value) -> Option<Vec<u8>> {
    match value {
        Value::Null => None,
        other => Some(values::to_display_string(other).into_bytes()),
    }
}

fn from_bytes(bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
    let value = match bytes {
        None => Value::Null,
        Some(bytes) => Value::String(
            std::str::from_utf8(bytes)
                .map_err(|err| ConnectError::data(format!("Failed to deserialize string: {err}")))?
                .to_string(),
        ),
    };
    Ok(SchemaAndValue::new(Some(Schema::optional_string()), value))
}

impl Converter for StringConverter {
    fn config_def(&self) -> ConfigDef {
        string_config_def()
    }

    fn configure(&mut self, config: &ConfigMap, _is_key: bool) -> Result<()> {
        check_encoding(config)
    }

    fn to_bytes(&self, _topic: &str, _schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
        Ok(to_bytes(value))
    }

    fn to_connect(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        from_bytes(bytes)
    }
}

/// StringConverter used as a header converter.
#[derive(Debug, Default, Clone)]
pub struct StringHeaderConverter;

impl HeaderConverter for StringHeaderConverter {
    fn config_def(&self) -> ConfigDef {
        string_config_def()
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        check_encoding(config)
    }

    fn header_to_bytes(
        &self,
        _topic: &str,
        _key: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        Ok(to_bytes(value))
    }

    fn header_to_connect(&self, _topic: &str, _key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        from_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_and_other_values() {
        let c = StringConverter;
        assert_eq!(
            c.to_bytes("t", None, &"héllo".into()).unwrap(),
            Some("héllo".as_bytes().to_vec())
        );
        assert_eq!(c.to_bytes("t", None, &Value::Int32(12)).unwrap(), Some(b"12".to_vec()));
        assert_eq!(c.to_bytes("t", None, &Value::Null).unwrap(), None);
        let back = c.to_connect("t", Some(b"abc")).unwrap();
        assert_eq!(back.value, Value::from("abc"));
        assert_eq!(back.schema, Some(Schema::optional_string()));
        assert_eq!(c.to_connect("t", None).unwrap().value, Value::Null);
    }

    #[test]
    fn rejects_other_encodings() {
        let mut c = StringConverter;
        let config: ConfigMap = [("converter.encoding".to_string(), "UTF-16".to_string())].into();
        assert!(c.configure(&config, false).is_err());
    }
}
