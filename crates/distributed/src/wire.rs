//! Kafka's primitive wire types (big-endian integers, int16-prefixed strings, int32-prefixed
//! nullable bytes) for the bytes the `connect` subprotocols put inside group messages.

use thiserror::Error;

/// Bytes that do not hold what the layout says.
#[derive(Debug, Error)]
#[error("malformed connect protocol bytes: {0}")]
pub struct WireError(pub &'static str);

/// Appends primitives to a buffer.
#[derive(Debug, Default)]
pub struct Writer(Vec<u8>);

impl Writer {
    /// An int16.
    pub fn i16(&mut self, value: i16) {
        self.0.extend(value.to_be_bytes());
    }

    /// An int32.
    pub fn i32(&mut self, value: i32) {
        self.0.extend(value.to_be_bytes());
    }

    /// An int64.
    pub fn i64(&mut self, value: i64) {
        self.0.extend(value.to_be_bytes());
    }

    /// A STRING: int16 length, then UTF-8.
    pub fn string(&mut self, value: &str) {
        self.i16(value.len() as i16);
        self.0.extend(value.as_bytes());
    }

    /// NULLABLE_BYTES: int32 length (-1 for null), then the bytes.
    pub fn nullable_bytes(&mut self, value: Option<&[u8]>) {
        match value {
            Some(bytes) => {
                self.i32(bytes.len() as i32);
                self.0.extend(bytes);
            }
            None => self.i32(-1),
        }
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.0
    }
}

/// Reads primitives from a buffer.
#[derive(Debug)]
pub struct Reader<'a>(&'a [u8]);

impl<'a> Reader<'a> {
    /// Reads `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self(bytes)
    }

    /// Whether everything was read.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn take(&mut self, count: usize) -> Result<&'a [u8], WireError> {
        if self.0.len() < count {
            return Err(WireError("truncated"));
        }
        let (head, rest) = self.0.split_at(count);
        self.0 = rest;
        Ok(head)
    }

    /// An int16.
    pub fn i16(&mut self) -> Result<i16, WireError> {
        Ok(i16::from_be_bytes(
            self.take(2)?.try_into().map_err(|_| WireError("int16"))?,
        ))
    }

    /// An int32.
    pub fn i32(&mut self) -> Result<i32, WireError> {
        Ok(i32::from_be_bytes(
            self.take(4)?.try_into().map_err(|_| WireError("int32"))?,
        ))
    }

    /// An int64.
    pub fn i64(&mut self) -> Result<i64, WireError> {
        Ok(i64::from_be_bytes(
            self.take(8)?.try_into().map_err(|_| WireError("int64"))?,
        ))
    }

    /// A STRING.
    pub fn string(&mut self) -> Result<String, WireError> {
        let length = self.i16()?;
        let bytes = self.take(length.max(0) as usize)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| WireError("string is not UTF-8"))
    }

    /// NULLABLE_BYTES.
    pub fn nullable_bytes(&mut self) -> Result<Option<&'a [u8]>, WireError> {
        let length = self.i32()?;
        if length < 0 {
            return Ok(None);
        }
        self.take(length as usize).map(Some)
    }
}
