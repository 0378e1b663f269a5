//! The four logical types: Decimal, Date, Time and Timestamp.

use crate::error::{ConnectError, Result};
use crate::schema::{SchemaBuilder, SchemaRef, SchemaType};

/// Apache's name of the Decimal logical type.
pub const DECIMAL_NAME: &str = "org.apache.kafka.connect.data.Decimal";
/// Apache's name of the Date logical type.
pub const DATE_NAME: &str = "org.apache.kafka.connect.data.Date";
/// Apache's name of the Time logical type.
pub const TIME_NAME: &str = "org.apache.kafka.connect.data.Time";
/// Apache's name of the Timestamp logical type.
pub const TIMESTAMP_NAME: &str = "org.apache.kafka.connect.data.Timestamp";
/// The Decimal schema parameter that holds the scale.
pub const SCALE_PARAMETER: &str = "scale";

/// A decimal number: `unscaled × 10^-scale`.
///
/// The unscaled value is held in an `i128`, which covers 38 decimal digits; a larger value is
/// rejected with a data error rather than silently rounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Decimal {
    /// The unscaled integer.
    pub unscaled: i128,
    /// The number of digits after the decimal point.
    pub scale: i32,
}

impl Decimal {
    /// A decimal from its unscaled value and scale.
    pub fn new(unscaled: i128, scale: i32) -> Self {
        Self { unscaled, scale }
    }

    /// The unscaled value as big-endian two's-complement bytes, as short as Java's
    /// `BigInteger.toByteArray`.
    pub fn to_bytes(&self) -> Vec<u8> {
        let bytes = self.unscaled.to_be_bytes();
        let negative = self.unscaled < 0;
        let filler = if negative { 0xff } else { 0x00 };
        let mut start = 0;
        while start < bytes.len() - 1 && bytes[start] == filler && (bytes[start + 1] & 0x80 != 0) == negative {
            start += 1;
        }
        bytes[start..].to_vec()
    }

    /// A decimal from big-endian two's-complement bytes of the unscaled value.
    pub fn from_bytes(bytes: &[u8], scale: i32) -> Result<Self> {
        if bytes.is_empty() || bytes.len() > 16 {
            return Err(ConnectError::data(format!(
                "Decimal of {} bytes is not supported (1 to 16 bytes)",
                bytes.len()
            )));
        }
        let filler = if bytes[0] & 0x80 != 0 { 0xff } else { 0x00 };
        let mut full = [filler; 16];
        full[16 - bytes.len()..].copy_from_slice(bytes);
        Ok(Self::new(i128::from_be_bytes(full), scale))
    }

    /// Parses a plain decimal string such as `-12.340`; the scale is the number of digits after the
    /// point.
    pub fn parse(text: &str) -> Result<Self> {
        let bad = || ConnectError::data(format!("Not a decimal number: {text}"));
        let (mantissa, exponent) = match text.find(['e', 'E']) {
            Some(at) => (&text[..at], text[at + 1..].parse::<i32>().map_err(|_| bad())?),
            None => (text, 0),
        };
        let (whole, fraction) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        let digits = format!("{whole}{fraction}");
        let unscaled = digits.parse::<i128>().map_err(|_| bad())?;
        Ok(Self::new(unscaled, fraction.len() as i32 - exponent))
    }

    /// The number as Java's `BigDecimal.toPlainString` prints it.
    pub fn to_plain_string(&self) -> String {
        let negative = self.unscaled < 0;
        let digits = self.unscaled.unsigned_abs().to_string();
        let body = if self.scale <= 0 {
            format!("{digits}{}", "0".repeat(self.scale.unsigned_abs() as usize))
        } else {
            let scale = self.scale as usize;
            let padded = format!("{digits:0>width$}", width = scale + 1);
            let (whole, fraction) = padded.split_at(padded.len() - scale);
            format!("{whole}.{fraction}")
        };
        if negative { format!("-{body}") } else { body }
    }
}

/// A Decimal schema builder with `scale`.
pub fn decimal_schema(scale: i32) -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Bytes)
        .name(DECIMAL_NAME)
        .version(1)
        .parameter(SCALE_PARAMETER, scale.to_string())
}

/// The Date schema builder.
pub fn date_schema() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32).name(DATE_NAME).version(1)
}

/// The Time schema builder.
pub fn time_schema() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int32).name(TIME_NAME).version(1)
}

/// The Timestamp schema builder.
pub fn timestamp_schema() -> SchemaBuilder {
    SchemaBuilder::new(SchemaType::Int64).name(TIMESTAMP_NAME).version(1)
}

/// The scale of a Decimal schema.
pub fn decimal_scale(schema: &SchemaRef) -> Result<i32> {
    schema
        .parameters
        .get(SCALE_PARAMETER)
        .and_then(|scale| scale.parse().ok())
        .ok_or_else(|| ConnectError::data("Invalid Decimal schema: scale parameter not found."))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_match_java_big_integer() {
        // Values checked against java.math.BigInteger.toByteArray.
        let cases: [(i128, &[u8]); 6] = [
            (0, &[0x00]),
            (127, &[0x7f]),
            (128, &[0x00, 0x80]),
            (-1, &[0xff]),
            (-129, &[0xff, 0x7f]),
            (1234, &[0x04, 0xd2]),
        ];
        for (unscaled, bytes) in cases {
            let decimal = Decimal::new(unscaled, 2);
            assert_eq!(decimal.to_bytes(), bytes, "{unscaled}");
            assert_eq!(Decimal::from_bytes(bytes, 2).unwrap(), decimal);
        }
    }

    #[test]
    fn plain_strings_round_trip() {
        for text in ["12.34", "-0.05", "100", "0.000"] {
            assert_eq!(Decimal::parse(text).unwrap().to_plain_string(), text);
        }
        assert_eq!(Decimal::new(5, -2).to_plain_string(), "500");
        assert_eq!(Decimal::parse("1.5E+2").unwrap().to_plain_string(), "150");
    }
}
