//! The encoder of the line formats (JSON, byte array, CSV): each record's bytes appended to the
//! object's, compressed as they go.

use kconnect_api::{Result, SchemaAndValue};
use object_store::PutPayload;

use super::output::{Compression, Output};
use super::{Encoder, RecordWriter};

/// Records through a [`RecordWriter`] into (compressed) bytes.
pub(super) struct LineEncoder {
    records: Box<dyn RecordWriter>,
    output: Output,
    /// The staged record's bytes.
    scratch: Vec<u8>,
}

impl LineEncoder {
    pub(super) fn new(records: Box<dyn RecordWriter>, compression: Compression) -> Result<Self> {
        let mut output = Output::new(compression);
        output.append(&records.header())?;
        Ok(Self {
            records,
            output,
            scratch: Vec::new(),
        })
    }
}

impl Encoder for LineEncoder {
    fn stage(&mut self, topic: &str, view: &SchemaAndValue) -> Result<()> {
        self.scratch.clear();
        let staged = self.records.write(topic, view, &mut self.scratch);
        if staged.is_err() {
            self.scratch.clear();
        }
        staged
    }

    fn commit(&mut self) -> Result<()> {
        let appended = self.output.append(&self.scratch);
        self.scratch.clear();
        appended
    }

    fn buffered(&self) -> usize {
        self.output.buffered()
    }

    fn take(&mut self) -> Result<PutPayload> {
        Ok(self.output.take())
    }

    fn finish(self: Box<Self>) -> Result<PutPayload> {
        self.output.finish()
    }
}
