//! Column defaults, as Debezium's MySQL connector gives them: the expression its DDL parser keeps
//! (a literal unquoted, a bit string's digits, `CURRENT_TIMESTAMP` as the epoch, none for any other
//! expression), read here from the catalog's `COLUMN_DEFAULT`, and the Connect default value of
//! the column's schema, converted as a row's value of that column is.

use kconnect_api::Value;
use mysql_async::Value as Sql;

use crate::catalog::ColumnDef;
use crate::types::{ColumnType, Origin};

/// The expression `CURRENT_TIMESTAMP` (or `NOW()`) stands for in Debezium's schemas.
const EPOCH_TIMESTAMP: &str = "1970-01-01 00:00:00";

/// Whether a column has a default, and its expression as Debezium's DDL parser keeps it, from
/// `COLUMN_DEFAULT` and `EXTRA`. MariaDB spells `DEFAULT NULL` as `NULL`, quotes strings and writes
/// expressions bare; MySQL gives SQL NULL for `DEFAULT NULL` (which a nullable column has unless
/// it says otherwise), strings bare and marks expressions `DEFAULT_GENERATED`.
pub fn column_default(declared: Option<String>, extra: &str, nullable: bool, mariadb: bool) -> (bool, Option<String>) {
    let Some(text) = declared else {
        return (nullable, None);
    };
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("current_timestamp") || lower.starts_with("now(") || lower.starts_with("localtimestamp") {
        return (true, Some(EPOCH_TIMESTAMP.to_string()));
    }
    if mariadb && text == "NULL" {
        return (true, None);
    }
    if let Some(quoted) = text.strip_prefix('\'').and_then(|t| t.strip_suffix('\''))
        && mariadb
    {
        return (true, Some(quoted.replace("''", "'").replace("\\\\", "\\")));
    }
    if let Some(bits) = lower.strip_prefix("b'").and_then(|t| t.strip_suffix('\'')) {
        return (true, Some(bits.to_string()));
    }
    let literal = if mariadb {
        text.parse::<f64>().is_ok()
    } else {
        !extra.contains("default_generated")
    };
    (true, literal.then_some(text))
}

/// The Connect default of `column`, of type `kind`: none for NULL, an expression, a default of a
/// binary column, or a zero date or epoch `TIMESTAMP` of a column that allows NULL.
pub fn default_value(kind: &ColumnType, column: &ColumnDef) -> Option<Value> {
    let text = column.default.as_deref()?.trim();
    let zero = text == "0" || text.starts_with("0000-00-00");
    let boolean = match text.to_ascii_lowercase().as_str() {
        "true" => Some(1),
        "false" => Some(0),
        _ => None,
    };
    let sql = match column.data_type.as_str() {
        "tinyint" | "smallint" | "mediumint" | "int" | "integer" | "bigint" | "year" => {
            Sql::Int(boolean.or_else(|| text.parse().ok())?)
        }
        "bit" if column.precision.unwrap_or(1) <= 1 => {
            Sql::Int(boolean.unwrap_or(i64::from(!text.trim_start_matches('0').is_empty())))
        }
        "bit" => Sql::Bytes(big_endian_bits(text)?),
        "float" | "double" | "real" => Sql::Double(text.parse().ok()?),
        "date" if zero => Sql::Date(0, 0, 0, 0, 0, 0, 0),
        "datetime" | "timestamp" if zero => Sql::Date(0, 0, 0, 0, 0, 0, 0),
        "timestamp" if text == EPOCH_TIMESTAMP && column.nullable => return None,
        "date" | "datetime" | "timestamp" => date_time(text)?,
        "time" => time(text)?,
        "binary" | "varbinary" | "tinyblob" | "blob" | "mediumblob" | "longblob" => return None,
        _ => Sql::Bytes(text.as_bytes().to_vec()),
    };
    kind.value(sql, Origin::Query).ok().filter(|value| !value.is_null())
}

/// A bit string's digits as big-endian bytes, as the server sends a BIT column's value.
fn big_endian_bits(digits: &str) -> Option<Vec<u8>> {
    let value = u64::from_str_radix(digits, 2).ok()?;
    let bytes = digits.len().div_ceil(8).max(1);
    Some(value.to_be_bytes()[8 - bytes.min(8)..].to_vec())
}

/// `YYYY-MM-DD[ HH:MM:SS[.ffffff]]` as the server sends a DATE, DATETIME or TIMESTAMP.
fn date_time(text: &str) -> Option<Sql> {
    let (date, time) = text.split_once(' ').unwrap_or((text, "00:00:00"));
    let mut parts = date.split('-').map(|n| n.parse::<u32>().ok());
    let (year, month, day) = (parts.next()??, parts.next()??, parts.next()??);
    let Sql::Time(false, 0, hour, minute, second, micros) = self::time(time)? else {
        return None;
    };
    Some(Sql::Date(
        u16::try_from(year).ok()?,
        u8::try_from(month).ok()?,
        u8::try_from(day).ok()?,
        hour,
        minute,
        second,
        micros,
    ))
}

/// `[-]HH:MM:SS[.ffffff]` as the server sends a TIME.
fn time(text: &str) -> Option<Sql> {
    let (negative, text) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    let (clock, fraction) = text.split_once('.').unwrap_or((text, ""));
    let mut parts = clock.split(':').map(|n| n.parse::<u32>().ok());
    let (hours, minutes, seconds) = (
        parts.next()??,
        parts.next().flatten().unwrap_or(0),
        parts.next().flatten().unwrap_or(0),
    );
    let micros = if fraction.is_empty() {
        0
    } else {
        format!("{fraction:0<6}").get(..6)?.parse().ok()?
    };
    Some(Sql::Time(
        negative,
        hours / 24,
        u8::try_from(hours % 24).ok()?,
        u8::try_from(minutes).ok()?,
        u8::try_from(seconds).ok()?,
        micros,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::ValueModes;

    fn column(data_type: &str, column_type: &str, default: &str, nullable: bool) -> ColumnDef {
        ColumnDef {
            name: "c".into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            nullable,
            has_default: true,
            default: Some(default.into()),
            ..ColumnDef::default()
        }
    }

    fn default_of(column: ColumnDef) -> Option<Value> {
        default_value(&ColumnType::of(&column, ValueModes::default()), &column)
    }

    #[test]
    fn the_catalogs_defaults_read_as_debeziums_parser_keeps_them() {
        assert_eq!(
            column_default(Some("'it''s'".into()), "", false, true),
            (true, Some("it's".into()))
        );
        assert_eq!(column_default(Some("NULL".into()), "", true, true), (true, None));
        assert_eq!(column_default(None, "", true, true), (true, None));
        assert_eq!(column_default(None, "", false, true), (false, None));
        assert_eq!(
            column_default(Some("0".into()), "", false, true),
            (true, Some("0".into()))
        );
        assert_eq!(
            column_default(Some("b'101'".into()), "", true, true),
            (true, Some("101".into()))
        );
        assert_eq!(
            column_default(Some("current_timestamp()".into()), "", false, true),
            (true, Some(EPOCH_TIMESTAMP.into()))
        );
        assert_eq!(column_default(Some("uuid()".into()), "", true, true), (true, None));
        assert_eq!(
            column_default(Some("new".into()), "", true, false),
            (true, Some("new".into()))
        );
        assert_eq!(
            column_default(Some("(rand())".into()), "default_generated", true, false),
            (true, None)
        );
    }

    #[test]
    fn defaults_become_values_of_the_columns_types() {
        let bits = ColumnDef {
            precision: Some(12),
            ..column("bit", "bit(12)", "101000000001", true)
        };
        let string = |text: &str| Some(Value::String(text.into()));
        let cases = [
            (column("int", "int(11)", "7", false), Some(Value::Int32(7))),
            (column("varchar", "varchar(10)", "x", true), string("x")),
            (column("bit", "bit(1)", "1", true), Some(Value::Boolean(true))),
            (bits, Some(Value::Bytes(vec![0x01, 0x0a]))),
            (column("double", "double", "0.5", true), Some(Value::Float64(0.5))),
            (column("date", "date", "2000-01-02", true), Some(Value::Int32(10_958))),
            (column("date", "date", "0000-00-00", true), None),
            (column("date", "date", "0000-00-00", false), Some(Value::Int32(0))),
            (
                column("time", "time", "01:02:03", true),
                Some(Value::Int64(3_723_000_000)),
            ),
            (
                column("timestamp", "timestamp", EPOCH_TIMESTAMP, false),
                string("1970-01-01T00:00:00Z"),
            ),
            (column("timestamp", "timestamp", EPOCH_TIMESTAMP, true), None),
            (
                column("datetime", "datetime", "2020-01-02 03:04:05", true),
                Some(Value::Int64(1_577_934_245_000)),
            ),
            (column("blob", "blob", "x", true), None),
        ];
        for (column, expected) in cases {
            let described = format!("{} {:?}", column.column_type, column.default);
            assert_eq!(default_of(column), expected, "{described}");
        }
    }
}
