//! An object's bytes in memory, plain or gzip-compressed as they are appended.

use std::io::Write;

use flate2::write::GzEncoder;
use kconnect_api::Result;
use object_store::PutPayload;

use super::chunks::Chunks;

/// The compression of JSON, CSV and byte array objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compression {
    /// As written.
    None,
    /// gzip; the object's name ends in `.gz`.
    Gzip,
}

impl Compression {
    /// What the object's extension gains.
    pub fn suffix(self) -> &'static str {
        match self {
            Self::None => "",
            Self::Gzip => ".gz",
        }
    }
}

/// Bytes on their way into an object.
pub(super) enum Output {
    Plain(Chunks),
    Gzip(Box<GzEncoder<Chunks>>),
}

impl Output {
    pub(super) fn new(compression: Compression) -> Self {
        match compression {
            Compression::None => Self::Plain(Chunks::default()),
            Compression::Gzip => Self::Gzip(Box::new(GzEncoder::new(
                Chunks::default(),
                flate2::Compression::default(),
            ))),
        }
    }

    pub(super) fn append(&mut self, bytes: &[u8]) -> Result<()> {
        match self {
            Self::Plain(buffer) => buffer.extend_from_slice(bytes),
            Self::Gzip(encoder) => encoder.write_all(bytes)?,
        }
        Ok(())
    }

    /// The finished bytes held (gzip keeps a little more inside its compressor).
    pub(super) fn buffered(&self) -> usize {
        match self {
            Self::Plain(buffer) => buffer.len(),
            Self::Gzip(encoder) => encoder.get_ref().len(),
        }
    }

    pub(super) fn take(&mut self) -> PutPayload {
        match self {
            Self::Plain(buffer) => buffer.take(),
            Self::Gzip(encoder) => encoder.get_mut().take(),
        }
    }

    pub(super) fn finish(self) -> Result<PutPayload> {
        match self {
            Self::Plain(buffer) => Ok(buffer.into_payload()),
            Self::Gzip(encoder) => Ok(encoder.finish()?.into_payload()),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use super::*;

    #[test]
    fn gzip_output_taken_in_parts_is_one_stream() {
        let mut output = Output::new(Compression::Gzip);
        let mut object = Vec::new();
        for n in 0..2000 {
            output.append(format!("line {n}\n").as_bytes()).unwrap();
            if output.buffered() > 100 {
                object.extend_from_slice(&bytes::Bytes::from(output.take()));
            }
        }
        object.extend_from_slice(&bytes::Bytes::from(output.finish().unwrap()));
        let mut text = String::new();
        flate2::read::GzDecoder::new(object.as_slice())
            .read_to_string(&mut text)
            .unwrap();
        assert_eq!(text.lines().count(), 2000);
        assert_eq!(text.lines().last(), Some("line 1999"));
    }
}
