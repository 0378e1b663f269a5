//! The keys of where records go: object names, the partitioner, the timestamp it buckets by, and
//! when objects are rotated.

use chrono_tz::Tz;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, ConnectError, Result};

use crate::joda::PathFormat;

const TOPICS_DIR: &str = "topics.dir";
const DIRECTORY_DELIM: &str = "directory.delim";
const FILE_DELIM: &str = "file.delim";
const ZERO_PAD_WIDTH: &str = "filename.offset.zero.pad.width";
const ROTATE_INTERVAL: &str = "rotate.interval.ms";
const ROTATE_SCHEDULE_INTERVAL: &str = "rotate.schedule.interval.ms";
const PARTITIONER_CLASS: &str = "partitioner.class";
const PARTITION_FIELD_NAME: &str = "partition.field.name";
const PATH_FORMAT: &str = "path.format";
const PARTITION_DURATION: &str = "partition.duration.ms";
const LOCALE: &str = "locale";
const TIMEZONE: &str = "timezone";
const TIMESTAMP_EXTRACTOR: &str = "timestamp.extractor";
const TIMESTAMP_FIELD: &str = "timestamp.field";
const NULL_VALUES: &str = "behavior.on.null.values";

const DEFAULT_PARTITIONER: &str = "io.confluent.connect.storage.partitioner.DefaultPartitioner";
const PARTITIONERS: [&str; 5] = [
    "DefaultPartitioner",
    "FieldPartitioner",
    "TimeBasedPartitioner",
    "DailyPartitioner",
    "HourlyPartitioner",
];
const EXTRACTORS: [&str; 3] = ["Wallclock", "Record", "RecordField"];
const DAY_MS: i64 = 24 * 60 * 60 * 1000;
const HOUR_MS: i64 = 60 * 60 * 1000;

fn text_key(name: &str, default: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::String(default.into()))
        .importance(Importance::Medium)
        .doc(doc)
}

fn long_key(name: &str, default: i64, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::Long)
        .default_value(ConfigValue::Long(default))
        .importance(Importance::Medium)
        .doc(doc)
}

/// The simple class name of a Java class name, so that both spellings are accepted.
pub(crate) fn simple_name(class: &str) -> &str {
    class.rsplit('.').next().unwrap_or(class)
}

/// A check that a class name's simple name is one of `names`.
fn class_among(names: &'static [&'static str]) -> Validator {
    Validator::Custom(std::sync::Arc::new(move |value: &ConfigValue| {
        match value.to_config_string() {
            Some(class) if !names.contains(&simple_name(&class)) => {
                Err(format!("{class} is not one of {}", names.join(", ")))
            }
            _ => Ok(()),
        }
    }))
}

/// The keys of object names, which the sources read as the sinks write.
pub(super) fn naming_definition() -> ConfigDef {
    ConfigDef::new()
        .define(text_key(TOPICS_DIR, "topics", "The top directory of every object."))
        .define(text_key(DIRECTORY_DELIM, "/", "The delimiter between directories."))
        .define(text_key(
            FILE_DELIM,
            "+",
            "The delimiter between topic, partition and offset in object names.",
        ))
        .define(
            ConfigKey::new(ZERO_PAD_WIDTH, ConfigType::Int)
                .default_value(ConfigValue::Int(10))
                .validator(Validator::AtLeast(0.0))
                .importance(Importance::Low)
                .doc("The width the start offset in an object name is zero-padded to."),
        )
}

/// The layout keys.
pub(super) fn definition() -> ConfigDef {
    naming_definition()
        .define(long_key(
            ROTATE_INTERVAL,
            -1,
            "With a time-based partitioner: the objects of a Kafka partition are uploaded once the \
             extracted timestamp is this far past the first record's, or moves to another time bucket.",
        ))
        .define(long_key(
            ROTATE_SCHEDULE_INTERVAL,
            -1,
            "Objects are uploaded on this wall-clock schedule (aligned to the day in `timezone`), even when \
             no record arrives. Not deterministic: a replay may cut objects elsewhere.",
        ))
        .define(
            ConfigKey::new(PARTITIONER_CLASS, ConfigType::Class)
                .default_value(ConfigValue::Class(DEFAULT_PARTITIONER.into()))
                .validator(class_among(&PARTITIONERS))
                .importance(Importance::High)
                .doc("How records are grouped into directories: Default, Field, TimeBased, Daily or Hourly."),
        )
        .define(
            ConfigKey::new(PARTITION_FIELD_NAME, ConfigType::List)
                .default_value(ConfigValue::List(Vec::new()))
                .importance(Importance::Medium)
                .doc("The value fields the FieldPartitioner names directories by."),
        )
        .define(text_key(
            PATH_FORMAT,
            "",
            "The TimeBasedPartitioner's directory pattern (Joda-Time), e.g. 'year'=YYYY/'month'=MM/'day'=dd.",
        ))
        .define(long_key(
            PARTITION_DURATION,
            -1,
            "The TimeBasedPartitioner's bucket length in milliseconds.",
        ))
        .define(text_key(
            LOCALE,
            "",
            "The locale of the path format (names of months and days).",
        ))
        .define(text_key(
            TIMEZONE,
            "",
            "The time zone of the path format and of scheduled rotation.",
        ))
        .define(
            ConfigKey::new(TIMESTAMP_EXTRACTOR, ConfigType::String)
                .default_value(ConfigValue::String("Wallclock".into()))
                .validator(class_among(&EXTRACTORS))
                .importance(Importance::Medium)
                .doc("Where a time-based partitioner's timestamp comes from: Wallclock, Record or RecordField."),
        )
        .define(text_key(
            TIMESTAMP_FIELD,
            "timestamp",
            "The RecordField extractor's value field: a Timestamp, epoch milliseconds or an ISO-8601 string.",
        ))
        .define(
            ConfigKey::new(NULL_VALUES, ConfigType::String)
                .default_value(ConfigValue::String("fail".into()))
                .validator(Validator::one_of_ignore_case(&["fail", "ignore"]))
                .importance(Importance::Low)
                .doc("A record with a null value: fail the task, or ignore the record."),
        )
}

/// How objects are named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Naming {
    /// The top directory.
    pub topics_dir: String,
    /// Between directories.
    pub directory_delim: String,
    /// Between topic, partition and offset.
    pub file_delim: String,
    /// The start offset's zero-padded width.
    pub zero_pad_width: usize,
}

impl Naming {
    pub(super) fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            topics_dir: parsed.get_string(TOPICS_DIR)?.to_string(),
            directory_delim: parsed.get_string(DIRECTORY_DELIM)?.to_string(),
            file_delim: parsed.get_string(FILE_DELIM)?.to_string(),
            zero_pad_width: parsed.get_int(ZERO_PAD_WIDTH)?.max(0) as usize,
        })
    }

    /// `<topics.dir>/<topic>/<encoded partition>/<topic>+<partition>+<start offset>.<extension>`.
    pub fn object_name(&self, topic: &str, encoded: &str, partition: i32, start: i64, extension: &str) -> String {
        let delim = &self.directory_delim;
        let file = &self.file_delim;
        let width = self.zero_pad_width;
        format!(
            "{}{delim}{topic}{delim}{encoded}{delim}{topic}{file}{partition}{file}{start:0width$}{extension}",
            self.topics_dir
        )
    }
}

/// When objects are uploaded before `flush.size` records.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rotation {
    /// `rotate.interval.ms`, when positive.
    pub interval_ms: Option<i64>,
    /// `rotate.schedule.interval.ms`, when positive.
    pub schedule_interval_ms: Option<i64>,
    /// The zone scheduled rotation is aligned in.
    pub timezone: Option<Tz>,
}

fn positive(parsed: &ParsedConfig, key: &str) -> Result<Option<i64>> {
    Ok(Some(parsed.get_long(key)?).filter(|ms| *ms > 0))
}

fn timezone(parsed: &ParsedConfig) -> Result<Option<Tz>> {
    match parsed.get_string(TIMEZONE)? {
        "" => Ok(None),
        zone => zone
            .parse::<Tz>()
            .map(Some)
            .map_err(|_| ConnectError::config(TIMEZONE, format!("{zone} is not a time zone"))),
    }
}

impl Rotation {
    pub(super) fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(Self {
            interval_ms: positive(parsed, ROTATE_INTERVAL)?,
            schedule_interval_ms: positive(parsed, ROTATE_SCHEDULE_INTERVAL)?,
            timezone: timezone(parsed)?,
        })
    }

    pub(super) fn cross_checks(&self) -> Vec<(&'static str, String)> {
        match (self.schedule_interval_ms, self.timezone) {
            (Some(_), None) => vec![(
                TIMEZONE,
                format!("{TIMEZONE} must be set when {ROTATE_SCHEDULE_INTERVAL} is"),
            )],
            _ => Vec::new(),
        }
    }
}

/// Where a time-based partitioner's timestamp comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Extractor {
    /// The worker's clock when the record is written.
    Wallclock,
    /// The Kafka record's timestamp.
    Record,
    /// A field of the value.
    RecordField(String),
}

/// How records are grouped into directories.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PartitionerSpec {
    /// `partition=<kafka partition>`.
    Default,
    /// `<field>=<value>` for each listed value field.
    Field(Vec<String>),
    /// Time buckets of the extracted timestamp, named by a Joda-Time pattern.
    Time {
        /// The directory pattern.
        path_format: String,
        /// The bucket length.
        duration_ms: i64,
        /// The zone buckets are cut and named in (required: `cross_checks` says so).
        timezone: Option<Tz>,
        /// Where the timestamp comes from.
        extractor: Extractor,
    },
}

impl PartitionerSpec {
    pub(super) fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        let class = parsed.get_string(PARTITIONER_CLASS)?;
        let (path_format, duration_ms) = match simple_name(class) {
            "FieldPartitioner" => return Ok(Self::Field(parsed.list(PARTITION_FIELD_NAME))),
            "TimeBasedPartitioner" => (
                parsed.get_string(PATH_FORMAT)?.to_string(),
                parsed.get_long(PARTITION_DURATION)?,
            ),
            "DailyPartitioner" => ("'year'=YYYY/'month'=MM/'day'=dd".to_string(), DAY_MS),
            "HourlyPartitioner" => ("'year'=YYYY/'month'=MM/'day'=dd/'hour'=HH".to_string(), HOUR_MS),
            _ => return Ok(Self::Default),
        };
        let extractor = match simple_name(parsed.get_string(TIMESTAMP_EXTRACTOR)?) {
            "Record" => Extractor::Record,
            "RecordField" => Extractor::RecordField(parsed.get_string(TIMESTAMP_FIELD)?.to_string()),
            _ => Extractor::Wallclock,
        };
        Ok(Self::Time {
            path_format,
            duration_ms,
            timezone: timezone(parsed)?,
            extractor,
        })
    }

    pub(super) fn cross_checks(&self) -> Vec<(&'static str, String)> {
        match self {
            Self::Field(fields) if fields.is_empty() => vec![(
                PARTITION_FIELD_NAME,
                format!("the FieldPartitioner needs {PARTITION_FIELD_NAME}"),
            )],
            Self::Time { path_format, .. } if path_format.is_empty() => {
                vec![(PATH_FORMAT, format!("a time-based partitioner needs {PATH_FORMAT}"))]
            }
            Self::Time { path_format, .. } if PathFormat::parse(path_format).is_err() => {
                vec![(PATH_FORMAT, PathFormat::parse(path_format).err().unwrap_or_default())]
            }
            Self::Time { timezone: None, .. } => vec![(TIMEZONE, format!("a time-based partitioner needs {TIMEZONE}"))],
            Self::Time { duration_ms, .. } if *duration_ms <= 0 => vec![(
                PARTITION_DURATION,
                format!("a time-based partitioner needs a positive {PARTITION_DURATION}"),
            )],
            _ => Vec::new(),
        }
    }
}

/// What a record with a null value does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum NullValues {
    /// Fails the task (Confluent's default).
    Fail,
    /// Skips the record.
    Ignore,
}

impl NullValues {
    pub(super) fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(match parsed.get_string(NULL_VALUES)?.to_ascii_lowercase().as_str() {
            "ignore" => Self::Ignore,
            _ => Self::Fail,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn object_names_are_confluents() {
        let naming = Naming {
            topics_dir: "topics".into(),
            directory_delim: "/".into(),
            file_delim: "+".into(),
            zero_pad_width: 10,
        };
        assert_eq!(
            naming.object_name("orders", "partition=3", 3, 42, ".json"),
            "topics/orders/partition=3/orders+3+0000000042.json"
        );
    }

    #[test]
    fn class_names_are_taken_with_or_without_their_package() {
        assert_eq!(
            simple_name("io.confluent.connect.storage.partitioner.FieldPartitioner"),
            "FieldPartitioner"
        );
        assert_eq!(simple_name("Record"), "Record");
    }
}
