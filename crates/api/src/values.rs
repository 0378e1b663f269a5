//! Printing values as strings and inferring values from strings, as Apache's `Values` does for the
//! StringConverter and the SimpleHeaderConverter.

use crate::logical::{date_schema, decimal_schema, time_schema, timestamp_schema};
use crate::{Schema, SchemaAndValue, Value};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// The string form of a value, as Apache's `Values.convertToString`.
pub fn to_display_string(value: &Value) -> String {
    match value {
        Value::Null => "null".to_string(),
        Value::String(s) => s.clone(),
        Value::Boolean(v) => v.to_string(),
        Value::Int8(v) => v.to_string(),
        Value::Int16(v) => v.to_string(),
        Value::Int32(v) => v.to_string(),
        Value::Int64(v) => v.to_string(),
        Value::Float32(v) => format!("{v:?}"),
        Value::Float64(v) => format!("{v:?}"),
        Value::Bytes(bytes) => STANDARD.encode(bytes),
        Value::Decimal(d) => d.to_plain_string(),
        Value::Date(days) => format_date(i64::from(*days)),
        Value::Time(millis) => format_time(i64::from(*millis)),
        Value::Timestamp(millis) => format_timestamp(*millis),
        Value::Array(items) => {
            let parts: Vec<String> = items.iter().map(nested).collect();
            format!("[{}]", parts.join(","))
        }
        Value::Map(entries) => {
            let parts: Vec<String> = entries
                .iter()
                .map(|(k, v)| format!("{}:{}", nested(k), nested(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
        Value::Struct(s) => {
            let parts: Vec<String> = s
                .schema()
                .fields
                .iter()
                .zip(s.values())
                .map(|(field, v)| format!("\"{}\":{}", field.name, nested(v)))
                .collect();
            format!("{{{}}}", parts.join(","))
        }
    }
}

fn nested(value: &Value) -> String {
    match value {
        Value::String(s) => serde_json::Value::String(s.clone()).to_string(),
        other => to_display_string(other),
    }
}

/// Infers a typed value from a header string, as Apache's `Values.parseString`: booleans, the
/// smallest integer type that holds the number, floats, ISO dates and times, JSON arrays and
/// objects; anything else stays a string.
pub fn parse_string(text: &str) -> SchemaAndValue {
    let trimmed = text.trim();
    if trimmed.eq_ignore_ascii_case("true") || trimmed.eq_ignore_ascii_case("false") {
        return SchemaAndValue::new(
            Some(Schema::boolean()),
            Value::Boolean(trimmed.eq_ignore_ascii_case("true")),
        );
    }
    if let Ok(n) = trimmed.parse::<i64>() {
        return integer(n);
    }
    if trimmed.contains(['.', 'e', 'E']) && trimmed.chars().all(|c| c.is_ascii_digit() || "+-.eE".contains(c)) {
        if let Ok(v) = trimmed.parse::<f64>() {
            return if f64::from(v as f32) == v {
                SchemaAndValue::new(Some(Schema::float32()), Value::Float32(v as f32))
            } else {
                SchemaAndValue::new(Some(Schema::float64()), Value::Float64(v))
            };
        }
        if let Ok(d) = crate::logical::Decimal::parse(trimmed) {
            return SchemaAndValue::new(Some(decimal_schema(d.scale).build()), Value::Decimal(d));
        }
    }
    if let Some(v) = parse_temporal(trimmed) {
        return v;
    }
    if (trimmed.starts_with('[') || trimmed.starts_with('{'))
        && let Ok(json) = serde_json::from_str::<serde_json::Value>(trimmed)
    {
        return SchemaAndValue::new(None, from_json(&json));
    }
    SchemaAndValue::new(Some(Schema::string()), Value::String(text.to_string()))
}

fn integer(n: i64) -> SchemaAndValue {
    if let Ok(v) = i8::try_from(n) {
        SchemaAndValue::new(Some(Schema::int8()), Value::Int8(v))
    } else if let Ok(v) = i16::try_from(n) {
        SchemaAndValue::new(Some(Schema::int16()), Value::Int16(v))
    } else if let Ok(v) = i32::try_from(n) {
        SchemaAndValue::new(Some(Schema::int32()), Value::Int32(v))
    } else {
        SchemaAndValue::new(Some(Schema::int64()), Value::Int64(n))
    }
}

/// A schemaless Connect value from JSON, as Apache's schemaless JsonConverter reads it: integers
/// as INT64, other numbers as FLOAT64, objects as maps with string keys.
pub fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Boolean(*b),
        serde_json::Value::Number(n) => n
            .as_i64()
            .map_or_else(|| Value::Float64(n.as_f64().unwrap_or_default()), Value::Int64),
        serde_json::Value::String(s) => Value::String(s.clone()),
        serde_json::Value::Array(items) => Value::Array(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Map(
            map.iter()
                .map(|(k, v)| (Value::String(k.clone()), from_json(v)))
                .collect(),
        ),
    }
}

fn parse_temporal(text: &str) -> Option<SchemaAndValue> {
    match text.len() {
        10 => parse_date(text).map(|days| SchemaAndValue::new(Some(date_schema().build()), Value::Date(days as i32))),
        13 => parse_time(text).map(|ms| SchemaAndValue::new(Some(time_schema().build()), Value::Time(ms as i32))),
        24 => {
            let (date, time) = text.split_once('T')?;
            let millis = parse_date(date)? * MILLIS_PER_DAY + parse_time(time)?;
            Some(SchemaAndValue::new(
                Some(timestamp_schema().build()),
                Value::Timestamp(millis),
            ))
        }
        _ => None,
    }
}

/// Parses `yyyy-MM-dd` into days since the epoch.
fn parse_date(text: &str) -> Option<i64> {
    let mut parts = text.splitn(3, '-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    ((1..=12).contains(&month) && (1..=31).contains(&day)).then(|| days_from_civil(year, month, day))
}

/// Parses `HH:mm:ss.SSS'Z'` into milliseconds since midnight.
fn parse_time(text: &str) -> Option<i64> {
    let body = text.strip_suffix('Z')?;
    let (hms, millis) = body.split_once('.')?;
    let mut parts = hms.splitn(3, ':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let s: i64 = parts.next()?.parse().ok()?;
    let ms: i64 = millis.parse().ok()?;
    (h < 24 && m < 60 && s < 60 && ms < 1000).then_some(((h * 60 + m) * 60 + s) * 1000 + ms)
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn format_date(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

fn format_time(millis: i64) -> String {
    let ms = millis.rem_euclid(MILLIS_PER_DAY);
    format!(
        "{:02}:{:02}:{:02}.{:03}Z",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

/// `yyyy-MM-dd'T'HH:mm:ss.SSS'Z'` of milliseconds since the epoch.
pub fn format_timestamp(millis: i64) -> String {
    format!(
        "{}T{}",
        format_date(millis.div_euclid(MILLIS_PER_DAY)),
        format_time(millis)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trips() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [-800_000, -1, 0, 10_000, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(format_timestamp(4_000_000_000), "1970-02-16T07:06:40.000Z");
    }

    #[test]
    fn infers_types_from_strings() {
        let cases = [
            ("true", Value::Boolean(true)),
            ("12", Value::Int8(12)),
            ("300", Value::Int16(300)),
            ("70000", Value::Int32(70_000)),
            ("5000000000", Value::Int64(5_000_000_000)),
            ("1.5", Value::Float32(1.5)),
            ("0.1", Value::Float64(0.1)),
            ("2024-02-29", Value::Date(days_from_civil(2024, 2, 29) as i32)),
            ("01:02:03.004Z", Value::Time(3_723_004)),
            ("1970-02-16T07:06:40.000Z", Value::Timestamp(4_000_000_000)),
            ("hello world", Value::from("hello world")),
            ("[1,2]", Value::Array(vec![Value::Int64(1), Value::Int64(2)])),
        ];
        for (text, value) in cases {
            assert_eq!(parse_string(text).value, value, "{text}");
        }
    }

    #[test]
    fn prints_like_values_convert_to_string() {
        assert_eq!(to_display_string(&Value::Float64(1.0)), "1.0");
        assert_eq!(
            to_display_string(&Value::Bytes(b"test-string".to_vec())),
            "dGVzdC1zdHJpbmc="
        );
        assert_eq!(to_display_string(&Value::Date(0)), "1970-01-01");
        assert_eq!(
            to_display_string(&Value::Array(vec!["a".into(), Value::Int32(1)])),
            "[\"a\",1]"
        );
    }
}
