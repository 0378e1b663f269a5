//! Apache Kafka Connect's single message transforms and predicates, one file each, written once
//! for source and sink records through [`ConnectRecord`].
//!
//! [`transformation`] and [`predicate`] create them by Apache's class name
//! (`org.apache.kafka.connect.transforms.InsertField$Value`) or its short form (`InsertField$Value`).

mod field;
mod side;
#[cfg(test)]
mod testing;

pub mod predicates;

mod cast;
mod date_format;
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

use kconnect_api::{ConnectRecord, Predicate, Transformation};

pub use side::Side;

const PACKAGE: &str = "org.apache.kafka.connect.transforms.";
const PREDICATES_PACKAGE: &str = "org.apache.kafka.connect.transforms.predicates.";

/// Every transformation's Apache class name, `$Key`/`$Value` variants included.
pub const TRANSFORMATIONS: &[&str] = &[
    "org.apache.kafka.connect.transforms.Cast$Key",
    "org.apache.kafka.connect.transforms.Cast$Value",
    "org.apache.kafka.connect.transforms.DropHeaders",
    "org.apache.kafka.connect.transforms.ExtractField$Key",
    "org.apache.kafka.connect.transforms.ExtractField$Value",
    "org.apache.kafka.connect.transforms.Filter",
    "org.apache.kafka.connect.transforms.Flatten$Key",
    "org.apache.kafka.connect.transforms.Flatten$Value",
    "org.apache.kafka.connect.transforms.HeaderFrom$Key",
    "org.apache.kafka.connect.transforms.HeaderFrom$Value",
    "org.apache.kafka.connect.transforms.HoistField$Key",
    "org.apache.kafka.connect.transforms.HoistField$Value",
    "org.apache.kafka.connect.transforms.InsertField$Key",
    "org.apache.kafka.connect.transforms.InsertField$Value",
    "org.apache.kafka.connect.transforms.InsertHeader",
    "org.apache.kafka.connect.transforms.MaskField$Key",
    "org.apache.kafka.connect.transforms.MaskField$Value",
    "org.apache.kafka.connect.transforms.RegexRouter",
    "org.apache.kafka.connect.transforms.ReplaceField$Key",
    "org.apache.kafka.connect.transforms.ReplaceField$Value",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Key",
    "org.apache.kafka.connect.transforms.SetSchemaMetadata$Value",
    "org.apache.kafka.connect.transforms.TimestampConverter$Key",
    "org.apache.kafka.connect.transforms.TimestampConverter$Value",
    "org.apache.kafka.connect.transforms.TimestampRouter",
    "org.apache.kafka.connect.transforms.ValueToKey",
];

/// Every predicate's Apache class name.
pub const PREDICATES: &[&str] = &[
    "org.apache.kafka.connect.transforms.predicates.HasHeaderKey",
    "org.apache.kafka.connect.transforms.predicates.RecordIsTombstone",
    "org.apache.kafka.connect.transforms.predicates.TopicNameMatches",
];

/// The Apache class name `name` stands for, if it names a transformation.
pub fn transformation_class(name: &str) -> Option<&'static str> {
    let short = name.trim().strip_prefix(PACKAGE).unwrap_or(name.trim());
    TRANSFORMATIONS
        .iter()
        .copied()
        .find(|class| class.strip_prefix(PACKAGE) == Some(short))
}

/// The Apache class name `name` stands for, if it names a predicate.
pub fn predicate_class(name: &str) -> Option<&'static str> {
    let short = name.trim().strip_prefix(PREDICATES_PACKAGE).unwrap_or(name.trim());
    PREDICATES
        .iter()
        .copied()
        .find(|class| class.strip_prefix(PREDICATES_PACKAGE) == Some(short))
}

/// A new, unconfigured transformation named `name`.
pub fn transformation<R: ConnectRecord>(name: &str) -> Option<Box<dyn Transformation<R>>> {
    let class = transformation_class(name)?.strip_prefix(PACKAGE)?;
    let (base, side) = match class.split_once('$') {
        Some((base, "Key")) => (base, Side::Key),
        Some((base, _)) => (base, Side::Value),
        None => (class, Side::Value),
    };
    Some(match base {
        "Cast" => Box::new(cast::Cast::new(side)),
        "DropHeaders" => Box::new(drop_headers::DropHeaders::default()),
        "ExtractField" => Box::new(extract_field::ExtractField::new(side)),
        "Filter" => Box::new(filter::Filter),
        "Flatten" => Box::new(flatten::Flatten::new(side)),
        "HeaderFrom" => Box::new(header_from::HeaderFrom::new(side)),
        "HoistField" => Box::new(hoist_field::HoistField::new(side)),
        "InsertField" => Box::new(insert_field::InsertField::new(side)),
        "InsertHeader" => Box::new(insert_header::InsertHeader::default()),
        "MaskField" => Box::new(mask_field::MaskField::new(side)),
        "RegexRouter" => Box::new(regex_router::RegexRouter::default()),
        "ReplaceField" => Box::new(replace_field::ReplaceField::new(side)),
        "SetSchemaMetadata" => Box::new(set_schema_metadata::SetSchemaMetadata::new(side)),
        "TimestampConverter" => Box::new(timestamp_converter::TimestampConverter::new(side)),
        "TimestampRouter" => Box::new(timestamp_router::TimestampRouter::default()),
        "ValueToKey" => Box::new(value_to_key::ValueToKey::default()),
        _ => return None,
    })
}

/// A new, unconfigured predicate named `name`.
pub fn predicate<R: ConnectRecord>(name: &str) -> Option<Box<dyn Predicate<R>>> {
    let class = predicate_class(name)?.strip_prefix(PREDICATES_PACKAGE)?;
    Some(match class {
        "HasHeaderKey" => Box::new(predicates::HasHeaderKey::default()),
        "RecordIsTombstone" => Box::new(predicates::RecordIsTombstone),
        "TopicNameMatches" => Box::new(predicates::TopicNameMatches::default()),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use kconnect_api::SourceRecord;

    use super::*;

    #[test]
    fn every_listed_name_creates_its_plugin() {
        for class in TRANSFORMATIONS {
            assert!(transformation::<SourceRecord>(class).is_some(), "{class}");
            let short = class.strip_prefix(PACKAGE).unwrap();
            assert!(transformation::<SourceRecord>(short).is_some(), "{short}");
        }
        for class in PREDICATES {
            assert!(predicate::<SourceRecord>(class).is_some(), "{class}");
        }
        assert!(predicate::<SourceRecord>("TopicNameMatches").is_some());
        assert!(transformation::<SourceRecord>("Nope").is_none());
    }
}
