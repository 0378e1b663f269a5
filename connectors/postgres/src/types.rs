//! PostgreSQL column types as Debezium's PostgreSQL connector maps them: each column's Connect
//! schema (with Debezium's semantic names) and the conversion of pgoutput's text values.

use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike};
use kconnect_api::logical::{Decimal, date_schema, decimal_schema, time_schema, timestamp_schema};
use kconnect_api::schema::{SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{ConnectError, Result, Struct, Value};

use kconnect_cdc::semantic::{
    DATE, ENUM, JSON, MICRO_TIME, MICRO_TIMESTAMP, TIME, TIMESTAMP, ZONED_TIMESTAMP, decimal_at_scale, iso_fraction,
};

use crate::hstore;
use crate::interval::Interval;
use crate::modes::{BinaryMode, DecimalMode, HstoreMode, IntervalMode, TimePrecision, ValueModes};

/// `io.debezium.time.ZonedTime`: an ISO-8601 time with its offset.
const ZONED_TIME: &str = "io.debezium.time.ZonedTime";
/// `io.debezium.time.MicroDuration`: an interval in microseconds.
const MICRO_DURATION: &str = "io.debezium.time.MicroDuration";
/// `io.debezium.time.Interval`: an interval in ISO 8601 (`P1Y2M3DT4H5M6.5S`).
const INTERVAL: &str = "io.debezium.time.Interval";
/// `io.debezium.data.Uuid`.
const UUID: &str = "io.debezium.data.Uuid";
/// `io.debezium.data.VariableScaleDecimal`: a numeric without a declared scale.
const VARIABLE_SCALE_DECIMAL: &str = "io.debezium.data.VariableScaleDecimal";

/// What the catalog says of a column beyond its type: Debezium's schema reflects it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnFacts {
    /// Whether the column is NOT NULL (its schema is then required).
    pub not_null: bool,
    /// Its default expression (`7`, `'abc'::text`, `nextval(…)`), when it has one.
    pub default: Option<String>,
    /// The labels of an enum type, in order.
    pub enum_labels: Option<Vec<String>>,
    /// The type's name (`hstore` is known by it: extension types have no fixed OID).
    pub type_name: Option<String>,
    /// For a domain, its base type's OID and modifier: the column is carried as that type.
    pub domain_of: Option<(u32, i32)>,
}

/// How a column's values are carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Boolean,
    Int16,
    Int32,
    Int64,
    Float32,
    Float64,
    Decimal(i32),
    VariableDecimal,
    NumericDouble,
    Text,
    Bytes,
    Date,
    TimeMillis,
    TimeMicros,
    TimestampMillis,
    TimestampMicros,
    ZonedTimestamp,
    ZonedTime,
    Interval,
    Array,
    /// `time.precision.mode=connect`: Connect's Date.
    ConnectDate,
    /// `time.precision.mode=connect`: Connect's Time (milliseconds).
    ConnectTime,
    /// `time.precision.mode=connect`: Connect's Timestamp (milliseconds).
    ConnectTimestamp,
    /// `binary.handling.mode` other than `bytes`: bytes written in a string.
    EncodedBytes(BinaryMode),
    /// `interval.handling.mode=string`.
    IntervalText,
    /// `hstore` as a JSON object string.
    HstoreJson,
    /// `hstore` as a map.
    HstoreMap,
}

/// A column's Connect schema and how to convert its values.
#[derive(Debug, Clone)]
pub struct ColumnType {
    kind: Kind,
    /// The elements' type, for an array.
    element: Option<Box<ColumnType>>,
    /// The column's schema (optional unless the column is NOT NULL).
    pub schema: SchemaRef,
}

/// The element type of a one-dimensional array type, by the array type's OID.
fn array_element(oid: u32) -> Option<u32> {
    Some(match oid {
        1000 => 16,
        1005 => 21,
        1007 => 23,
        1016 => 20,
        1021 => 700,
        1022 => 701,
        1231 => 1700,
        1009 => 25,
        1015 => 1043,
        1014 => 1042,
        1001 => 17,
        1182 => 1082,
        1183 => 1083,
        1115 => 1114,
        1185 => 1184,
        2951 => 2950,
        199 => 114,
        3807 => 3802,
        _ => return None,
    })
}

/// The precision of a time or timestamp type modifier (6 when unset).
fn time_precision(type_modifier: i32) -> i32 {
    if type_modifier < 0 { 6 } else { type_modifier }
}

/// The type of a column of type `oid` with `type_modifier` and the catalog's `facts`.
pub fn column_type(oid: u32, type_modifier: i32, facts: &ColumnFacts, modes: ValueModes) -> ColumnType {
    let (oid, type_modifier) = match facts.domain_of {
        Some((base, base_modifier)) if type_modifier < 0 => (base, base_modifier),
        Some((base, _)) => (base, type_modifier),
        None => (oid, type_modifier),
    };
    let mut column = if facts.type_name.as_deref() == Some("hstore") {
        hstore_type(!facts.not_null, modes.hstore)
    } else {
        plain_type(oid, type_modifier, !facts.not_null, modes, facts.enum_labels.as_deref())
    };
    if let Some(default) = facts.default.as_deref().and_then(|text| column.default_of(text)) {
        column.schema = rebuild_with_default(&column.schema, default);
    }
    column
}

/// An `hstore` column, as `hstore.handling.mode` says.
fn hstore_type(optional: bool, mode: HstoreMode) -> ColumnType {
    let (kind, builder) = match mode {
        HstoreMode::Json => (
            Kind::HstoreJson,
            SchemaBuilder::new(SchemaType::String).name(JSON).version(1),
        ),
        HstoreMode::Map => (
            Kind::HstoreMap,
            SchemaBuilder::map(
                SchemaBuilder::new(SchemaType::String).build(),
                SchemaBuilder::new(SchemaType::String).optional().build(),
            ),
        ),
    };
    ColumnType {
        kind,
        element: None,
        schema: builder.with_optional(optional).build(),
    }
}

/// A copy of `schema` with `default`.
fn rebuild_with_default(schema: &SchemaRef, default: Value) -> SchemaRef {
    let mut copy = (**schema).clone();
    copy.default_value = Some(default);
    std::sync::Arc::new(copy)
}

fn plain_type(
    oid: u32,
    type_modifier: i32,
    optional: bool,
    modes: ValueModes,
    enum_labels: Option<&[String]>,
) -> ColumnType {
    if let Some(element) = array_element(oid) {
        let element = plain_type(element, type_modifier, true, modes, None);
        let schema = SchemaBuilder::array(element.schema.clone())
            .with_optional(optional)
            .build();
        return ColumnType {
            kind: Kind::Array,
            element: Some(Box::new(element)),
            schema,
        };
    }
    let kind = match oid {
        16 => Kind::Boolean,
        21 => Kind::Int16,
        23 => Kind::Int32,
        20 | 26 => Kind::Int64,
        700 => Kind::Float32,
        701 => Kind::Float64,
        1700 => match modes.decimals {
            DecimalMode::Double => Kind::NumericDouble,
            DecimalMode::String => Kind::Text,
            DecimalMode::Precise if type_modifier >= 4 => Kind::Decimal((type_modifier - 4) & 0xffff),
            DecimalMode::Precise => Kind::VariableDecimal,
        },
        17 => match modes.binary {
            BinaryMode::Bytes => Kind::Bytes,
            encoded => Kind::EncodedBytes(encoded),
        },
        1082 | 1083 | 1114 => temporal_kind(oid, time_precision(type_modifier), modes.time_precision),
        1184 => Kind::ZonedTimestamp,
        1266 => Kind::ZonedTime,
        1186 => match modes.interval {
            IntervalMode::Numeric => Kind::Interval,
            IntervalMode::String => Kind::IntervalText,
        },
        _ => Kind::Text,
    };
    let builder = match kind {
        Kind::Boolean => SchemaBuilder::new(SchemaType::Boolean),
        Kind::Int16 => SchemaBuilder::new(SchemaType::Int16),
        Kind::Int32 => SchemaBuilder::new(SchemaType::Int32),
        Kind::Int64 => SchemaBuilder::new(SchemaType::Int64),
        Kind::Float32 => SchemaBuilder::new(SchemaType::Float32),
        Kind::Float64 | Kind::NumericDouble => SchemaBuilder::new(SchemaType::Float64),
        Kind::Decimal(scale) => {
            let precision = ((type_modifier - 4) >> 16) & 0xffff;
            decimal_schema(scale).parameter("connect.decimal.precision", precision.to_string())
        }
        Kind::VariableDecimal => SchemaBuilder::struct_()
            .name(VARIABLE_SCALE_DECIMAL)
            .version(1)
            .doc("Variable scaled decimal")
            .field("scale", SchemaBuilder::new(SchemaType::Int32).build())
            .field("value", SchemaBuilder::new(SchemaType::Bytes).build()),
        Kind::Text => match (oid, enum_labels) {
            (114 | 3802, _) => SchemaBuilder::new(SchemaType::String).name(JSON).version(1),
            (2950, _) => SchemaBuilder::new(SchemaType::String).name(UUID).version(1),
            (_, Some(labels)) => SchemaBuilder::new(SchemaType::String)
                .name(ENUM)
                .version(1)
                .parameter("allowed", labels.join(",")),
            _ => SchemaBuilder::new(SchemaType::String),
        },
        Kind::Bytes => SchemaBuilder::new(SchemaType::Bytes),
        Kind::Date => SchemaBuilder::new(SchemaType::Int32).name(DATE).version(1),
        Kind::TimeMillis => SchemaBuilder::new(SchemaType::Int32).name(TIME).version(1),
        Kind::TimeMicros => SchemaBuilder::new(SchemaType::Int64).name(MICRO_TIME).version(1),
        Kind::TimestampMillis => SchemaBuilder::new(SchemaType::Int64).name(TIMESTAMP).version(1),
        Kind::TimestampMicros => SchemaBuilder::new(SchemaType::Int64).name(MICRO_TIMESTAMP).version(1),
        Kind::ZonedTimestamp => SchemaBuilder::new(SchemaType::String).name(ZONED_TIMESTAMP).version(1),
        Kind::ZonedTime => SchemaBuilder::new(SchemaType::String).name(ZONED_TIME).version(1),
        Kind::Interval => SchemaBuilder::new(SchemaType::Int64).name(MICRO_DURATION).version(1),
        Kind::Array | Kind::HstoreJson | Kind::HstoreMap => unreachable!("built apart"),
        Kind::ConnectDate => date_schema(),
        Kind::ConnectTime => time_schema(),
        Kind::ConnectTimestamp => timestamp_schema(),
        Kind::EncodedBytes(_) => SchemaBuilder::new(SchemaType::String),
        Kind::IntervalText => SchemaBuilder::new(SchemaType::String).name(INTERVAL).version(1),
    };
    ColumnType {
        kind,
        element: None,
        schema: builder.with_optional(optional).build(),
    }
}

/// How a `date` (1082), `time` (1083) or `timestamp` (1114) of `precision` is carried.
fn temporal_kind(oid: u32, precision: i32, mode: TimePrecision) -> Kind {
    match (oid, mode) {
        (1082, TimePrecision::Connect) => Kind::ConnectDate,
        (1082, _) => Kind::Date,
        (1083, TimePrecision::Connect) => Kind::ConnectTime,
        (1083, TimePrecision::AdaptiveTimeMicroseconds) => Kind::TimeMicros,
        (1083, _) if precision <= 3 => Kind::TimeMillis,
        (1083, _) => Kind::TimeMicros,
        (_, TimePrecision::Connect) => Kind::ConnectTimestamp,
        (_, _) if precision <= 3 => Kind::TimestampMillis,
        (_, _) => Kind::TimestampMicros,
    }
}

fn bad(text: &str, what: &str) -> ConnectError {
    ConnectError::data(format!("cannot read {text:?} as {what}"))
}

fn micros_of_day(time: NaiveTime) -> i64 {
    i64::from(time.num_seconds_from_midnight()) * 1_000_000 + i64::from(time.nanosecond() / 1_000)
}

fn parse_time(text: &str) -> Result<NaiveTime> {
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f").map_err(|_| bad(text, "a time"))
}

/// Days since the epoch.
fn parse_date(text: &str) -> Result<i32> {
    let date = NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(|_| bad(text, "a date"))?;
    Ok((date - NaiveDate::default()).num_days() as i32)
}

fn parse_timestamp(text: &str) -> Result<NaiveDateTime> {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f").map_err(|_| bad(text, "a timestamp"))
}

/// PostgreSQL's `bytea` hex output (`\x0102…`).
fn parse_bytea(text: &str) -> Result<Vec<u8>> {
    let hex = text.strip_prefix("\\x").ok_or_else(|| bad(text, "bytea hex output"))?;
    (0..hex.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(hex.get(at..at + 2).unwrap_or("?"), 16).map_err(|_| bad(text, "bytea")))
        .collect()
}

/// A timestamptz or timetz text's offset (`+00`, `+05:30`, `-08`) as `±HH:MM`.
fn normalized_offset(text: &str) -> Option<(String, String)> {
    let at = text
        .rfind(['+', '-'])
        .filter(|at| *at > 0 && text[..*at].contains(':'))?;
    let (local, offset) = text.split_at(at);
    let offset = if offset.len() == 3 {
        format!("{offset}:00")
    } else {
        offset.to_string()
    };
    Some((local.to_string(), offset))
}

/// A timestamptz text as Debezium's ZonedTimestamp: ISO-8601 in UTC with `Z`.
fn zoned_timestamp(text: &str) -> Result<String> {
    let (local, offset) = normalized_offset(text).ok_or_else(|| bad(text, "a timestamp with time zone"))?;
    let parsed = chrono::DateTime::parse_from_str(&format!("{local}{offset}"), "%Y-%m-%d %H:%M:%S%.f%:z")
        .map_err(|_| bad(text, "a timestamp with time zone"))?;
    let utc = parsed.with_timezone(&chrono::Utc);
    Ok(format!(
        "{}{}Z",
        utc.format("%Y-%m-%dT%H:%M:%S"),
        iso_fraction(utc.nanosecond())
    ))
}

/// A timetz text as Debezium's ZonedTime: ISO-8601 in UTC with `Z`.
fn zoned_time(text: &str) -> Result<String> {
    let (local, offset) = normalized_offset(text).ok_or_else(|| bad(text, "a time with time zone"))?;
    let time = parse_time(&local)?;
    let sign = if offset.starts_with('-') { -1 } else { 1 };
    let (hours, minutes) = offset[1..].split_once(':').unwrap_or(("0", "0"));
    let shift = sign * (hours.parse::<i64>().unwrap_or(0) * 3600 + minutes.parse::<i64>().unwrap_or(0) * 60);
    let utc = time - chrono::TimeDelta::seconds(shift);
    Ok(format!("{}{}Z", utc.format("%H:%M:%S"), iso_fraction(utc.nanosecond())))
}

impl ColumnType {
    /// The value of a column's text output; `text` is never NULL here.
    pub fn value(&self, text: &str) -> Result<Value> {
        let number = |what| bad(text, what);
        Ok(match self.kind {
            Kind::Boolean => Value::Boolean(text == "t" || text == "true"),
            Kind::Int16 => Value::Int16(text.parse().map_err(|_| number("a smallint"))?),
            Kind::Int32 => Value::Int32(text.parse().map_err(|_| number("an integer"))?),
            Kind::Int64 => Value::Int64(text.parse().map_err(|_| number("a bigint"))?),
            Kind::Float32 => Value::Float32(text.parse().map_err(|_| number("a real"))?),
            Kind::Float64 | Kind::NumericDouble => Value::Float64(text.parse().map_err(|_| number("a double"))?),
            Kind::Decimal(scale) => Value::Decimal(decimal_at_scale(text, scale)?),
            Kind::VariableDecimal => {
                let parsed = Decimal::parse(text)?;
                Value::Struct(Struct::with_values(
                    self.schema.clone(),
                    vec![Value::Int32(parsed.scale), Value::Bytes(parsed.to_bytes())],
                )?)
            }
            Kind::Text => Value::String(text.to_string()),
            Kind::Bytes => Value::Bytes(parse_bytea(text)?),
            Kind::Date => Value::Int32(parse_date(text)?),
            Kind::ConnectDate => Value::Date(parse_date(text)?),
            Kind::ConnectTime => Value::Time((micros_of_day(parse_time(text)?) / 1_000) as i32),
            Kind::ConnectTimestamp => Value::Timestamp(parse_timestamp(text)?.and_utc().timestamp_millis()),
            Kind::EncodedBytes(mode) => Value::String(mode.encode(&parse_bytea(text)?)),
            Kind::IntervalText => Value::String(Interval::parse(text)?.iso()),
            Kind::HstoreJson => Value::String(hstore::to_json(&hstore::parse(text)?)),
            Kind::HstoreMap => Value::Map(
                hstore::parse(text)?
                    .into_iter()
                    .map(|(key, value)| (Value::String(key), value.map_or(Value::Null, Value::String)))
                    .collect(),
            ),
            Kind::TimeMillis => Value::Int32((micros_of_day(parse_time(text)?) / 1_000) as i32),
            Kind::TimeMicros => Value::Int64(micros_of_day(parse_time(text)?)),
            Kind::TimestampMillis => Value::Int64(parse_timestamp(text)?.and_utc().timestamp_millis()),
            Kind::TimestampMicros => Value::Int64(parse_timestamp(text)?.and_utc().timestamp_micros()),
            Kind::ZonedTimestamp => Value::String(zoned_timestamp(text)?),
            Kind::ZonedTime => Value::String(zoned_time(text)?),
            Kind::Interval => Value::Int64(Interval::parse(text)?.micros()),
            Kind::Array => {
                let element = self.element.as_deref().expect("an array has an element type");
                let items = parse_array(text)?
                    .into_iter()
                    .map(|item| item.map_or(Ok(Value::Null), |item| element.value(&item)))
                    .collect::<Result<Vec<_>>>()?;
                Value::Array(items)
            }
        })
    }

    /// The value of a default expression that is a constant (`7`, `'abc'::text`, `true`); `None`
    /// for an expression computed at insert time (`nextval(…)`, `now()`).
    fn default_of(&self, expression: &str) -> Option<Value> {
        let literal = match expression.split_once("::") {
            Some((literal, _)) => literal,
            None => expression,
        };
        let literal = literal.trim().trim_start_matches('(').trim_end_matches(')');
        let unquoted = match literal.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
            Some(quoted) => quoted.replace("''", "'"),
            None if literal.contains('(') || literal.is_empty() => return None,
            None => literal.to_string(),
        };
        self.value(&unquoted).ok()
    }

    /// What an unchanged TOASTed value the server did not send becomes: `placeholder` (its bytes
    /// for a binary column, written as `binary.handling.mode` says), or null for a type that
    /// cannot hold it.
    pub fn unchanged_toast(&self, placeholder: &str) -> Value {
        match (self.kind, self.schema.schema_type) {
            (Kind::EncodedBytes(mode), _) => Value::String(mode.encode(placeholder.as_bytes())),
            (_, SchemaType::String) => Value::String(placeholder.to_string()),
            (_, SchemaType::Bytes) => Value::Bytes(placeholder.as_bytes().to_vec()),
            _ => Value::Null,
        }
    }

    /// What a required column holds when the server sent no value for it (a delete's old key
    /// tuple leaves the other columns out): its default, else the type's zero, as Debezium does.
    pub fn absent_value(&self) -> Value {
        if let Some(default) = &self.schema.default_value {
            return default.clone();
        }
        match self.kind {
            Kind::Boolean => Value::Boolean(false),
            Kind::Int16 => Value::Int16(0),
            Kind::Int32 | Kind::Date | Kind::TimeMillis => Value::Int32(0),
            Kind::Int64 | Kind::TimeMicros | Kind::TimestampMillis | Kind::TimestampMicros | Kind::Interval => {
                Value::Int64(0)
            }
            Kind::ConnectDate => Value::Date(0),
            Kind::ConnectTime => Value::Time(0),
            Kind::ConnectTimestamp => Value::Timestamp(0),
            Kind::EncodedBytes(_) => Value::String(String::new()),
            Kind::IntervalText => Value::String("P0Y0M0DT0H0M0S".into()),
            Kind::HstoreJson => Value::String("{}".into()),
            Kind::HstoreMap => Value::Map(Vec::new()),
            Kind::Float32 => Value::Float32(0.0),
            Kind::Float64 | Kind::NumericDouble => Value::Float64(0.0),
            Kind::Decimal(scale) => Value::Decimal(Decimal::new(0, scale)),
            Kind::Text | Kind::ZonedTimestamp | Kind::ZonedTime => Value::String(String::new()),
            Kind::Bytes => Value::Bytes(Vec::new()),
            Kind::Array => Value::Array(Vec::new()),
            Kind::VariableDecimal => Value::Null,
        }
    }
}

/// The elements of a one-dimensional array literal (`{a,"b c",NULL}`), `None` for NULL.
fn parse_array(text: &str) -> Result<Vec<Option<String>>> {
    let inner = text
        .strip_prefix('{')
        .and_then(|t| t.strip_suffix('}'))
        .ok_or_else(|| bad(text, "an array"))?;
    let mut items = Vec::new();
    if inner.is_empty() {
        return Ok(items);
    }
    let mut chars = inner.chars().peekable();
    loop {
        let mut item = String::new();
        let quoted = chars.peek() == Some(&'"');
        if quoted {
            chars.next();
            while let Some(c) = chars.next() {
                match c {
                    '\\' => item.extend(chars.next()),
                    '"' => break,
                    c => item.push(c),
                }
            }
        }
        while let Some(c) = chars.next_if(|c| *c != ',') {
            item.push(c);
        }
        items.push((quoted || item != "NULL").then_some(item));
        if chars.next().is_none() {
            return Ok(items);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(oid: u32, modifier: i32, text: &str) -> Value {
        column_type(oid, modifier, &ColumnFacts::default(), ValueModes::default())
            .value(text)
            .unwrap()
    }

    #[test]
    fn arrays_enums_and_defaults_are_debeziums() {
        assert_eq!(
            value(1009, -1, r#"{x,"y z",NULL,"NULL","q\"t"}"#),
            Value::Array(vec![
                Value::String("x".into()),
                Value::String("y z".into()),
                Value::Null,
                Value::String("NULL".into()),
                Value::String("q\"t".into()),
            ])
        );
        assert_eq!(
            value(1007, -1, "{1,2}"),
            Value::Array(vec![Value::Int32(1), Value::Int32(2)])
        );
        assert_eq!(value(1007, -1, "{}"), Value::Array(vec![]));
        let facts = ColumnFacts {
            not_null: true,
            default: Some("7".into()),
            ..ColumnFacts::default()
        };
        let small = column_type(21, -1, &facts, ValueModes::default());
        assert!(!small.schema.optional);
        assert_eq!(small.schema.default_value, Some(Value::Int16(7)));
        assert_eq!(small.absent_value(), Value::Int16(7));
        let text_default = ColumnFacts {
            default: Some("'it''s'::text".into()),
            ..ColumnFacts::default()
        };
        let note = column_type(25, -1, &text_default, ValueModes::default());
        assert_eq!(note.schema.default_value, Some(Value::String("it's".into())));
        let computed = ColumnFacts {
            default: Some("nextval('s'::regclass)".into()),
            ..ColumnFacts::default()
        };
        assert_eq!(
            column_type(23, -1, &computed, ValueModes::default())
                .schema
                .default_value,
            None
        );
        let mood = ColumnFacts {
            enum_labels: Some(vec!["sad".into(), "happy".into()]),
            ..ColumnFacts::default()
        };
        let schema = column_type(16_500, -1, &mood, ValueModes::default()).schema;
        assert_eq!(schema.name.as_deref(), Some(ENUM));
        assert_eq!(schema.parameters.get("allowed").map(String::as_str), Some("sad,happy"));
    }

    #[test]
    fn domains_are_their_base_type_and_hstores_json_or_maps() {
        let price = ColumnFacts {
            domain_of: Some((1700, (10 << 16 | 2) + 4)),
            ..ColumnFacts::default()
        };
        let column = column_type(99_001, -1, &price, ValueModes::default());
        assert_eq!(column.value("12.5").unwrap(), Value::Decimal(Decimal::new(1250, 2)));
        let hstore = ColumnFacts {
            type_name: Some("hstore".into()),
            ..ColumnFacts::default()
        };
        let json = column_type(99_002, -1, &hstore, ValueModes::default());
        assert_eq!(json.schema.name.as_deref(), Some(JSON));
        assert_eq!(
            json.value(r#""b"=>"2", "a"=>NULL"#).unwrap(),
            Value::String(r#"{"a":null,"b":"2"}"#.into())
        );
        let maps = ValueModes {
            hstore: HstoreMode::Map,
            ..ValueModes::default()
        };
        let map = column_type(99_002, -1, &hstore, maps);
        assert_eq!(
            map.value(r#""a"=>"1""#).unwrap(),
            Value::Map(vec![(Value::String("a".into()), Value::String("1".into()))])
        );
    }

    #[test]
    fn numbers_and_text_convert() {
        assert_eq!(value(23, -1, "-42"), Value::Int32(-42));
        assert_eq!(value(16, -1, "t"), Value::Boolean(true));
        // numeric(10,2): precision 10, scale 2 in the modifier.
        assert_eq!(
            value(1700, (10 << 16 | 2) + 4, "12.5"),
            Value::Decimal(Decimal::new(1250, 2))
        );
        let Value::Struct(variable) = value(1700, -1, "-1.25") else {
            panic!("a VariableScaleDecimal")
        };
        assert_eq!(variable.get("scale"), Some(&Value::Int32(2)));
        assert_eq!(value(17, -1, "\\x0aff"), Value::Bytes(vec![10, 255]));
        let json = column_type(3802, -1, &ColumnFacts::default(), ValueModes::default());
        assert_eq!(json.schema.name.as_deref(), Some(JSON));
    }

    fn value_in(modes: ValueModes, oid: u32, modifier: i32, text: &str) -> (Value, Option<String>) {
        let column = column_type(oid, modifier, &ColumnFacts::default(), modes);
        (column.value(text).unwrap(), column.schema.name.clone())
    }

    #[test]
    fn modes_carry_values_as_debeziums_do() {
        let connect = ValueModes {
            time_precision: TimePrecision::Connect,
            ..ValueModes::default()
        };
        let named = |name: &str| Some(name.to_string());
        assert_eq!(
            value_in(connect, 1082, -1, "1970-01-02"),
            (Value::Date(1), named("org.apache.kafka.connect.data.Date"))
        );
        assert_eq!(value_in(connect, 1083, -1, "00:00:01.5009").0, Value::Time(1_500));
        assert_eq!(
            value_in(connect, 1114, -1, "1970-01-01 00:00:01.000002").0,
            Value::Timestamp(1_000)
        );
        let micro_times = ValueModes {
            time_precision: TimePrecision::AdaptiveTimeMicroseconds,
            ..ValueModes::default()
        };
        assert_eq!(
            value_in(micro_times, 1083, 3, "00:00:01.5"),
            (Value::Int64(1_500_000), named(MICRO_TIME))
        );
        let hex = ValueModes {
            binary: BinaryMode::Hex,
            ..ValueModes::default()
        };
        assert_eq!(value_in(hex, 17, -1, "\\x0aff"), (Value::String("0aff".into()), None));
        let iso = ValueModes {
            interval: IntervalMode::String,
            ..ValueModes::default()
        };
        assert_eq!(
            value_in(iso, 1186, -1, "3 days 00:00:01"),
            (Value::String("P0Y0M3DT0H0M1S".into()), named(INTERVAL))
        );
    }

    #[test]
    fn dates_and_times_convert_as_debezium_does() {
        assert_eq!(value(1082, -1, "1970-01-02"), Value::Int32(1));
        assert_eq!(value(1083, -1, "00:00:01.5"), Value::Int64(1_500_000));
        assert_eq!(value(1083, 3, "00:00:01.5"), Value::Int32(1_500));
        assert_eq!(value(1114, -1, "1970-01-01 00:00:01.000002"), Value::Int64(1_000_002));
        assert_eq!(
            value(1184, -1, "2024-01-31 12:00:00.25+02"),
            Value::String("2024-01-31T10:00:00.25Z".into())
        );
        assert_eq!(value(1266, -1, "10:00:00+01"), Value::String("09:00:00Z".into()));
        assert_eq!(value(1186, -1, "1 day 00:00:01"), Value::Int64(86_401_000_000));
        assert_eq!(
            value(1186, -1, "1 year 2 mons 3 days 04:05:06.5"),
            Value::Int64(37_091_106_500_000),
            "Debezium's figure for the same interval"
        );
        assert_eq!(value(16, -1, "true"), Value::Boolean(true), "a snapshot's text cast");
    }
}
