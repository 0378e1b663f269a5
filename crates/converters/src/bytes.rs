//! `org.apache.kafka.connect.converters.ByteArrayConverter`.

use kconnect_api::{
    ConfigMap, ConnectError, Converter, HeaderConverter, Result, Schema, SchemaAndValue, SchemaRef, SchemaType, Value,
};

/// Passes bytes through unchanged, in keys, values and (as Apache accepts it as a
/// `header.converter`, and MirrorMaker 2 configurations use it) header values.
#[derive(Debug, Default, Clone)]
pub struct ByteArrayConverter;

impl Converter for ByteArrayConverter {
    fn configure(&mut self, _config: &ConfigMap, _is_key: bool) -> Result<()> {
        Ok(())
    }

    fn to_bytes(&self, _topic: &str, schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
        if let Some(schema) = schema
            && schema.schema_type != SchemaType::Bytes
        {
            return Err(ConnectError::data(format!(
                "Invalid schema type for ByteArrayConverter: {}",
                schema.schema_type
            )));
        }
        match value {
            Value::Null => Ok(None),
            Value::Bytes(bytes) => Ok(Some(bytes.clone())),
            other => Err(ConnectError::data(format!(
                "ByteArrayConverter is not compatible with objects of type {}",
                other.type_name()
            ))),
        }
    }

    fn to_connect(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let value = bytes.map_or(Value::Null, |b| Value::Bytes(b.to_vec()));
        Ok(SchemaAndValue::new(Some(Schema::optional_bytes()), value))
    }
}

impl HeaderConverter for ByteArrayConverter {
    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
    }

    fn header_to_bytes(
        &self,
        topic: &str,
        _key: &str,
        schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        self.to_bytes(topic, schema, value)
    }

    fn header_to_connect(&self, topic: &str, _key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        self.to_connect(topic, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passes_bytes_and_rejects_others() {
        let c = ByteArrayConverter;
        assert_eq!(
            c.to_bytes("t", None, &Value::Bytes(vec![1, 2])).unwrap(),
            Some(vec![1, 2])
        );
        assert!(c.to_bytes("t", Some(&Schema::string()), &"x".into()).is_err());
        assert!(c.to_bytes("t", None, &"x".into()).is_err());
        assert_eq!(c.to_connect("t", Some(&[9])).unwrap().value, Value::Bytes(vec![9]));
    }

    #[test]
    fn header_values_pass_through_as_bytes() {
        let c = ByteArrayConverter;
        let bytes = c
            .header_to_bytes("t", "h", Some(&Schema::optional_bytes()), &Value::Bytes(vec![0, 255]))
            .unwrap();
        assert_eq!(bytes, Some(vec![0, 255]));
        assert_eq!(c.header_to_bytes("t", "h", None, &Value::Null).unwrap(), None);
        assert_eq!(
            c.header_to_connect("t", "h", Some(&[7])).unwrap().value,
            Value::Bytes(vec![7])
        );
    }
}
