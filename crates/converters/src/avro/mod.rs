//! Connect data as Avro and back, as Confluent's AvroData maps them, for every part of kconnect
//! that writes or reads Avro (the object storage formats; the Avro converter to come).

mod connect;
mod data;

pub use connect::read_container;
pub use data::{avro_schema, avro_value};
