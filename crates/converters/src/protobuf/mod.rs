//! `io.confluent.connect.protobuf.ProtobufConverter`: Connect structs as Protobuf messages on the
//! Confluent wire format (with its message indexes), their schemas registered as `.proto` files
//! mapped as Confluent's ProtobufData maps them.

mod connect_schema;
mod converter;
mod data;
mod indexes;
mod proto_text;

pub use converter::{ProtobufConverter, ProtobufFormat};
