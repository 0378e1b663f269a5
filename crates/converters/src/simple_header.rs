//! `org.apache.kafka.connect.storage.SimpleHeaderConverter`, the default header converter.

use kconnect_api::{ConfigMap, HeaderConverter, Result, SchemaAndValue, SchemaRef, Value};

use kconnect_api::values;

/// Writes header values as strings and infers their types back from the strings.
#[derive(Debug, Default, Clone)]
pub struct SimpleHeaderConverter;

impl HeaderConverter for SimpleHeaderConverter {
    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
    }

    fn header_to_bytes(
        &self,
        _topic: &str,
        _key: &str,
        _schema: Option<&SchemaRef>,
        value: &Value,
    ) -> Result<Option<Vec<u8>>> {
        Ok(crate::string::to_bytes(value))
    }

    fn header_to_connect(&self, _topic: &str, _key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        Ok(match bytes {
            None => SchemaAndValue::NULL,
            Some(bytes) => match std::str::from_utf8(bytes) {
                Ok(text) => values::parse_string(text),
                Err(_) => SchemaAndValue::new(Some(kconnect_api::Schema::bytes()), Value::Bytes(bytes.to_vec())),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_typed_headers() {
        let c = SimpleHeaderConverter;
        for value in [
            Value::Int32(70_000),
            Value::Boolean(false),
            Value::from("text"),
            Value::Timestamp(1),
        ] {
            let bytes = c.header_to_bytes("t", "h", None, &value).unwrap();
            assert_eq!(c.header_to_connect("t", "h", bytes.as_deref()).unwrap().value, value);
        }
        assert_eq!(
            c.header_to_connect("t", "h", Some(&[0xff, 0xfe])).unwrap().value,
            Value::Bytes(vec![0xff, 0xfe])
        );
    }
}
