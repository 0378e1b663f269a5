//! Whether data written with one schema can be read with another, as Confluent's Schema Registry
//! decides it: Avro by schema resolution, JSON Schema ([`json`]) and Protobuf ([`protobuf`]) by
//! the differences that break a reader; and which earlier versions a subject's level checks a
//! new one against ([`levels`]). kconnect's registry checks registrations with it, the schema'd
//! converters `latest.compatibility.strict`.

pub mod json;
pub mod levels;
pub mod protobuf;

pub use levels::{CanRead, avro_can_read, avro_schema, checked, incompatibilities};
