//! The parts of Connect container schemas the format mappings walk, with the data error a schema
//! without them is.

use kconnect_api::{ConnectError, Result, SchemaRef};

/// An array schema's element schema.
pub(super) fn element(schema: &SchemaRef) -> Result<&SchemaRef> {
    schema
        .value_schema
        .as_ref()
        .ok_or_else(|| ConnectError::data("an array schema without an element schema"))
}

/// A map schema's key and value schemas.
pub(super) fn entry(schema: &SchemaRef) -> Result<(&SchemaRef, &SchemaRef)> {
    match (&schema.key_schema, &schema.value_schema) {
        (Some(key), Some(value)) => Ok((key, value)),
        _ => Err(ConnectError::data("a map schema without key and value schemas")),
    }
}
