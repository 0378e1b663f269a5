//! `TimestampConverter$Key` / `$Value`: converts a timestamp (the whole key/value, or `field`)
//! between `string` (with a SimpleDateFormat `format`), `unix` (with `unix.precision`), `Date`,
//! `Time` and `Timestamp`.

use kconnect_api::config::{ConfigKey, ConfigType, Importance, Validator};
use kconnect_api::logical::{date_schema, time_schema, timestamp_schema};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, SchemaBuilder, SchemaRef,
    Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use crate::Side;
use crate::date_format::DateFormat;
use crate::field::{Fields, copied_entries, fields, rebuild, replace_null_with_default};

const MILLIS_PER_DAY: i64 = 86_400_000;

/// What to convert to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Text,
    Unix,
    Date,
    Time,
    Timestamp,
}

/// Converts timestamps between representations.
#[derive(Debug)]
pub struct TimestampConverter {
    side: Side,
    field: String,
    target: Target,
    format: Option<DateFormat>,
    /// Milliseconds per unix unit as (multiplier, divisor): seconds (1000, 1), microseconds (1, 1000), …
    unix: (i64, i64),
    schemas: SchemaMemo<SchemaRef>,
}

impl TimestampConverter {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            field: String::new(),
            target: Target::Timestamp,
            format: None,
            unix: (1, 1),
            schemas: SchemaMemo::default(),
        }
    }

    /// The instant of `value` in milliseconds since the epoch.
    fn to_millis(&self, value: &Value) -> Result<i64> {
        match value {
            Value::Timestamp(ms) => Ok(*ms),
            Value::Date(days) => Ok(i64::from(*days) * MILLIS_PER_DAY),
            Value::Time(ms) => Ok(i64::from(*ms)),
            Value::Int64(unix) => Ok(unix * self.unix.0 / self.unix.1),
            Value::String(text) => self
                .format
                .as_ref()
                .ok_or_else(|| {
                    ConnectError::data(
                        "TimestampConverter requires format option to be specified when using string timestamps",
                    )
                })?
                .parse(text),
            other => Err(ConnectError::data(format!(
                "Expected a timestamp, found {}",
                other.type_name()
            ))),
        }
    }

    fn convert(&self, value: &Value, optional: bool) -> Result<SchemaAndValue> {
        let schema = |builder: SchemaBuilder| Some(builder.with_optional(optional).build());
        if value.is_null() {
            return Ok(SchemaAndValue::new(self.target_schema(optional), Value::Null));
        }
        let ms = self.to_millis(value)?;
        Ok(match self.target {
            Target::Text => SchemaAndValue::new(
                schema(SchemaBuilder::new(kconnect_api::SchemaType::String)),
                Value::String(self.format.as_ref().map(|f| f.format(ms)).unwrap_or_default()),
            ),
            Target::Unix => SchemaAndValue::new(
                schema(SchemaBuilder::new(kconnect_api::SchemaType::Int64)),
                Value::Int64(ms * self.unix.1 / self.unix.0),
            ),
            Target::Date => {
                SchemaAndValue::new(schema(date_schema()), Value::Date(ms.div_euclid(MILLIS_PER_DAY) as i32))
            }
            Target::Time => {
                SchemaAndValue::new(schema(time_schema()), Value::Time(ms.rem_euclid(MILLIS_PER_DAY) as i32))
            }
            Target::Timestamp => SchemaAndValue::new(schema(timestamp_schema()), Value::Timestamp(ms)),
        })
    }

    fn target_schema(&self, optional: bool) -> Option<SchemaRef> {
        let builder = match self.target {
            Target::Text => SchemaBuilder::new(kconnect_api::SchemaType::String),
            Target::Unix => SchemaBuilder::new(kconnect_api::SchemaType::Int64),
            Target::Date => date_schema(),
            Target::Time => time_schema(),
            Target::Timestamp => timestamp_schema(),
        };
        Some(builder.with_optional(optional).build())
    }
}

impl<R: ConnectRecord> Transformation<R> for TimestampConverter {
    fn config_def(&self) -> ConfigDef {
        let string = crate::field::string_with_default;
        ConfigDef::new()
            .define(string("field", "", "The field containing the timestamp, or empty if the entire value is a timestamp"))
            .define(
                ConfigKey::new("target.type", ConfigType::String)
                    .validator(Validator::one_of(&["string", "unix", "Date", "Time", "Timestamp"]))
                    .importance(Importance::High)
                    .doc("The desired timestamp representation: string, unix, Date, Time, or Timestamp"),
            )
            .define(string("format", "", "A SimpleDateFormat-compatible format for the timestamp. Used to generate the output when type=string or used to parse the input if the input is a string."))
            .define(
                string("unix.precision", "milliseconds", "The desired Unix precision for the timestamp: seconds, milliseconds, microseconds, or nanoseconds.")
                    .validator(Validator::one_of(&["nanoseconds", "microseconds", "milliseconds", "seconds"])),
            )
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.field = parsed.get_string("field")?.to_string();
        self.target = match parsed.get_string("target.type")? {
            "string" => Target::Text,
            "unix" => Target::Unix,
            "Date" => Target::Date,
            "Time" => Target::Time,
            _ => Target::Timestamp,
        };
        self.format = match parsed.get_string("format")? {
            "" => None,
            pattern => Some(DateFormat::new(pattern).map_err(|err| ConnectError::config("format", err.to_string()))?),
        };
        if self.target == Target::Text && self.format.is_none() {
            return Err(ConnectError::config(
                "format",
                "TimestampConverter requires format option to be specified when using string timestamps",
            ));
        }
        self.unix = match parsed.get_string("unix.precision")? {
            "seconds" => (1000, 1),
            "microseconds" => (1, 1000),
            "nanoseconds" => (1, 1_000_000),
            _ => (1, 1),
        };
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data(record.core());
        let converted = if self.field.is_empty() {
            self.convert(&data.value, data.schema.as_ref().is_none_or(|s| s.optional))?
        } else if data.value.is_null() {
            return Ok(Some(record));
        } else {
            match fields(data.schema.is_some(), &data.value, "converting timestamp formats")? {
                Fields::Struct(original) => {
                    let base = original.schema();
                    let field = base
                        .field(&self.field)
                        .ok_or_else(|| ConnectError::data(format!("Unknown field: {}", self.field)))?;
                    let new_value =
                        self.convert(original.get(&self.field).unwrap_or(&Value::Null), field.schema.optional)?;
                    let fields = copied_entries(original)
                        .map(|(name, schema, value)| match name == self.field {
                            true => (
                                name,
                                new_value.schema.clone().unwrap_or(schema),
                                new_value.value.clone(),
                            ),
                            false => (name, schema, value),
                        })
                        .collect();
                    rebuild(&self.schemas, base, fields)?
                }
                Fields::Map(map) => {
                    let mut entries = map.to_vec();
                    for (key, value) in entries.iter_mut() {
                        if key.as_str() == Some(self.field.as_str()) {
                            *value = self.convert(value, true)?.value;
                        }
                    }
                    SchemaAndValue::new(None, Value::Map(entries))
                }
            }
        };
        let data = self.side.data_mut(record.core_mut());
        data.value = converted.value;
        if data.schema.is_some() || self.field.is_empty() && data.schema.is_some() {
            data.schema = converted.schema;
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::Schema;

    use super::*;
    use crate::testing::{apply, source};

    const MILLIS: i64 = 1_483_425_001_864;

    #[test]
    fn converts_between_representations() {
        let timestamp = SchemaAndValue::new(Some(timestamp_schema().build()), Value::Timestamp(MILLIS));
        let text = [("target.type", "string"), ("format", "yyyy-MM-dd HH:mm:ss.SSS")];
        let out = apply(TimestampConverter::new(Side::Value), &text, source(timestamp.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(
            out.value,
            SchemaAndValue::new(Some(Schema::string()), "2017-01-03 06:30:01.864".into())
        );

        let unix = [("target.type", "unix"), ("unix.precision", "seconds")];
        let out = apply(TimestampConverter::new(Side::Value), &unix, source(timestamp.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(out.value.value, Value::Int64(MILLIS / 1000));

        let date = apply(
            TimestampConverter::new(Side::Value),
            &[("target.type", "Date")],
            source(timestamp),
        )
        .unwrap()
        .unwrap();
        assert_eq!(date.value.value, Value::Date(17_169));

        let back = [("target.type", "Timestamp"), ("format", "yyyy-MM-dd HH:mm:ss.SSS")];
        let parsed = apply(
            TimestampConverter::new(Side::Value),
            &back,
            source(SchemaAndValue::new(None, "2017-01-03 06:30:01.864".into())),
        )
        .unwrap()
        .unwrap();
        assert_eq!(parsed.value.value, Value::Timestamp(MILLIS));
    }

    #[test]
    fn converts_a_field_and_names_config_mistakes() {
        let map = Value::Map(vec![("ts".into(), Value::Int64(MILLIS)), ("x".into(), Value::Int64(1))]);
        let config = [("field", "ts"), ("target.type", "Timestamp")];
        let out = apply(
            TimestampConverter::new(Side::Value),
            &config,
            source(SchemaAndValue::new(None, map)),
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            out.value.value,
            Value::Map(vec![
                ("ts".into(), Value::Timestamp(MILLIS)),
                ("x".into(), Value::Int64(1))
            ])
        );
        let err = apply(
            TimestampConverter::new(Side::Value),
            &[("target.type", "string")],
            source(SchemaAndValue::NULL),
        )
        .unwrap_err();
        assert!(err.to_string().contains("format"), "{err}");
        let err = apply(
            TimestampConverter::new(Side::Value),
            &[("target.type", "epoch")],
            source(SchemaAndValue::NULL),
        )
        .unwrap_err();
        assert!(err.to_string().contains("target.type"), "{err}");
    }
}
