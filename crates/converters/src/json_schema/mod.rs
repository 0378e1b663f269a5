//! `io.confluent.connect.json.JsonSchemaConverter`: Connect data as JSON on the Confluent wire
//! format, its schemas registered as JSON Schemas mapped as Confluent's JsonSchemaData maps them.

mod converter;
mod schema;

pub use converter::{JsonSchemaConverter, JsonSchemaFormat};
