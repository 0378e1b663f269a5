//! ByteArrayFormat: each value's bytes, as the ByteArrayConverter gives them, then a separator.

use kconnect_api::{ConnectError, Converter, Result, Schema, SchemaAndValue, Value};
use kconnect_converters::ByteArrayConverter;

use super::RecordWriter;

/// Writes raw values.
pub(super) struct ByteArrayWriter {
    separator: Vec<u8>,
}

impl ByteArrayWriter {
    pub(super) fn new(separator: Vec<u8>) -> Self {
        Self { separator }
    }
}

impl RecordWriter for ByteArrayWriter {
    fn write(&mut self, topic: &str, view: &SchemaAndValue, out: &mut Vec<u8>) -> Result<()> {
        let bytes = ByteArrayConverter
            .to_bytes(topic, view.schema.as_ref(), &view.value)?
            .ok_or_else(|| ConnectError::data("a null value has no bytes"))?;
        out.extend_from_slice(&bytes);
        out.extend_from_slice(&self.separator);
        Ok(())
    }
}

/// The values of a ByteArrayFormat object: the bytes between separators (each record is followed
/// by one); the whole object when there is no separator.
pub(super) fn read(bytes: &[u8], separator: &[u8]) -> Vec<SchemaAndValue> {
    let value = |piece: &[u8]| SchemaAndValue::new(Some(Schema::optional_bytes()), Value::Bytes(piece.to_vec()));
    if separator.is_empty() {
        return vec![value(bytes)];
    }
    let mut values = Vec::new();
    let mut rest = bytes;
    while let Some(at) = rest.windows(separator.len()).position(|window| window == separator) {
        values.push(value(&rest[..at]));
        rest = &rest[at + separator.len()..];
    }
    if !rest.is_empty() {
        values.push(value(rest));
    }
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_the_bytes_between_separators() {
        let values = read(b"ab\r\n\r\ncd\r\n", b"\r\n");
        let bytes: Vec<&Value> = values.iter().map(|v| &v.value).collect();
        assert_eq!(
            bytes,
            [
                &Value::Bytes(b"ab".to_vec()),
                &Value::Bytes(Vec::new()),
                &Value::Bytes(b"cd".to_vec())
            ]
        );
    }
}
