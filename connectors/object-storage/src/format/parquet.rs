//! ParquetFormat: a Parquet file of the value structs, compressed with `parquet.codec`. Each record
//! is turned into a one-row batch as it arrives (so a value that does not fit is that record's
//! error), rows are written a thousand at a time, and shipping a part closes the row group, so an
//! open object never holds more than one row group in memory.

use std::sync::Arc;

use arrow_array::RecordBatch;
use arrow_schema::Schema as ArrowSchema;
use kconnect_api::{ConnectError, Result, SchemaAndValue, SchemaRef};
use object_store::PutPayload;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, GzipLevel, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::Encoder;
use super::arrow_connect::rows;
use super::arrow_data::{arrow_schema, record_batch};
use super::chunks::Chunks;

/// Rows gathered before they are written to the row group.
const BATCH_ROWS: usize = 1024;

/// `parquet.codec`'s values, with the name part Confluent's object names carry.
pub(crate) fn codec(name: &str) -> Option<(Compression, &'static str)> {
    Some(match name {
        "none" => (Compression::UNCOMPRESSED, ""),
        "snappy" => (Compression::SNAPPY, ".snappy"),
        "gzip" => (Compression::GZIP(GzipLevel::default()), ".gz"),
        "lz4" => (Compression::LZ4_RAW, ".lz4"),
        "zstd" => (Compression::ZSTD(ZstdLevel::default()), ".zstd"),
        _ => return None,
    })
}

fn parquet_error(err: parquet::errors::ParquetError) -> ConnectError {
    ConnectError::Fatal(format!("cannot write Parquet: {err}"))
}

/// One Parquet object's encoder.
pub(super) struct ParquetEncoder {
    connect: SchemaRef,
    arrow: Arc<ArrowSchema>,
    writer: ArrowWriter<Chunks>,
    /// The staged record, as a one-row batch.
    staged: Option<RecordBatch>,
    /// One-row batches not yet written.
    pending: Vec<RecordBatch>,
    pending_bytes: usize,
}

impl ParquetEncoder {
    /// An encoder for structs of `schema`.
    pub(super) fn new(schema: Option<&SchemaRef>, compression: Compression) -> Result<Self> {
        let connect = schema
            .cloned()
            .ok_or_else(|| ConnectError::data("ParquetFormat needs a schema; this record has none"))?;
        let arrow = arrow_schema(&connect)?;
        let properties = WriterProperties::builder().set_compression(compression).build();
        let writer = ArrowWriter::try_new(Chunks::default(), arrow.clone(), Some(properties)).map_err(parquet_error)?;
        Ok(Self {
            connect,
            arrow,
            writer,
            staged: None,
            pending: Vec::new(),
            pending_bytes: 0,
        })
    }

    fn write_pending(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let batch = arrow_select::concat::concat_batches(&self.arrow, &self.pending)
            .map_err(|e| ConnectError::Fatal(format!("cannot gather Parquet rows: {e}")))?;
        self.pending.clear();
        self.pending_bytes = 0;
        self.writer.write(&batch).map_err(parquet_error)
    }
}

impl Encoder for ParquetEncoder {
    fn stage(&mut self, _topic: &str, view: &SchemaAndValue) -> Result<()> {
        self.staged = None;
        self.staged = Some(record_batch(
            &self.arrow,
            &self.connect,
            std::slice::from_ref(&view.value),
        )?);
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        let Some(row) = self.staged.take() else {
            return Ok(());
        };
        self.pending_bytes += row.get_array_memory_size();
        self.pending.push(row);
        if self.pending.len() >= BATCH_ROWS {
            self.write_pending()?;
        }
        Ok(())
    }

    fn buffered(&self) -> usize {
        self.writer.in_progress_size() + self.writer.inner().len() + self.pending_bytes
    }

    fn take(&mut self) -> Result<PutPayload> {
        self.write_pending()?;
        self.writer.flush().map_err(parquet_error)?;
        Ok(self.writer.inner_mut().take())
    }

    fn finish(mut self: Box<Self>) -> Result<PutPayload> {
        self.write_pending()?;
        Ok(self.writer.into_inner().map_err(parquet_error)?.into_payload())
    }
}

/// The rows of a Parquet file, as structs.
pub(super) fn read(bytes: &[u8]) -> Result<Vec<SchemaAndValue>> {
    let unreadable = |e: &dyn std::fmt::Display| ConnectError::data(format!("not a readable Parquet file: {e}"));
    let reader =
        parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::copy_from_slice(bytes))
            .and_then(|builder| builder.build())
            .map_err(|e| unreadable(&e))?;
    rows(reader.map(|batch| batch.map_err(|e| unreadable(&e))))
}

#[cfg(test)]
mod tests {
    use arrow_array::Int64Array;
    use kconnect_api::{Schema, SchemaBuilder, Struct, Value};
    use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

    use super::*;

    #[test]
    fn parts_taken_mid_object_close_row_groups_of_one_readable_file() {
        let schema = SchemaBuilder::struct_().field("id", Schema::int64()).build();
        let mut encoder = Box::new(ParquetEncoder::new(Some(&schema), Compression::SNAPPY).unwrap());
        let mut file = Vec::new();
        for id in 0..3000i64 {
            let value = Struct::new(schema.clone()).unwrap().put("id", id).unwrap();
            let view = SchemaAndValue::new(Some(schema.clone()), Value::Struct(value));
            encoder.stage("t", &view).unwrap();
            encoder.commit().unwrap();
            if id == 999 || id == 1999 {
                file.extend_from_slice(&bytes::Bytes::from(encoder.take().unwrap()));
                assert_eq!(encoder.buffered(), 0);
            }
        }
        file.extend_from_slice(&bytes::Bytes::from(encoder.finish().unwrap()));
        let builder = ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(file)).unwrap();
        assert_eq!(builder.metadata().num_row_groups(), 3);
        let ids: Vec<i64> = builder
            .build()
            .unwrap()
            .flat_map(|batch| {
                let batch = batch.unwrap();
                let column = batch.column(0).as_any().downcast_ref::<Int64Array>().unwrap().clone();
                column.values().to_vec()
            })
            .collect();
        assert_eq!(ids, (0..3000).collect::<Vec<_>>());
    }
}
