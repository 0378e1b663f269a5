//! MySQL and MariaDB column types as Debezium's MySQL connector maps them: each column's Connect
//! schema (with Debezium's semantic names) and the conversion of its values, as the binary log
//! writes them and as the snapshot's binary protocol reads them.

use chrono::{DateTime, Datelike, NaiveDate, Timelike};
use kconnect_api::logical::{Decimal, date_schema, decimal_schema, time_schema, timestamp_schema};
use kconnect_api::schema::{SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{ConnectError, Result, Value};
use kconnect_cdc::modes::{BinaryMode, DecimalMode, TimePrecision};
use kconnect_cdc::semantic::{
    DATE, ENUM, JSON, MICRO_TIME, MICRO_TIMESTAMP, TIMESTAMP, ZONED_TIMESTAMP, decimal_at_scale, iso_fraction, named,
};
use mysql_async::Value as Sql;

use crate::catalog::ColumnDef;
use crate::config::BigintUnsigned;
use crate::defaults;

/// `io.debezium.data.Bits`: a BIT(n > 1) as little-endian bytes.
const BITS: &str = "io.debezium.data.Bits";
/// `io.debezium.data.EnumSet`: a SET's labels, comma-separated.
const ENUM_SET: &str = "io.debezium.data.EnumSet";
/// `io.debezium.time.Year`.
const YEAR: &str = "io.debezium.time.Year";

/// The modes that decide how values are carried.
#[derive(Debug, Clone, Copy, Default)]
pub struct ValueModes {
    /// `decimal.handling.mode`.
    pub decimals: DecimalMode,
    /// `time.precision.mode`.
    pub time_precision: TimePrecision,
    /// `binary.handling.mode`.
    pub binary: BinaryMode,
    /// `bigint.unsigned.handling.mode`.
    pub bigint_unsigned: BigintUnsigned,
}

/// Where a value was read: the binary log and the binary protocol spell a SET differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// A row event of the binary log.
    Binlog,
    /// A row read by a query.
    Query,
}

/// How a column's values are carried.
#[derive(Debug, Clone, PartialEq)]
enum Kind {
    Boolean,
    Bits(usize),
    /// A signed or unsigned integer of so many bits, carried as INT16, INT32 or INT64.
    Integer {
        bits: u32,
        unsigned: bool,
        carried: SchemaType,
    },
    UnsignedBigDecimal,
    Float32,
    Float64,
    Decimal(i32),
    DecimalText,
    Text,
    Bytes(BinaryMode),
    Json,
    Enum(Vec<String>),
    Set(Vec<String>),
    Date {
        connect: bool,
    },
    Time {
        connect: bool,
    },
    Datetime {
        micros: bool,
        connect: bool,
    },
    Timestamp(u32),
    Year,
}

/// A column's Connect schema and how to convert its values.
#[derive(Debug, Clone)]
pub struct ColumnType {
    kind: Kind,
    /// The column's schema (optional when the column allows NULL).
    pub schema: SchemaRef,
}

fn integer(data_type: &str, unsigned: bool, bigint: BigintUnsigned) -> Kind {
    let bits = match data_type {
        "tinyint" => 8,
        "smallint" => 16,
        "mediumint" => 24,
        "int" | "integer" => 32,
        _ => 64,
    };
    let carried = match (bits, unsigned) {
        (8, _) | (16, false) => SchemaType::Int16,
        (16, true) | (24, _) | (32, false) => SchemaType::Int32,
        (64, true) if bigint == BigintUnsigned::Precise => return Kind::UnsignedBigDecimal,
        _ => SchemaType::Int64,
    };
    Kind::Integer {
        bits,
        unsigned,
        carried,
    }
}

impl ColumnType {
    /// The type of `column` under `modes`.
    pub fn of(column: &ColumnDef, modes: ValueModes) -> Self {
        let connect = modes.time_precision == TimePrecision::Connect;
        let fsp = column.fsp.unwrap_or(0);
        let kind = match column.data_type.as_str() {
            "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" => {
                integer(&column.data_type, column.unsigned(), modes.bigint_unsigned)
            }
            "bit" if column.precision.unwrap_or(1) <= 1 => Kind::Boolean,
            "bit" => Kind::Bits(column.precision.unwrap_or(1) as usize),
            "float" if !column.column_type.contains(',') => Kind::Float32,
            "float" | "double" | "real" => Kind::Float64,
            "decimal" | "numeric" | "dec" | "fixed" => match modes.decimals {
                DecimalMode::Precise => Kind::Decimal(column.scale.unwrap_or(0) as i32),
                DecimalMode::Double => Kind::Float64,
                DecimalMode::String => Kind::DecimalText,
            },
            "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => Kind::Bytes(modes.binary),
            "json" => Kind::Json,
            "enum" => Kind::Enum(column.labels()),
            "set" => Kind::Set(column.labels()),
            "date" => Kind::Date { connect },
            "time" => Kind::Time { connect },
            "datetime" => Kind::Datetime {
                micros: fsp > 3,
                connect,
            },
            "timestamp" => Kind::Timestamp(fsp),
            "year" => Kind::Year,
            _ => Kind::Text,
        };
        let builder = match &kind {
            Kind::Boolean => SchemaBuilder::new(SchemaType::Boolean),
            Kind::Bits(bits) => named(SchemaType::Bytes, BITS).parameter("length", bits.to_string()),
            Kind::Integer { carried, .. } => SchemaBuilder::new(*carried),
            Kind::UnsignedBigDecimal => decimal_schema(0).parameter("connect.decimal.precision", "20"),
            Kind::Float32 => SchemaBuilder::new(SchemaType::Float32),
            Kind::Float64 => SchemaBuilder::new(SchemaType::Float64),
            Kind::Decimal(scale) => decimal_schema(*scale)
                .parameter("connect.decimal.precision", column.precision.unwrap_or(10).to_string()),
            Kind::DecimalText | Kind::Text => SchemaBuilder::new(SchemaType::String),
            Kind::Bytes(BinaryMode::Bytes) => SchemaBuilder::new(SchemaType::Bytes),
            Kind::Bytes(_) => SchemaBuilder::new(SchemaType::String),
            Kind::Json => named(SchemaType::String, JSON),
            Kind::Enum(labels) => named(SchemaType::String, ENUM).parameter("allowed", labels.join(",")),
            Kind::Set(labels) => named(SchemaType::String, ENUM_SET).parameter("allowed", labels.join(",")),
            Kind::Date { connect: true } => date_schema(),
            Kind::Date { connect: false } => named(SchemaType::Int32, DATE),
            Kind::Time { connect: true } => time_schema(),
            Kind::Time { connect: false } => named(SchemaType::Int64, MICRO_TIME),
            Kind::Datetime { connect: true, .. } => timestamp_schema(),
            Kind::Datetime { micros: false, .. } => named(SchemaType::Int64, TIMESTAMP),
            Kind::Datetime { micros: true, .. } => named(SchemaType::Int64, MICRO_TIMESTAMP),
            Kind::Timestamp(_) => named(SchemaType::String, ZONED_TIMESTAMP),
            Kind::Year => named(SchemaType::Int32, YEAR),
        };
        let mut typed = Self {
            kind,
            schema: builder.with_optional(column.nullable).build(),
        };
        if let Some(default) = defaults::default_value(&typed, column) {
            let mut schema = (*typed.schema).clone();
            schema.default_value = Some(default);
            typed.schema = std::sync::Arc::new(schema);
        }
        typed
    }

    /// The value of a column as `origin` gives it.
    pub fn value(&self, value: Sql, origin: Origin) -> Result<Value> {
        if value == Sql::NULL {
            return Ok(Value::Null);
        }
        let bad = |value: &Sql| ConnectError::data(format!("cannot read {value:?} as {:?}", self.kind));
        Ok(match &self.kind {
            Kind::Boolean => Value::Boolean(match &value {
                Sql::Bytes(bytes) => bytes.iter().any(|b| *b != 0),
                other => integer_of(other).ok_or_else(|| bad(other))? != 0,
            }),
            Kind::Bits(bits) => {
                let Sql::Bytes(mut bytes) = value else {
                    return Err(bad(&value));
                };
                bytes.reverse();
                bytes.resize(bits.div_ceil(8), 0);
                Value::Bytes(bytes)
            }
            Kind::Integer {
                bits,
                unsigned,
                carried,
            } => {
                let mut number = integer_of(&value).ok_or_else(|| bad(&value))?;
                // The binary log's integers carry no sign unless the server sends it: the
                // column's declaration decides.
                let span = 1i128 << bits;
                if *unsigned && number < 0 {
                    number += span;
                } else if !*unsigned && number >= span / 2 {
                    number -= span;
                }
                match carried {
                    SchemaType::Int16 => Value::Int16(number as i16),
                    SchemaType::Int32 => Value::Int32(number as i32),
                    _ => Value::Int64(number as i64),
                }
            }
            Kind::UnsignedBigDecimal => {
                let number = integer_of(&value).ok_or_else(|| bad(&value))?;
                Value::Decimal(Decimal::new(
                    if number < 0 { number + (1i128 << 64) } else { number },
                    0,
                ))
            }
            Kind::Float32 => Value::Float32(float_of(&value).ok_or_else(|| bad(&value))? as f32),
            Kind::Float64 => Value::Float64(float_of(&value).ok_or_else(|| bad(&value))?),
            Kind::Decimal(scale) => Value::Decimal(decimal_at_scale(&text_of(value), *scale)?),
            Kind::DecimalText | Kind::Text => Value::String(text_of(value)),
            Kind::Json => Value::String(text_of(value)),
            Kind::Bytes(mode) => {
                let Sql::Bytes(bytes) = value else {
                    return Err(bad(&value));
                };
                match mode {
                    BinaryMode::Bytes => Value::Bytes(bytes),
                    encoded => Value::String(encoded.encode(&bytes)),
                }
            }
            Kind::Enum(labels) => match value {
                Sql::Bytes(label) => Value::String(String::from_utf8_lossy(&label).into_owned()),
                other => {
                    let index = integer_of(&other).ok_or_else(|| bad(&other))?;
                    Value::String(labels.get((index - 1).max(0) as usize).cloned().unwrap_or_default())
                }
            },
            Kind::Set(labels) => match (value, origin) {
                (Sql::Bytes(mask), Origin::Binlog) => {
                    let chosen: Vec<&str> = labels
                        .iter()
                        .enumerate()
                        .filter(|(i, _)| mask.get(i / 8).is_some_and(|byte| byte & (1 << (i % 8)) != 0))
                        .map(|(_, label)| label.as_str())
                        .collect();
                    Value::String(chosen.join(","))
                }
                (other, _) => Value::String(text_of(other)),
            },
            Kind::Date { connect } => {
                let Sql::Date(year, month, day, ..) = value else {
                    return Err(bad(&value));
                };
                match days_since_epoch(year, month, day) {
                    Some(days) if *connect => Value::Date(days),
                    Some(days) => Value::Int32(days),
                    None => return Ok(self.zero_value()),
                }
            }
            Kind::Time { connect } => {
                let Sql::Time(negative, days, hours, minutes, seconds, micros) = value else {
                    return Err(bad(&value));
                };
                let total =
                    ((i64::from(days) * 24 + i64::from(hours)) * 3600 + i64::from(minutes) * 60 + i64::from(seconds))
                        * 1_000_000
                        + i64::from(micros);
                let total = if negative { -total } else { total };
                if *connect {
                    Value::Time((total / 1_000) as i32)
                } else {
                    Value::Int64(total)
                }
            }
            Kind::Datetime { micros, connect } => {
                let Some(at) = local_micros(&value) else {
                    return Ok(self.zero_value());
                };
                match (connect, micros) {
                    (true, _) => Value::Timestamp(at.div_euclid(1_000)),
                    (false, false) => Value::Int64(at.div_euclid(1_000)),
                    (false, true) => Value::Int64(at),
                }
            }
            Kind::Timestamp(fsp) => {
                let at = match &value {
                    Sql::Bytes(text) => {
                        epoch_micros_of_text(&String::from_utf8_lossy(text)).ok_or_else(|| bad(&value))?
                    }
                    other => match local_micros(other) {
                        Some(at) => at,
                        None => return Ok(self.zero_value()),
                    },
                };
                Value::String(zoned_timestamp(at, *fsp))
            }
            Kind::Year => Value::Int32(match &value {
                Sql::Bytes(text) => String::from_utf8_lossy(text).trim().parse().map_err(|_| bad(&value))?,
                other => integer_of(other).ok_or_else(|| bad(other))? as i32,
            }),
        })
    }

    /// What a zero date (`0000-00-00`) becomes: null where the column allows it, else the epoch.
    fn zero_value(&self) -> Value {
        if self.schema.optional {
            return Value::Null;
        }
        match &self.kind {
            Kind::Date { connect: true } => Value::Date(0),
            Kind::Datetime { connect: true, .. } => Value::Timestamp(0),
            Kind::Timestamp(fsp) => Value::String(zoned_timestamp(0, *fsp)),
            Kind::Date { .. } => Value::Int32(0),
            _ => Value::Int64(0),
        }
    }
}

fn integer_of(value: &Sql) -> Option<i128> {
    match value {
        Sql::Int(n) => Some(i128::from(*n)),
        Sql::UInt(n) => Some(i128::from(*n)),
        Sql::Bytes(text) => String::from_utf8_lossy(text).trim().parse().ok(),
        _ => None,
    }
}

fn float_of(value: &Sql) -> Option<f64> {
    match value {
        Sql::Float(n) => Some(f64::from(*n)),
        Sql::Double(n) => Some(*n),
        Sql::Int(n) => Some(*n as f64),
        Sql::UInt(n) => Some(*n as f64),
        Sql::Bytes(text) => String::from_utf8_lossy(text).trim().parse().ok(),
        _ => None,
    }
}

fn text_of(value: Sql) -> String {
    match value {
        Sql::Bytes(bytes) => {
            String::from_utf8(bytes).unwrap_or_else(|err| String::from_utf8_lossy(err.as_bytes()).into_owned())
        }
        other => other.as_sql(true).trim_matches('\'').to_string(),
    }
}

/// Days since the epoch; `None` for a zero date.
fn days_since_epoch(year: u16, month: u8, day: u8) -> Option<i32> {
    let date = NaiveDate::from_ymd_opt(i32::from(year), u32::from(month), u32::from(day))?;
    Some((date - NaiveDate::default()).num_days() as i32)
}

/// A date and time without zone as microseconds since the epoch read as UTC; `None` for a zero
/// date.
fn local_micros(value: &Sql) -> Option<i64> {
    let Sql::Date(year, month, day, hour, minute, second, micros) = *value else {
        return None;
    };
    let days = i64::from(days_since_epoch(year, month, day)?);
    let seconds = days * 86_400 + i64::from(hour) * 3600 + i64::from(minute) * 60 + i64::from(second);
    Some(seconds * 1_000_000 + i64::from(micros))
}

/// The binary log's TIMESTAMP text (`seconds[.micros]` since the epoch) as microseconds.
fn epoch_micros_of_text(text: &str) -> Option<i64> {
    let (seconds, fraction) = text.split_once('.').unwrap_or((text, ""));
    let micros = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").get(..6)?.parse::<i64>().ok()?
    };
    Some(seconds.parse::<i64>().ok()? * 1_000_000 + micros)
}

/// Debezium's ZonedTimestamp in UTC: exactly `fsp` fraction digits when the column has them,
/// else only those needed.
fn zoned_timestamp(micros: i64, fsp: u32) -> String {
    use std::fmt::Write;
    let at = DateTime::from_timestamp_micros(micros).unwrap_or_default();
    let nanos = at.timestamp_subsec_nanos();
    // Written field by field: chrono's format string is parsed again on every call.
    let mut text = String::with_capacity(32);
    let _ = write!(
        text,
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        at.year(),
        at.month(),
        at.day(),
        at.hour(),
        at.minute(),
        at.second()
    );
    match fsp.min(9) {
        0 => text.push_str(&iso_fraction(nanos)),
        digits => {
            let _ = write!(
                text,
                ".{:0width$}",
                nanos / 10u32.pow(9 - digits),
                width = digits as usize
            );
        }
    }
    text.push('Z');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn column(data_type: &str, column_type: &str) -> ColumnDef {
        ColumnDef {
            name: "c".into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            nullable: true,
            ..ColumnDef::default()
        }
    }

    fn value(def: ColumnDef, sql: Sql, origin: Origin) -> Value {
        ColumnType::of(&def, ValueModes::default()).value(sql, origin).unwrap()
    }

    #[test]
    fn integers_keep_their_sign_and_width() {
        let unsigned_int = column("int", "int(10) unsigned");
        assert_eq!(
            ColumnType::of(&unsigned_int, ValueModes::default()).schema.schema_type,
            SchemaType::Int64
        );
        assert_eq!(
            value(unsigned_int, Sql::Int(-1), Origin::Binlog),
            Value::Int64(4_294_967_295)
        );
        assert_eq!(
            value(column("tinyint", "tinyint(3) unsigned"), Sql::Int(-1), Origin::Binlog),
            Value::Int16(255)
        );
        assert_eq!(
            value(column("smallint", "smallint(6)"), Sql::Int(-7), Origin::Query),
            Value::Int16(-7)
        );
        let medium = column("mediumint", "mediumint(9)");
        assert_eq!(
            value(medium, Sql::Int(8_777_216), Origin::Binlog),
            Value::Int32(-8_000_000)
        );
        let big = column("bigint", "bigint(20)");
        assert_eq!(value(big, Sql::UInt(u64::MAX), Origin::Binlog), Value::Int64(-1));
        let precise = ValueModes {
            bigint_unsigned: BigintUnsigned::Precise,
            ..ValueModes::default()
        };
        let big = ColumnType::of(&column("bigint", "bigint(20) unsigned"), precise);
        assert_eq!(
            big.value(Sql::Int(-1), Origin::Binlog).unwrap(),
            Value::Decimal(Decimal::new(18_446_744_073_709_551_615, 0))
        );
    }

    #[test]
    fn temporal_values_are_debeziums() {
        let date = Sql::Date(2024, 2, 29, 0, 0, 0, 0);
        assert_eq!(value(column("date", "date"), date, Origin::Query), Value::Int32(19_782));
        let mut datetime = column("datetime", "datetime(3)");
        datetime.fsp = Some(3);
        let at = Sql::Date(2024, 2, 29, 12, 34, 56, 789_000);
        assert_eq!(value(datetime, at, Origin::Binlog), Value::Int64(1_709_210_096_789));
        let time = Sql::Time(true, 1, 2, 3, 4, 500_000);
        assert_eq!(
            value(column("time", "time"), time, Origin::Binlog),
            Value::Int64(-93_784_500_000)
        );
        let mut stamp = column("timestamp", "timestamp(3)");
        stamp.fsp = Some(3);
        let from_binlog = Sql::Bytes(b"1709210096.5".to_vec());
        assert_eq!(
            value(stamp.clone(), from_binlog, Origin::Binlog),
            Value::String("2024-02-29T12:34:56.500Z".into())
        );
        assert_eq!(
            value(
                column("timestamp", "timestamp"),
                Sql::Bytes(b"1709210096".to_vec()),
                Origin::Binlog
            ),
            Value::String("2024-02-29T12:34:56Z".into())
        );
        assert_eq!(
            value(column("date", "date"), Sql::Date(0, 0, 0, 0, 0, 0, 0), Origin::Binlog),
            Value::Null
        );
        assert_eq!(
            value(column("year", "year(4)"), Sql::Bytes(b"2024".to_vec()), Origin::Binlog),
            Value::Int32(2024)
        );
        assert_eq!(zoned_timestamp(1_709_210_096_000_123, 6), "2024-02-29T12:34:56.000123Z");
        assert_eq!(zoned_timestamp(1_709_210_096_120_000, 2), "2024-02-29T12:34:56.12Z");
        assert_eq!(zoned_timestamp(1_709_210_096_120_000, 0), "2024-02-29T12:34:56.12Z");
        assert_eq!(zoned_timestamp(0, 0), "1970-01-01T00:00:00Z");
    }

    #[test]
    fn bits_enums_and_sets_are_debeziums() {
        let mut bits = column("bit", "bit(10)");
        bits.precision = Some(10);
        assert_eq!(
            value(bits, Sql::Bytes(vec![0x02, 0x01]), Origin::Binlog),
            Value::Bytes(vec![0x01, 0x02])
        );
        let mut flag = column("bit", "bit(1)");
        flag.precision = Some(1);
        assert_eq!(value(flag, Sql::Bytes(vec![1]), Origin::Query), Value::Boolean(true));
        let kind = column("enum", "enum('a','b')");
        assert_eq!(
            value(kind.clone(), Sql::Int(2), Origin::Binlog),
            Value::String("b".into())
        );
        assert_eq!(
            value(kind, Sql::Bytes(b"a".to_vec()), Origin::Query),
            Value::String("a".into())
        );
        let set = column("set", "set('x','y','z')");
        assert_eq!(
            value(set.clone(), Sql::Bytes(vec![0b101]), Origin::Binlog),
            Value::String("x,z".into())
        );
        assert_eq!(
            value(set, Sql::Bytes(b"x,z".to_vec()), Origin::Query),
            Value::String("x,z".into())
        );
        let mut price = column("decimal", "decimal(10,2)");
        price.scale = Some(2);
        price.precision = Some(10);
        assert_eq!(
            value(price, Sql::Bytes(b"1.5".to_vec()), Origin::Binlog),
            Value::Decimal(Decimal::new(150, 2))
        );
    }
}
