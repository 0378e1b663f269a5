//! The fixed-width number converters and BooleanConverter (`org.apache.kafka.connect.converters.*`):
//! Kafka's big-endian serializers, usable as key, value and header converters.

use kconnect_api::{
    ConfigMap, ConnectError, Converter, HeaderConverter, Result, Schema, SchemaAndValue, SchemaRef, Value,
};

macro_rules! number_converter {
    ($(#[$doc:meta])* $name:ident, $rust:ty, $variant:ident, $schema:ident, $java:literal) => {
        $(#[$doc])*
        #[derive(Debug, Default, Clone)]
        pub struct $name;

        impl $name {
            fn encode(value: &Value) -> Result<Option<Vec<u8>>> {
                match value {
                    Value::Null => Ok(None),
                    Value::$variant(v) => Ok(Some(v.to_be_bytes().to_vec())),
                    other => Err(ConnectError::data(format!(
                        "Failed to serialize to {} (was {})", $java, other.type_name()
                    ))),
                }
            }

            fn decode(bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
                let value = match bytes {
                    None => Value::Null,
                    Some(bytes) => {
                        let array: [u8; size_of::<$rust>()] = bytes.try_into().map_err(|_| {
                            ConnectError::data(format!(
                                "Size of data received by {}Deserializer is not {}", $java, size_of::<$rust>()
                            ))
                        })?;
                        Value::$variant(<$rust>::from_be_bytes(array))
                    }
                };
                Ok(SchemaAndValue::new(Some(Schema::$schema()), value))
            }
        }

        impl Converter for $name {
            fn configure(&mut self, _config: &ConfigMap, _is_key: bool) -> Result<()> {
                Ok(())
            }

            fn to_bytes(&self, _topic: &str, _schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
                Self::encode(value)
            }

            fn to_connect(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
                Self::decode(bytes)
            }
        }

        impl HeaderConverter for $name {
            fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
                Ok(())
            }

            fn header_to_bytes(&self, _topic: &str, _key: &str, _schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
                Self::encode(value)
            }

            fn header_to_connect(&self, _topic: &str, _key: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
                Self::decode(bytes)
            }
        }
    };
}

number_converter!(
    /// `org.apache.kafka.connect.converters.ShortConverter`.
    ShortConverter, i16, Int16, optional_int16, "Short"
);
number_converter!(
    /// `org.apache.kafka.connect.converters.IntegerConverter`.
    IntegerConverter, i32, Int32, optional_int32, "Integer"
);
number_converter!(
    /// `org.apache.kafka.connect.converters.LongConverter`.
    LongConverter, i64, Int64, optional_int64, "Long"
);
number_converter!(
    /// `org.apache.kafka.connect.converters.FloatConverter`.
    FloatConverter, f32, Float32, optional_float32, "Float"
);
number_converter!(
    /// `org.apache.kafka.connect.converters.DoubleConverter`.
    DoubleConverter, f64, Float64, optional_float64, "Double"
);

/// `org.apache.kafka.connect.converters.BooleanConverter` (KIP-959): one byte, 0 or 1.
#[derive(Debug, Default, Clone)]
pub struct BooleanConverter;

impl Converter for BooleanConverter {
    fn configure(&mut self, _config: &ConfigMap, _is_key: bool) -> Result<()> {
        Ok(())
    }

    fn to_bytes(&self, _topic: &str, _schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
        match value {
            Value::Null => Ok(None),
            Value::Boolean(v) => Ok(Some(vec![u8::from(*v)])),
            other => Err(ConnectError::data(format!(
                "Failed to serialize to Boolean (was {})",
                other.type_name()
            ))),
        }
    }

    fn to_connect(&self, _topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let value = match bytes {
            None => Value::Null,
            Some([0]) => Value::Boolean(false),
            Some([1]) => Value::Boolean(true),
            Some(_) => {
                return Err(ConnectError::data(
                    "Size of data received by BooleanDeserializer is not 1 or value is not 0 or 1",
                ));
            }
        };
        Ok(SchemaAndValue::new(Some(Schema::optional_boolean()), value))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn big_endian_round_trips() {
        let cases: Vec<(Box<dyn Converter>, Value, Vec<u8>)> = vec![
            (Box::new(ShortConverter), Value::Int16(258), vec![1, 2]),
            (Box::new(IntegerConverter), Value::Int32(-1), vec![0xff; 4]),
            (Box::new(LongConverter), Value::Int64(1), vec![0, 0, 0, 0, 0, 0, 0, 1]),
            (Box::new(FloatConverter), Value::Float32(1.0), vec![0x3f, 0x80, 0, 0]),
            (
                Box::new(DoubleConverter),
                Value::Float64(2.0),
                vec![0x40, 0, 0, 0, 0, 0, 0, 0],
            ),
            (Box::new(BooleanConverter), Value::Boolean(true), vec![1]),
        ];
        for (converter, value, bytes) in cases {
            assert_eq!(converter.to_bytes("t", None, &value).unwrap(), Some(bytes.clone()));
            assert_eq!(converter.to_connect("t", Some(&bytes)).unwrap().value, value);
            assert_eq!(converter.to_connect("t", None).unwrap().value, Value::Null);
        }
    }

    #[test]
    fn wrong_sizes_and_types_are_data_errors() {
        assert!(IntegerConverter.to_connect("t", Some(&[1, 2])).unwrap_err().is_data());
        assert!(LongConverter.to_bytes("t", None, &"x".into()).unwrap_err().is_data());
        assert!(BooleanConverter.to_connect("t", Some(&[2])).is_err());
    }
}
