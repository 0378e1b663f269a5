//! A schema registry with Confluent Schema Registry's REST API, as its clients use it: subjects
//! and their versions, schemas by id (the same schema text gets the same id in every subject),
//! soft and permanent deletes, and compatibility levels checked for Avro, JSON Schema and Protobuf
//! schemas (by `kconnect-schema-compatibility`), with Confluent's error codes.
//!
//! Its state lives in memory and, given a [`Journal`], in records of Confluent's `_schemas` topic
//! format, so it survives restarts with the same ids and can take over a Confluent Schema
//! Registry's topic. The binary provides the Kafka-backed journal.

mod api;
mod error;
mod leadership;
mod records;
mod registry;
mod schema_text;
mod state;

pub use api::{elected_router, router};
pub use error::RegistryError;
pub use leadership::{FORWARDED, Forwarded, LeaderAnswer, Leadership, Writer};
pub use records::{RecordBytes, RecordError};
pub use registry::{Journal, Registry, RegistryState};
