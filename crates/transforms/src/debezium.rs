//! Debezium's transformations, under Debezium's class names (`io.debezium.transforms.*`).

pub mod extract_new_record_state;
