//! ByteArrayFormat: each value's bytes, as the ByteArrayConverter gives them, then a separator.

use kconnect_api::{ConnectError, Converter, Result, SinkRecord};
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
    fn write(&mut self, record: &SinkRecord, out: &mut Vec<u8>) -> Result<()> {
        let value = &record.core.value;
        let bytes = ByteArrayConverter
            .to_bytes(&record.core.topic, value.schema.as_ref(), &value.value)?
            .ok_or_else(|| ConnectError::data("a null value has no bytes"))?;
        out.extend_from_slice(&bytes);
        out.extend_from_slice(&self.separator);
        Ok(())
    }
}
