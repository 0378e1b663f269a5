//! The primitives of the host protocol, as the JVM side's `Wire.java` reads and writes them:
//! big-endian integers, strings and byte arrays as a 4-byte length (-1 for none) and their bytes,
//! string maps as a count and pairs.

use kconnect_api::ConfigMap;

use crate::error::JavaError;

/// Builds one frame's payload.
#[derive(Debug, Default)]
pub struct Writer {
    bytes: Vec<u8>,
}

impl Writer {
    /// An empty payload.
    pub fn new() -> Self {
        Self::default()
    }

    /// The bytes written.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// A byte.
    pub fn u8(&mut self, value: u8) -> &mut Self {
        self.bytes.push(value);
        self
    }

    /// A 16-bit integer.
    pub fn i16(&mut self, value: i16) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A 32-bit integer.
    pub fn i32(&mut self, value: i32) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A 64-bit integer.
    pub fn i64(&mut self, value: i64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A 32-bit float.
    pub fn f32(&mut self, value: f32) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A 64-bit float.
    pub fn f64(&mut self, value: f64) -> &mut Self {
        self.bytes.extend_from_slice(&value.to_be_bytes());
        self
    }

    /// A boolean as one byte.
    pub fn bool(&mut self, value: bool) -> &mut Self {
        self.u8(u8::from(value))
    }

    /// A count of what follows (Java's `int`).
    pub fn count(&mut self, count: usize) -> &mut Self {
        self.i32(i32::try_from(count).unwrap_or(i32::MAX))
    }

    /// Bytes with their length.
    pub fn bytes(&mut self, bytes: &[u8]) -> &mut Self {
        self.count(bytes.len());
        self.bytes.extend_from_slice(bytes);
        self
    }

    /// A string with its length.
    pub fn string(&mut self, text: &str) -> &mut Self {
        self.bytes(text.as_bytes())
    }

    /// An integer that may be absent.
    pub fn optional_i32(&mut self, value: Option<i32>) -> &mut Self {
        self.bool(value.is_some());
        if let Some(value) = value {
            self.i32(value);
        }
        self
    }

    /// A long that may be absent.
    pub fn optional_i64(&mut self, value: Option<i64>) -> &mut Self {
        self.bool(value.is_some());
        if let Some(value) = value {
            self.i64(value);
        }
        self
    }

    /// A map of strings.
    pub fn string_map<'a>(&mut self, map: impl ExactSizeIterator<Item = (&'a String, &'a String)>) -> &mut Self {
        self.count(map.len());
        for (key, value) in map {
            self.string(key).string(value);
        }
        self
    }

    /// A list of strings.
    pub fn strings(&mut self, list: &[String]) -> &mut Self {
        self.count(list.len());
        for item in list {
            self.string(item);
        }
        self
    }
}

/// Reads one frame's payload.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    /// Reads `bytes` from the start.
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes }
    }

    fn take<const N: usize>(&mut self) -> Result<[u8; N], JavaError> {
        let (head, rest) = self
            .bytes
            .split_first_chunk::<N>()
            .ok_or_else(|| JavaError::Protocol("a frame ended early".into()))?;
        self.bytes = rest;
        Ok(*head)
    }

    /// A byte.
    pub fn u8(&mut self) -> Result<u8, JavaError> {
        Ok(self.take::<1>()?[0])
    }

    /// A 16-bit integer.
    pub fn i16(&mut self) -> Result<i16, JavaError> {
        Ok(i16::from_be_bytes(self.take()?))
    }

    /// A 32-bit integer.
    pub fn i32(&mut self) -> Result<i32, JavaError> {
        Ok(i32::from_be_bytes(self.take()?))
    }

    /// A 64-bit integer.
    pub fn i64(&mut self) -> Result<i64, JavaError> {
        Ok(i64::from_be_bytes(self.take()?))
    }

    /// A 32-bit float.
    pub fn f32(&mut self) -> Result<f32, JavaError> {
        Ok(f32::from_be_bytes(self.take()?))
    }

    /// A 64-bit float.
    pub fn f64(&mut self) -> Result<f64, JavaError> {
        Ok(f64::from_be_bytes(self.take()?))
    }

    /// A boolean.
    pub fn bool(&mut self) -> Result<bool, JavaError> {
        Ok(self.u8()? != 0)
    }

    /// A count of what follows.
    pub fn count(&mut self) -> Result<usize, JavaError> {
        usize::try_from(self.i32()?).map_err(|_| JavaError::Protocol("a negative count".into()))
    }

    /// Bytes with their length; `None` for Java's null.
    pub fn optional_bytes(&mut self) -> Result<Option<&'a [u8]>, JavaError> {
        let length = self.i32()?;
        let Ok(length) = usize::try_from(length) else {
            return Ok(None);
        };
        if self.bytes.len() < length {
            return Err(JavaError::Protocol("a frame ended early".into()));
        }
        let (head, rest) = self.bytes.split_at(length);
        self.bytes = rest;
        Ok(Some(head))
    }

    /// Bytes with their length (Java's null reads as none).
    pub fn bytes(&mut self) -> Result<&'a [u8], JavaError> {
        Ok(self.optional_bytes()?.unwrap_or_default())
    }

    /// A string that may be Java's null.
    pub fn optional_string(&mut self) -> Result<Option<String>, JavaError> {
        self.optional_bytes()?
            .map(|bytes| {
                String::from_utf8(bytes.to_vec()).map_err(|_| JavaError::Protocol("a string not in UTF-8".into()))
            })
            .transpose()
    }

    /// A string (Java's null reads as empty).
    pub fn string(&mut self) -> Result<String, JavaError> {
        Ok(self.optional_string()?.unwrap_or_default())
    }

    /// An integer that may be absent.
    pub fn optional_i32(&mut self) -> Result<Option<i32>, JavaError> {
        Ok(if self.bool()? { Some(self.i32()?) } else { None })
    }

    /// A long that may be absent.
    pub fn optional_i64(&mut self) -> Result<Option<i64>, JavaError> {
        Ok(if self.bool()? { Some(self.i64()?) } else { None })
    }

    /// A map of strings.
    pub fn string_map(&mut self) -> Result<ConfigMap, JavaError> {
        (0..self.count()?)
            .map(|_| Ok((self.string()?, self.string()?)))
            .collect()
    }

    /// What is left unread.
    pub fn rest(&self) -> &'a [u8] {
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_is_written_reads_back() {
        let mut writer = Writer::new();
        let map: ConfigMap = [("a".to_string(), "b".to_string())].into();
        writer
            .u8(7)
            .i16(-2)
            .i32(1 << 20)
            .i64(-5)
            .f64(1.5)
            .string("héllo")
            .optional_i64(None)
            .optional_i64(Some(9))
            .string_map(map.iter());
        let bytes = writer.into_bytes();
        let mut reader = Reader::new(&bytes);
        assert_eq!(reader.u8().unwrap(), 7);
        assert_eq!(reader.i16().unwrap(), -2);
        assert_eq!(reader.i32().unwrap(), 1 << 20);
        assert_eq!(reader.i64().unwrap(), -5);
        assert_eq!(reader.f64().unwrap(), 1.5);
        assert_eq!(reader.string().unwrap(), "héllo");
        assert_eq!(reader.optional_i64().unwrap(), None);
        assert_eq!(reader.optional_i64().unwrap(), Some(9));
        assert_eq!(reader.string_map().unwrap(), map);
        assert!(reader.rest().is_empty());
        assert!(reader.u8().is_err(), "reading past the end is an error, not a panic");
    }

    #[test]
    fn java_null_strings_read_as_none() {
        let bytes = (-1i32).to_be_bytes();
        assert_eq!(Reader::new(&bytes).optional_string().unwrap(), None);
    }
}
