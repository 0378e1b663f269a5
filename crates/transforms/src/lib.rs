//! Apache Kafka Connect's single message transforms and predicates, one file each, written once
//! for source and sink records through [`ConnectRecord`](kconnect_api::ConnectRecord).
//!
//! Debezium's `ExtractNewRecordState`, `ByLogicalTableRouter` and outbox `EventRouter` are here too,
//! under their class names.
//!
//! [`plugins`] is their table, by Apache's class name
//! (`org.apache.kafka.connect.transforms.InsertField$Value`) and its short form (`InsertField$Value`).

mod field;
mod side;
#[cfg(test)]
mod testing;

pub mod predicates;

mod cast;
mod date_format;
mod debezium;
mod drop_headers;
mod extract_field;
mod filter;
mod flatten;
mod header_from;
mod hoist_field;
mod insert_field;
mod insert_header;
mod mask_field;
mod regex_router;
mod replace_field;
mod set_schema_metadata;
mod timestamp_converter;
mod timestamp_router;
mod value_to_key;

use kconnect_api::PluginTable;

pub use side::Side;

/// Adds transformation `org.apache.kafka.connect.transforms.<$name>` to `$table`, made by `$make`
/// for source and for sink records alike.
macro_rules! transformation {
    ($table:expr, $name:expr, $make:expr) => {
        $table.transformation(
            concat!("org.apache.kafka.connect.transforms.", $name),
            || Box::new($make),
            || Box::new($make),
        )
    };
}

/// Adds the `$Key` and `$Value` variants of transformation `$name`, made by `$type::new(side)`.
macro_rules! keyed {
    ($table:expr, $name:literal, $type:ty) => {
        transformation!(
            transformation!($table, concat!($name, "$Key"), <$type>::new(Side::Key)),
            concat!($name, "$Value"),
            <$type>::new(Side::Value)
        )
    };
}

/// Adds predicate `org.apache.kafka.connect.transforms.predicates.<$name>` to `$table`.
macro_rules! predicate {
    ($table:expr, $name:literal, $make:expr) => {
        $table.predicate(
            concat!("org.apache.kafka.connect.transforms.predicates.", $name),
            || Box::new($make),
            || Box::new($make),
        )
    };
}

/// Every transformation and predicate, under Apache's class names (`$Key`/`$Value` variants each
/// their own class), as a plugin table.
pub fn plugins() -> PluginTable {
    let table = keyed!(PluginTable::new(), "Cast", cast::Cast);
    let table = transformation!(table, "DropHeaders", drop_headers::DropHeaders::default());
    let table = keyed!(table, "ExtractField", extract_field::ExtractField);
    let table = transformation!(table, "Filter", filter::Filter);
    let table = keyed!(table, "Flatten", flatten::Flatten);
    let table = keyed!(table, "HeaderFrom", header_from::HeaderFrom);
    let table = keyed!(table, "HoistField", hoist_field::HoistField);
    let table = keyed!(table, "InsertField", insert_field::InsertField);
    let table = transformation!(table, "InsertHeader", insert_header::InsertHeader::default());
    let table = keyed!(table, "MaskField", mask_field::MaskField);
    let table = transformation!(table, "RegexRouter", regex_router::RegexRouter::default());
    let table = keyed!(table, "ReplaceField", replace_field::ReplaceField);
    let table = keyed!(table, "SetSchemaMetadata", set_schema_metadata::SetSchemaMetadata);
    let table = keyed!(table, "TimestampConverter", timestamp_converter::TimestampConverter);
    let table = transformation!(table, "TimestampRouter", timestamp_router::TimestampRouter::default());
    let table = transformation!(table, "ValueToKey", value_to_key::ValueToKey::default());
    let table = table.transformation(
        "io.debezium.transforms.ExtractNewRecordState",
        || Box::new(debezium::extract_new_record_state::ExtractNewRecordState::default()),
        || Box::new(debezium::extract_new_record_state::ExtractNewRecordState::default()),
    );
    let table = table.transformation(
        "io.debezium.transforms.ByLogicalTableRouter",
        || Box::new(debezium::by_logical_table_router::ByLogicalTableRouter::default()),
        || Box::new(debezium::by_logical_table_router::ByLogicalTableRouter::default()),
    );
    let table = table.transformation(
        "io.debezium.transforms.outbox.EventRouter",
        || Box::new(debezium::event_router::EventRouter::default()),
        || Box::new(debezium::event_router::EventRouter::default()),
    );
    let table = predicate!(table, "HasHeaderKey", predicates::HasHeaderKey::default());
    let table = predicate!(table, "RecordIsTombstone", predicates::RecordIsTombstone);
    predicate!(table, "TopicNameMatches", predicates::TopicNameMatches::default())
}

#[cfg(test)]
mod tests {
    use kconnect_api::{PluginType, SinkRecord, SourceRecord};

    use super::*;

    #[test]
    fn every_listed_name_creates_its_plugin() {
        let table = plugins();
        let classes = table.classes();
        assert_eq!(
            classes.len(),
            32,
            "26 of Apache's transformations, 3 of Debezium's and 3 predicates"
        );
        for listed in classes {
            let class = listed.class;
            let short = class.rsplit('.').next().unwrap();
            for name in [class, short] {
                match listed.plugin_type {
                    PluginType::Transformation => {
                        assert!(table.new_transformation::<SourceRecord>(name).is_some(), "{name}");
                        assert!(table.new_transformation::<SinkRecord>(name).is_some(), "{name}");
                    }
                    _ => assert!(table.new_predicate::<SourceRecord>(name).is_some(), "{name}"),
                }
            }
        }
        assert!(table.new_transformation::<SourceRecord>("Nope").is_none());
    }
}
