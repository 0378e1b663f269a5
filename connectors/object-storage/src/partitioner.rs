//! The partitioners: which directory (the "encoded partition") a record's object is in, and the
//! timestamp a time-based one buckets it by. Confluent's names and encodings.

use chrono::TimeZone;
use chrono_tz::Tz;
use kconnect_api::{ConnectError, Result, SinkRecord, Value};

use crate::config::{Extractor, PartitionerSpec};
use crate::joda::PathFormat;

/// Where a record goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Placement {
    /// The encoded partition, e.g. `partition=0` or `year=2024/month=03`.
    pub encoded: String,
    /// The timestamp a time-based partitioner used.
    pub timestamp: Option<i64>,
}

/// A configured partitioner.
pub(crate) enum Partitioner {
    /// `partition=<kafka partition>`.
    Default,
    /// `<field>=<value>` per field, joined by the directory delimiter.
    Field { fields: Vec<String>, delim: String },
    /// A time bucket printed with a pattern.
    Time {
        format: PathFormat,
        duration_ms: i64,
        zone: Tz,
        extractor: Extractor,
    },
}

impl Partitioner {
    /// The partitioner `spec` describes (checked by the configuration).
    pub fn new(spec: &PartitionerSpec, delim: &str) -> Result<Self> {
        Ok(match spec {
            PartitionerSpec::Default => Self::Default,
            PartitionerSpec::Field(fields) => Self::Field {
                fields: fields.clone(),
                delim: delim.to_string(),
            },
            PartitionerSpec::Time {
                path_format,
                duration_ms,
                timezone,
                extractor,
            } => Self::Time {
                format: PathFormat::parse(path_format).map_err(|e| ConnectError::config("path.format", e))?,
                duration_ms: *duration_ms,
                zone: timezone.unwrap_or(Tz::UTC),
                extractor: extractor.clone(),
            },
        })
    }

    /// Whether objects rotate on `rotate.interval.ms` (as Confluent's: time-based partitioners only).
    pub fn is_time_based(&self) -> bool {
        matches!(self, Self::Time { .. })
    }

    /// Whether it buckets by the wall clock, so that time alone can make `rotate.interval.ms` due.
    pub fn by_wall_clock(&self) -> bool {
        matches!(
            self,
            Self::Time {
                extractor: Extractor::Wallclock,
                ..
            }
        )
    }

    /// Where `record` goes; `now_ms` is the wall clock for the Wallclock extractor.
    pub fn place(&self, record: &SinkRecord, now_ms: i64) -> Result<Placement> {
        match self {
            Self::Default => Ok(Placement {
                encoded: format!("partition={}", record.core.kafka_partition.unwrap_or_default()),
                timestamp: None,
            }),
            Self::Field { fields, delim } => {
                let parts = fields
                    .iter()
                    .map(|name| Ok(format!("{name}={}", field_text(&record.core.value.value, name)?)))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Placement {
                    encoded: parts.join(delim),
                    timestamp: None,
                })
            }
            Self::Time {
                format,
                duration_ms,
                zone,
                extractor,
            } => {
                let timestamp = extract(extractor, record, now_ms)?;
                let bucket = bucket_start(timestamp, *duration_ms, zone);
                let time = zone
                    .timestamp_millis_opt(bucket)
                    .single()
                    .ok_or_else(|| ConnectError::data(format!("timestamp {timestamp} is out of range")))?;
                Ok(Placement {
                    encoded: format.print(&time),
                    timestamp: Some(timestamp),
                })
            }
        }
    }
}

/// The start of the bucket holding `timestamp`, buckets being cut in local time of `zone`.
fn bucket_start(timestamp: i64, duration_ms: i64, zone: &Tz) -> i64 {
    use chrono::Offset;
    let offset_ms = |at: i64| {
        zone.timestamp_millis_opt(at)
            .single()
            .map_or(0, |t| i64::from(t.offset().fix().local_minus_utc()) * 1000)
    };
    let local = timestamp + offset_ms(timestamp);
    let local_bucket = local - local.rem_euclid(duration_ms);
    local_bucket - offset_ms(local_bucket - offset_ms(timestamp))
}

/// A value field, by a dotted path through structs and maps.
fn lookup<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(value, |value, name| match value {
        Value::Struct(s) => s.get(name),
        Value::Map(entries) => entries
            .iter()
            .find(|(key, _)| matches!(key, Value::String(k) if k == name))
            .map(|(_, v)| v),
        _ => None,
    })
}

/// The text of a FieldPartitioner field: integers, strings and booleans, as Confluent's.
fn field_text(value: &Value, name: &str) -> Result<String> {
    match lookup(value, name) {
        Some(Value::Int8(v)) => Ok(v.to_string()),
        Some(Value::Int16(v)) => Ok(v.to_string()),
        Some(Value::Int32(v)) => Ok(v.to_string()),
        Some(Value::Int64(v)) => Ok(v.to_string()),
        Some(Value::String(v)) => Ok(v.clone()),
        Some(Value::Boolean(v)) => Ok(v.to_string()),
        Some(other) => Err(ConnectError::data(format!(
            "FieldPartitioner: field {name} is {other:?}, not an integer, string or boolean"
        ))),
        None => Err(ConnectError::data(format!(
            "FieldPartitioner: the record's value has no field {name}"
        ))),
    }
}

/// The timestamp `extractor` gives for `record`.
pub(crate) fn extract(extractor: &Extractor, record: &SinkRecord, now_ms: i64) -> Result<i64> {
    match extractor {
        Extractor::Wallclock => Ok(now_ms),
        Extractor::Record => record
            .core
            .timestamp
            .ok_or_else(|| ConnectError::data("the record has no timestamp (timestamp.extractor=Record)")),
        Extractor::RecordField(field) => match lookup(&record.core.value.value, field) {
            Some(Value::Timestamp(millis) | Value::Int64(millis)) => Ok(*millis),
            Some(Value::String(text)) => chrono::DateTime::parse_from_rfc3339(text)
                .map(|t| t.timestamp_millis())
                .map_err(|e| ConnectError::data(format!("timestamp field {field}: {text} is not ISO-8601: {e}"))),
            other => Err(ConnectError::data(format!(
                "timestamp field {field} is {other:?}, not a Timestamp, epoch milliseconds or an ISO-8601 string"
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::record::TimestampType;
    use kconnect_api::{RecordCore, Schema, SchemaAndValue, SchemaBuilder, Struct};

    use super::*;

    fn record(value: Value, timestamp: Option<i64>) -> SinkRecord {
        let mut core = RecordCore::new("t", SchemaAndValue::new(None, value));
        core.timestamp = timestamp;
        SinkRecord::new(core, 3, 0, TimestampType::CreateTime)
    }

    fn order(region: &str, shop: i32) -> Value {
        let schema = SchemaBuilder::struct_()
            .field("region", Schema::string())
            .field("shop", Schema::int32())
            .build();
        Value::Struct(
            Struct::new(schema)
                .unwrap()
                .put("region", region)
                .unwrap()
                .put("shop", shop)
                .unwrap(),
        )
    }

    #[test]
    fn the_default_partitioner_names_the_kafka_partition() {
        let placement = Partitioner::Default.place(&record(Value::Null, None), 0).unwrap();
        assert_eq!(placement.encoded, "partition=3");
    }

    #[test]
    fn the_field_partitioner_joins_fields_with_the_delimiter() {
        let partitioner = Partitioner::Field {
            fields: vec!["region".into(), "shop".into()],
            delim: "/".into(),
        };
        let placement = partitioner.place(&record(order("eu", 4), None), 0).unwrap();
        assert_eq!(placement.encoded, "region=eu/shop=4");
        let missing = Partitioner::Field {
            fields: vec!["nope".into()],
            delim: "/".into(),
        };
        assert!(missing.place(&record(order("eu", 4), None), 0).unwrap_err().is_data());
    }

    #[test]
    fn hourly_buckets_follow_the_record_time_in_the_zone() {
        let spec = PartitionerSpec::Time {
            path_format: "'dt'=YYYY-MM-dd/'hour'=HH".into(),
            duration_ms: 3_600_000,
            timezone: Some(chrono_tz::Asia::Kolkata),
            extractor: Extractor::Record,
        };
        let partitioner = Partitioner::new(&spec, "/").unwrap();
        // 2024-03-05T07:59:00Z is 13:29 in Kolkata (+05:30): the 13:00 bucket.
        let placement = partitioner
            .place(&record(Value::Null, Some(1_709_625_540_000)), 0)
            .unwrap();
        assert_eq!(placement.encoded, "dt=2024-03-05/hour=13");
        assert_eq!(placement.timestamp, Some(1_709_625_540_000));
    }

    #[test]
    fn record_field_timestamps_take_three_shapes() {
        let field = Extractor::RecordField("at".into());
        for at in [
            Value::Timestamp(1_000),
            Value::Int64(1_000),
            Value::String("1970-01-01T00:00:01Z".into()),
        ] {
            let value = Value::Map(vec![(Value::String("at".into()), at)]);
            assert_eq!(extract(&field, &record(value, None), 0).unwrap(), 1_000);
        }
    }
}
