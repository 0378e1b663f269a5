//! The keys every queue source declares alike: the Kafka topic the messages go to, and the list
//! naming what to consume (queues, topic filters), which must name something.

use kconnect_api::config::{ConfigKey, ConfigType, Importance, ParsedConfig, Validator};

/// `kafka.topic`, as Confluent's queue sources name it.
pub(crate) const KAFKA_TOPIC: &str = "kafka.topic";

/// The required `kafka.topic` key.
pub(crate) fn kafka_topic() -> ConfigKey {
    ConfigKey::new(KAFKA_TOPIC, ConfigType::String)
        .validator(Validator::NonEmptyString)
        .importance(Importance::High)
        .doc("The Kafka topic to write the messages to.")
        .group("Source", 0)
}

/// A required list key `name` of what to consume.
pub(crate) fn consumed(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::List)
        .importance(Importance::High)
        .doc(doc)
        .group("Source", 1)
}

/// The names of list key `name`, blank ones left out.
pub(crate) fn names(parsed: &ParsedConfig, name: &str) -> Vec<String> {
    parsed
        .list(name)
        .into_iter()
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect()
}

/// The cross-check of a list that must name at least one `what`.
pub(crate) fn names_something(key: &'static str, names: &[String], what: &str) -> Vec<(&'static str, String)> {
    if names.is_empty() {
        vec![(key, format!("names no {what}: give at least one"))]
    } else {
        Vec::new()
    }
}
