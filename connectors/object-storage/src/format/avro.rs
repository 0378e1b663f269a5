//! AvroFormat: an Avro object container file (header with the schema and codec, then blocks of
//! records, each compressed with `avro.codec` and ended by the sync marker). Blocks are framed
//! here so that finished blocks can be shipped as upload parts while the object is still open.

use apache_avro::Codec;
use kconnect_api::{ConnectError, Result, SchemaAndValue, SchemaRef};
use object_store::PutPayload;

use super::Encoder;
use super::chunks::Chunks;
use kconnect_converters::avro::{avro_schema, avro_value};

/// Uncompressed bytes per block, as Avro's Java writer's default sync interval.
const BLOCK_SIZE: usize = 64 * 1024;
const MAGIC: &[u8] = b"Obj\x01";

fn zigzag(value: i64, out: &mut Vec<u8>) {
    let mut n = ((value << 1) ^ (value >> 63)) as u64;
    while n >= 0x80 {
        out.push((n as u8) | 0x80);
        n >>= 7;
    }
    out.push(n as u8);
}

fn bytes(value: &[u8], out: &mut Vec<u8>) {
    zigzag(value.len() as i64, out);
    out.extend_from_slice(value);
}

fn avro_error(err: apache_avro::Error) -> ConnectError {
    ConnectError::data(format!("cannot write the record as Avro: {err}"))
}

/// One Avro object's encoder.
pub(super) struct AvroEncoder {
    connect: SchemaRef,
    schema: apache_avro::Schema,
    codec: Codec,
    marker: [u8; 16],
    /// The staged record, encoded.
    staged: Vec<u8>,
    /// Encoded records of the open block.
    block: Vec<u8>,
    records: i64,
    /// Finished bytes: the header and closed blocks.
    out: Chunks,
}

impl AvroEncoder {
    /// An encoder for values of `schema`; schemaless values have no Avro form.
    pub(super) fn new(schema: Option<&SchemaRef>, codec: Codec) -> Result<Self> {
        let connect = schema
            .cloned()
            .ok_or_else(|| ConnectError::data("AvroFormat needs a schema; this record has none"))?;
        let (avro, json) = avro_schema(&connect)?;
        let marker = *uuid::Uuid::new_v4().as_bytes();
        let mut header = MAGIC.to_vec();
        zigzag(2, &mut header);
        bytes(b"avro.schema", &mut header);
        bytes(json.as_bytes(), &mut header);
        bytes(b"avro.codec", &mut header);
        bytes(<&str>::from(codec).as_bytes(), &mut header);
        zigzag(0, &mut header);
        header.extend_from_slice(&marker);
        let mut out = Chunks::default();
        out.push(header.into());
        Ok(Self {
            connect,
            schema: avro,
            codec,
            marker,
            staged: Vec::new(),
            block: Vec::new(),
            records: 0,
            out,
        })
    }

    fn close_block(&mut self) -> Result<()> {
        if self.records == 0 {
            return Ok(());
        }
        let mut data = std::mem::take(&mut self.block);
        self.codec.compress(&mut data).map_err(avro_error)?;
        let mut frame = Vec::with_capacity(20);
        zigzag(self.records, &mut frame);
        zigzag(data.len() as i64, &mut frame);
        self.out.push(frame.into());
        self.out.push(data.into());
        self.out.push(bytes::Bytes::copy_from_slice(&self.marker));
        self.records = 0;
        Ok(())
    }
}

impl Encoder for AvroEncoder {
    fn stage(&mut self, _topic: &str, view: &SchemaAndValue) -> Result<()> {
        self.staged.clear();
        let value = avro_value(&self.connect, &view.value)?;
        self.staged = apache_avro::to_avro_datum(&self.schema, value).map_err(avro_error)?;
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.block.append(&mut self.staged);
        self.records += 1;
        if self.block.len() >= BLOCK_SIZE {
            self.close_block()?;
        }
        Ok(())
    }

    fn buffered(&self) -> usize {
        self.out.len() + self.block.len()
    }

    fn take(&mut self) -> Result<PutPayload> {
        self.close_block()?;
        Ok(self.out.take())
    }

    fn finish(mut self: Box<Self>) -> Result<PutPayload> {
        self.close_block()?;
        Ok(self.out.into_payload())
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder, Struct, Value};

    use super::*;

    #[test]
    fn the_container_reads_back_with_apache_avros_reader() {
        let schema = SchemaBuilder::struct_()
            .name("shop.Order")
            .field("id", Schema::int64())
            .field("note", Schema::optional_string())
            .build();
        let mut encoder = Box::new(AvroEncoder::new(Some(&schema), Codec::Snappy).unwrap());
        let mut file = Vec::new();
        for id in 0..5000i64 {
            let value = Struct::new(schema.clone()).unwrap().put("id", id).unwrap();
            let view = SchemaAndValue::new(Some(schema.clone()), Value::Struct(value));
            encoder.stage("t", &view).unwrap();
            encoder.commit().unwrap();
            if id == 2500 {
                file.extend_from_slice(&bytes::Bytes::from(encoder.take().unwrap()));
            }
        }
        file.extend_from_slice(&bytes::Bytes::from(encoder.finish().unwrap()));
        let reader = apache_avro::Reader::new(file.as_slice()).unwrap();
        let ids: Vec<i64> = reader
            .map(|value| match value.unwrap() {
                apache_avro::types::Value::Record(fields) => match fields[0].1 {
                    apache_avro::types::Value::Long(id) => id,
                    ref other => panic!("{other:?}"),
                },
                other => panic!("{other:?}"),
            })
            .collect();
        assert_eq!(ids, (0..5000).collect::<Vec<_>>());
    }
}
