//! The names of Debezium's semantic types (`io.debezium.time.*`, `io.debezium.data.*`) that more
//! than one connector writes, and how their values are spelled.

/// `io.debezium.time.Date`: days since the epoch.
pub const DATE: &str = "io.debezium.time.Date";
/// `io.debezium.time.Time`: milliseconds since midnight.
pub const TIME: &str = "io.debezium.time.Time";
/// `io.debezium.time.MicroTime`: microseconds since midnight.
pub const MICRO_TIME: &str = "io.debezium.time.MicroTime";
/// `io.debezium.time.Timestamp`: milliseconds since the epoch, no time zone.
pub const TIMESTAMP: &str = "io.debezium.time.Timestamp";
/// `io.debezium.time.MicroTimestamp`: microseconds since the epoch, no time zone.
pub const MICRO_TIMESTAMP: &str = "io.debezium.time.MicroTimestamp";
/// `io.debezium.time.ZonedTimestamp`: an ISO-8601 string in UTC.
pub const ZONED_TIMESTAMP: &str = "io.debezium.time.ZonedTimestamp";
/// `io.debezium.data.Json`.
pub const JSON: &str = "io.debezium.data.Json";
/// `io.debezium.data.Enum`: an enum type's label.
pub const ENUM: &str = "io.debezium.data.Enum";

/// A fraction of a second as Java's ISO-8601 formatters print it: none when zero, else only the
/// digits needed.
pub fn iso_fraction(nanos: u32) -> String {
    if nanos == 0 {
        return String::new();
    }
    let digits = format!("{nanos:09}");
    format!(".{}", digits.trim_end_matches('0'))
}

/// A decimal's text at `scale` digits after the point (a value with fewer gets zeros added).
pub fn decimal_at_scale(text: &str, scale: i32) -> kconnect_api::Result<kconnect_api::logical::Decimal> {
    let parsed = kconnect_api::logical::Decimal::parse(text)?;
    let factor = 10i128.pow((scale - parsed.scale).max(0) as u32);
    Ok(kconnect_api::logical::Decimal::new(parsed.unscaled * factor, scale))
}

/// A required schema of `kind` named `name`, version 1, as Debezium's semantic types are.
pub fn named(kind: kconnect_api::schema::SchemaType, name: &str) -> kconnect_api::schema::SchemaBuilder {
    kconnect_api::schema::SchemaBuilder::new(kind).name(name).version(1)
}
