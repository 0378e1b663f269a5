//! An object's bytes in memory as a list of blocks: growing never copies what is held nor
//! reserves more than a block ahead (a `Vec` doubling its capacity holds up to twice its bytes),
//! and the blocks go up as they are, an upload payload being a list of blocks too.

use bytes::Bytes;
use object_store::{PutPayload, PutPayloadMut};

/// The size of a block: small enough for many small objects, large enough to be few.
const BLOCK: usize = 16 * 1024;

/// Bytes appended block by block.
#[derive(Debug)]
pub(crate) struct Chunks(PutPayloadMut);

impl Default for Chunks {
    fn default() -> Self {
        Self(PutPayloadMut::new().with_block_size(BLOCK))
    }
}

impl Chunks {
    /// Appends a copy of `bytes`.
    pub fn extend_from_slice(&mut self, bytes: &[u8]) {
        self.0.extend_from_slice(bytes);
    }

    /// Appends `bytes` without copying them.
    pub fn push(&mut self, bytes: Bytes) {
        self.0.push(bytes);
    }

    /// The bytes held.
    pub fn len(&self) -> usize {
        self.0.content_length()
    }

    /// Takes the bytes held, as a payload to upload.
    pub fn take(&mut self) -> PutPayload {
        std::mem::take(self).into_payload()
    }

    /// The bytes held, as a payload to upload.
    pub fn into_payload(self) -> PutPayload {
        self.0.freeze()
    }
}

impl std::io::Write for Chunks {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_come_out_in_order_and_whole() {
        let mut chunks = Chunks::default();
        for n in 0..10_000u32 {
            chunks.extend_from_slice(&n.to_le_bytes());
        }
        chunks.push(Bytes::from_static(b"end"));
        assert_eq!(chunks.len(), 40_003);
        let payload = Bytes::from(chunks.take());
        assert_eq!(&payload[..8], &[0, 0, 0, 0, 1, 0, 0, 0]);
        assert!(payload.ends_with(b"end"));
        assert_eq!(chunks.len(), 0);
    }
}
