//! `TimestampRouter`: routes to a topic named from the topic and the record's timestamp
//! (`topic.format`, default `${topic}-${timestamp}`; `timestamp.format`, default `yyyyMMdd`).

use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, Transformation};

use crate::date_format::DateFormat;

/// Routes records by timestamp.
#[derive(Debug)]
pub struct TimestampRouter {
    topic_format: String,
    timestamp_format: DateFormat,
}

impl Default for TimestampRouter {
    fn default() -> Self {
        Self {
            topic_format: "${topic}-${timestamp}".into(),
            timestamp_format: DateFormat::new("yyyyMMdd").expect("valid default"),
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for TimestampRouter {
    fn config_def(&self) -> ConfigDef {
        let string = crate::field::string_with_default;
        ConfigDef::new()
            .define(string("topic.format", "${topic}-${timestamp}", "Format string which can contain ${topic} and ${timestamp} as placeholders for the topic and timestamp, respectively."))
            .define(string("timestamp.format", "yyyyMMdd", "Format string for the timestamp that is compatible with java.text.SimpleDateFormat."))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.topic_format = parsed.get_string("topic.format")?.to_string();
        self.timestamp_format = DateFormat::new(parsed.get_string("timestamp.format")?)
            .map_err(|err| ConnectError::config("timestamp.format", err.to_string()))?;
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let core = record.core();
        let timestamp = core.timestamp.ok_or_else(|| {
            ConnectError::data(format!(
                "Timestamp missing on record: topic={}, partition={:?}",
                core.topic, core.kafka_partition
            ))
        })?;
        let topic = self
            .topic_format
            .replace("${topic}", &core.topic)
            .replace("${timestamp}", &self.timestamp_format.format(timestamp));
        record.core_mut().topic = topic;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SchemaAndValue;

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn apache_default_routes_by_day() {
        let out = apply(TimestampRouter::default(), &[], source(SchemaAndValue::NULL))
            .unwrap()
            .unwrap();
        assert_eq!(out.topic, "test-20170103");
        let config = [
            ("topic.format", "${timestamp}.${topic}"),
            ("timestamp.format", "yyyy-MM"),
        ];
        let out = apply(TimestampRouter::default(), &config, source(SchemaAndValue::NULL))
            .unwrap()
            .unwrap();
        assert_eq!(out.topic, "2017-01.test");
        let mut untimed = source(SchemaAndValue::NULL);
        untimed.timestamp = None;
        assert!(apply(TimestampRouter::default(), &[], untimed).is_err());
    }
}
