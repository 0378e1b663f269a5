//! How subjects are named: after the topic, the record, or both (Confluent's TopicNameStrategy,
//! RecordNameStrategy and TopicRecordNameStrategy).

use kconnect_api::{ConnectError, Result, SchemaRef, SchemaType};

/// Confluent's default strategy class.
pub(crate) const TOPIC_NAME_STRATEGY: &str = "io.confluent.kafka.serializers.subject.TopicNameStrategy";
/// The strategies, by simple class name.
pub(crate) const STRATEGIES: [&str; 3] = ["TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy"];

/// A subject naming strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Strategy {
    #[default]
    Topic,
    Record,
    TopicRecord,
}

impl Strategy {
    /// The strategy a class name (full or simple) names.
    pub(crate) fn of_class(class: &str) -> Self {
        match class.rsplit('.').next() {
            Some("RecordNameStrategy") => Self::Record,
            Some("TopicRecordNameStrategy") => Self::TopicRecord,
            _ => Self::Topic,
        }
    }

    /// The subject of a key's or value's schema on `topic`; an unnamed struct's record is
    /// `unnamed` (the name the format gives it).
    pub(crate) fn subject(self, topic: &str, is_key: bool, schema: &SchemaRef, unnamed: &str) -> Result<String> {
        let record = || match schema.schema_type {
            SchemaType::Struct => Ok(schema.name.clone().unwrap_or_else(|| unnamed.into())),
            other => Err(ConnectError::data(format!(
                "a record name strategy needs a struct schema, not {other}"
            ))),
        };
        Ok(match self {
            Self::Topic => format!("{topic}-{}", if is_key { "key" } else { "value" }),
            Self::Record => record()?,
            Self::TopicRecord => format!("{topic}-{}", record()?),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_the_strategy() {
        let named = kconnect_api::SchemaBuilder::struct_().name("shop.Order").build();
        let subject = |strategy: Strategy, is_key| strategy.subject("orders", is_key, &named, "X").unwrap();
        assert_eq!(subject(Strategy::Topic, true), "orders-key");
        assert_eq!(subject(Strategy::Topic, false), "orders-value");
        assert_eq!(subject(Strategy::Record, false), "shop.Order");
        assert_eq!(subject(Strategy::TopicRecord, false), "orders-shop.Order");
        let string = kconnect_api::Schema::string();
        assert!(Strategy::Record.subject("orders", false, &string, "X").is_err());
    }
}
