//! Debezium's transformations, under Debezium's class names (`io.debezium.transforms.*`).

use kconnect_api::{SchemaAndValue, Struct, Value};

pub mod by_logical_table_router;
pub mod event_router;
pub mod extract_new_record_state;

/// The change event `value` is, if it is one: a struct whose schema is named `….Envelope`.
fn envelope_of(value: &SchemaAndValue) -> Option<&Struct> {
    let Value::Struct(envelope) = &value.value else {
        return None;
    };
    envelope
        .schema()
        .name
        .as_deref()
        .is_some_and(|name| name.ends_with(".Envelope"))
        .then_some(envelope)
}
