//! A schema registry with Confluent Schema Registry's REST API, as its clients use it: subjects
//! and their versions, schemas by id (the same schema text gets the same id in every subject),
//! soft and permanent deletes, and the compatibility configuration, with Confluent's error codes.
//!
//! This first step keeps its state in memory and checks no compatibility: the `_schemas` topic,
//! compatibility checks and the converters that use it are still to come.

mod api;
mod error;
mod schema_text;
mod state;

pub use api::router;
pub use error::RegistryError;
pub use state::Registry;
