//! The predicates: HasHeaderKey, RecordIsTombstone, TopicNameMatches.

use kconnect_api::config::Validator;
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectRecord, Predicate, Result};
use regex::Regex;

use crate::field::required_string;

/// `…predicates.HasHeaderKey`: the record has at least one header named `name`.
#[derive(Debug, Default)]
pub struct HasHeaderKey {
    name: String,
}

impl<R: ConnectRecord> Predicate<R> for HasHeaderKey {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new().define(required_string("name", "The header name.").validator(Validator::NonEmptyString))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.name = Predicate::<R>::config_def(self)
            .parse(config)?
            .get_string("name")?
            .to_string();
        Ok(())
    }

    fn test(&self, record: &R) -> bool {
        record.core().headers.last_with_name(&self.name).is_some()
    }
}

/// `…predicates.RecordIsTombstone`: the record's value is null.
#[derive(Debug, Default)]
pub struct RecordIsTombstone;

impl<R: ConnectRecord> Predicate<R> for RecordIsTombstone {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
    }

    fn test(&self, record: &R) -> bool {
        record.core().value.value.is_null()
    }
}

/// `…predicates.TopicNameMatches`: the whole topic name matches `pattern`.
#[derive(Debug, Default)]
pub struct TopicNameMatches {
    pattern: Option<Regex>,
}

impl<R: ConnectRecord> Predicate<R> for TopicNameMatches {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new().define(
            required_string(
                "pattern",
                "A Java regular expression for matching against the name of a record's topic.",
            )
            .validator(Validator::NonEmptyString),
        )
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Predicate::<R>::config_def(self).parse(config)?;
        let pattern = parsed.get_string("pattern")?;
        let regex = Regex::new(&format!("^(?:{pattern})$"))
            .map_err(|err| ConnectError::config("pattern", format!("Invalid regex: {err}")))?;
        self.pattern = Some(regex);
        Ok(())
    }

    fn test(&self, record: &R) -> bool {
        self.pattern.as_ref().is_some_and(|p| p.is_match(&record.core().topic))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{OffsetMap, RecordCore, SchemaAndValue, SourceRecord, Value};

    use super::*;

    fn record(topic: &str, value: Value) -> SourceRecord {
        let mut core = RecordCore::new(topic, SchemaAndValue::new(None, value));
        core.headers.add_string("trace-id", "1");
        SourceRecord::new(OffsetMap::new(), OffsetMap::new(), core)
    }

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn each_predicate_tests_its_condition() {
        let mut has = HasHeaderKey::default();
        Predicate::<SourceRecord>::configure(&mut has, &config(&[("name", "trace-id")])).unwrap();
        assert!(has.test(&record("t", "v".into())));
        Predicate::<SourceRecord>::configure(&mut has, &config(&[("name", "other")])).unwrap();
        assert!(!has.test(&record("t", "v".into())));

        assert!(RecordIsTombstone.test(&record("t", Value::Null)));
        assert!(!RecordIsTombstone.test(&record("t", "v".into())));

        let mut matches = TopicNameMatches::default();
        Predicate::<SourceRecord>::configure(&mut matches, &config(&[("pattern", "orders-.*")])).unwrap();
        assert!(matches.test(&record("orders-eu", "v".into())));
        assert!(
            !matches.test(&record("my-orders-eu", "v".into())),
            "the whole name must match"
        );
    }

    #[test]
    fn configuration_errors_name_the_key() {
        let mut matches = TopicNameMatches::default();
        let err = Predicate::<SourceRecord>::configure(&mut matches, &config(&[("pattern", "(")])).unwrap_err();
        assert!(err.to_string().contains("pattern"), "{err}");
        let err = Predicate::<SourceRecord>::configure(&mut matches, &config(&[])).unwrap_err();
        assert!(err.to_string().contains("pattern"), "{err}");
        let mut has = HasHeaderKey::default();
        assert!(
            Predicate::<SourceRecord>::configure(&mut has, &config(&[]))
                .unwrap_err()
                .to_string()
                .contains("name")
        );
    }
}
