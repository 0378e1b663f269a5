//! The encoder of the line formats (JSON, byte array, CSV): each record's bytes appended to the
//! object's, compressed as they go.

use kconnect_api::{Result, SinkRecord};

use super::output::{Compression, Output};
use super::{Encoder, RecordWriter};

/// Records through a [`RecordWriter`] into (compressed) bytes.
pub(super) struct LineEncoder {
    records: Box<dyn RecordWriter>,
    output: Output,
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
    fn write(&mut self, record: &SinkRecord) -> Result<()> {
        self.scratch.clear();
        self.records.write(record, &mut self.scratch)?;
        self.output.append(&self.scratch)
    }

    fn buffered(&self) -> usize {
        self.output.buffered()
    }

    fn take(&mut self) -> Result<Vec<u8>> {
        Ok(self.output.take())
    }

    fn finish(self: Box<Self>) -> Result<Vec<u8>> {
        self.output.finish()
    }
}
