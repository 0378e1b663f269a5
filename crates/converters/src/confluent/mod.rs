//! What Confluent's schema'd converters share: the wire format, the registry client, the subject
//! naming strategies, the configuration keys and the caches ([`SchemaConverter`]), each format
//! (Avro, JSON Schema, Protobuf) adding how its schemas and records are written.

mod converter;
mod registry_client;
mod registry_tls;
pub(crate) mod scrub;
mod strategy;
mod wire;

#[cfg(test)]
pub(crate) use converter::round_trip;
pub use converter::{Format, SchemaConverter};
