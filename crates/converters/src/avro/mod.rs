//! Connect data as Avro and back, as Confluent's AvroData maps them, for every part of kconnect
//! that writes or reads Avro: Confluent's AvroConverter, and the object storage formats.

mod binary;
mod connect;
mod connect_schema;
mod converter;
mod data;
mod defaults;

pub use connect::read_container;
pub use converter::{AvroConverter, AvroFormat, AvroReader, AvroWriter};
pub use data::{avro_schema, avro_value};
