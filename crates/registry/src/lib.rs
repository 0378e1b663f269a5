//! A schema registry with Confluent Schema Registry's REST API, as its clients use it: subjects
//! and their versions, schemas by id (the same schema text gets the same id in every subject),
//! soft and permanent deletes, and compatibility levels checked for Avro schemas, with Confluent's
//! error codes.
//!
//! It keeps its state in memory so far: the `_schemas` topic is still to come.

mod api;
mod compatibility;
mod error;
mod schema_text;
mod state;

pub use api::router;
pub use error::RegistryError;
pub use state::Registry;
