//! Conversions between Connect's logical values (days, milliseconds, unscaled decimals) and the
//! date, time and decimal types the drivers speak, and SQLite's text forms of them.

use bigdecimal::BigDecimal;
use bigdecimal::num_bigint::BigInt;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Timelike, Utc};
use kconnect_api::logical::Decimal;
use kconnect_api::{ConnectError, Result};

const EPOCH: NaiveDate = NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid date");
const SQLITE_TIMESTAMP: &str = "%Y-%m-%d %H:%M:%S%.3f";
const SQLITE_TIME: &str = "%H:%M:%S%.3f";

/// A Connect Date (days since 1970-01-01) as a calendar date.
pub fn date(days: i32) -> NaiveDate {
    EPOCH + chrono::Duration::days(days.into())
}

/// Days since 1970-01-01.
pub fn days(date: NaiveDate) -> i32 {
    (date - EPOCH).num_days() as i32
}

/// A Connect Time (milliseconds since midnight) as a time of day.
pub fn time(millis: i32) -> NaiveTime {
    let millis = millis.rem_euclid(86_400_000) as u32;
    NaiveTime::from_num_seconds_from_midnight_opt(millis / 1000, (millis % 1000) * 1_000_000).unwrap_or_default()
}

/// Milliseconds since midnight.
pub fn time_millis(time: NaiveTime) -> i32 {
    (time.num_seconds_from_midnight() * 1000 + time.nanosecond() / 1_000_000) as i32
}

/// A Connect Timestamp (milliseconds since the epoch) as a UTC date-time.
pub fn timestamp(millis: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(millis).unwrap_or_default()
}

/// Milliseconds since the epoch of a date-time without zone, read as UTC.
pub fn timestamp_millis(datetime: NaiveDateTime) -> i64 {
    datetime.and_utc().timestamp_millis()
}

/// A Connect decimal as sqlx's decimal type.
pub fn big_decimal(decimal: Decimal) -> BigDecimal {
    BigDecimal::new(BigInt::from(decimal.unscaled), decimal.scale.into())
}

/// A decimal read from a database as a Connect decimal; an error beyond 38 digits.
pub fn decimal(value: &BigDecimal) -> Result<Decimal> {
    let (digits, scale) = value.as_bigint_and_exponent();
    let unscaled =
        i128::try_from(&digits).map_err(|_| ConnectError::data(format!("decimal {value} has more than 38 digits")))?;
    let scale = i32::try_from(scale).map_err(|_| ConnectError::data(format!("decimal {value} is out of range")))?;
    Ok(Decimal::new(unscaled, scale))
}

/// Microseconds since the epoch as `YYYY-MM-DD HH:MM:SS.ffffff` (UTC), a form every dialect
/// compares with its timestamp columns.
pub fn micros_text(micros: i64) -> String {
    DateTime::from_timestamp_micros(micros)
        .unwrap_or_default()
        .naive_utc()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}

/// A Connect Date as SQLite stores dates: `YYYY-MM-DD`.
pub fn sqlite_date(days: i32) -> String {
    date(days).format("%Y-%m-%d").to_string()
}

/// A Connect Time as SQLite text: `HH:MM:SS.mmm`.
pub fn sqlite_time(millis: i32) -> String {
    time(millis).format(SQLITE_TIME).to_string()
}

/// A Connect Timestamp as SQLite text, as its `datetime()` writes it with milliseconds.
pub fn sqlite_timestamp(millis: i64) -> String {
    timestamp(millis).naive_utc().format(SQLITE_TIMESTAMP).to_string()
}

/// Parses a SQLite date (`YYYY-MM-DD`, or a timestamp whose date part is taken).
pub fn parse_sqlite_date(text: &str) -> Result<i32> {
    let day = text.get(..10).unwrap_or(text);
    NaiveDate::parse_from_str(day, "%Y-%m-%d")
        .map(days)
        .map_err(|_| ConnectError::data(format!("'{text}' is not a date (YYYY-MM-DD)")))
}

/// Parses a SQLite time (`HH:MM[:SS[.fff]]`).
pub fn parse_sqlite_time(text: &str) -> Result<i32> {
    NaiveTime::parse_from_str(text, "%H:%M:%S%.f")
        .or_else(|_| NaiveTime::parse_from_str(text, "%H:%M"))
        .map(time_millis)
        .map_err(|_| ConnectError::data(format!("'{text}' is not a time (HH:MM:SS)")))
}

/// Parses a SQLite timestamp (`YYYY-MM-DD HH:MM:SS[.fff]`, `T` also accepted, optional `Z`).
pub fn parse_sqlite_timestamp(text: &str) -> Result<i64> {
    let trimmed = text.trim_end_matches('Z').replacen('T', " ", 1);
    NaiveDateTime::parse_from_str(&trimmed, "%Y-%m-%d %H:%M:%S%.f")
        .or_else(|_| NaiveDate::parse_from_str(&trimmed, "%Y-%m-%d").map(|d| d.and_time(NaiveTime::MIN)))
        .map(timestamp_millis)
        .map_err(|_| ConnectError::data(format!("'{text}' is not a timestamp (YYYY-MM-DD HH:MM:SS)")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logical_values_round_trip_through_chrono() {
        assert_eq!(days(date(19_000)), 19_000);
        assert_eq!(days(date(-5)), -5);
        assert_eq!(time_millis(time(45_296_789)), 45_296_789);
        assert_eq!(timestamp(1_700_000_000_123).timestamp_millis(), 1_700_000_000_123);
    }

    #[test]
    fn decimals_round_trip_through_big_decimal() {
        let value = Decimal::new(-123_456, 3);
        assert_eq!(decimal(&big_decimal(value)).unwrap(), value);
        assert_eq!(big_decimal(value).to_string(), "-123.456");
    }

    #[test]
    fn micros_keep_their_precision_in_text() {
        assert_eq!(micros_text(1_700_000_000_123_456), "2023-11-14 22:13:20.123456");
    }

    #[test]
    fn sqlite_text_forms_round_trip() {
        assert_eq!(sqlite_timestamp(1_700_000_000_123), "2023-11-14 22:13:20.123");
        assert_eq!(
            parse_sqlite_timestamp("2023-11-14 22:13:20.123").unwrap(),
            1_700_000_000_123
        );
        assert_eq!(
            parse_sqlite_timestamp("2023-11-14T22:13:20Z").unwrap(),
            1_700_000_000_000
        );
        assert_eq!(parse_sqlite_date(&sqlite_date(19_000)).unwrap(), 19_000);
        assert_eq!(parse_sqlite_time(&sqlite_time(3_723_004)).unwrap(), 3_723_004);
        assert!(parse_sqlite_date("yesterday").is_err());
    }
}
