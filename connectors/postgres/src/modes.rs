//! How Debezium's `decimal.handling.mode`, `time.precision.mode`, `binary.handling.mode` and
//! `interval.handling.mode` carry column values, and the encodings they need.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

/// `decimal.handling.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DecimalMode {
    /// `precise`: Connect's Decimal (or VariableScaleDecimal without a declared scale).
    #[default]
    Precise,
    /// `double`.
    Double,
    /// `string`.
    String,
}

/// `time.precision.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum TimePrecision {
    /// `adaptive`: Debezium's types, milliseconds or microseconds as the column's precision says.
    #[default]
    Adaptive,
    /// `adaptive_time_microseconds`: as `adaptive`, but every `time` in microseconds.
    AdaptiveTimeMicroseconds,
    /// `connect`: Connect's Date, Time and Timestamp, in milliseconds whatever the precision.
    Connect,
}

/// `binary.handling.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BinaryMode {
    /// `bytes`.
    #[default]
    Bytes,
    /// `base64`: a string, standard alphabet with padding.
    Base64,
    /// `base64-url-safe`: a string, URL-safe alphabet with padding.
    Base64UrlSafe,
    /// `hex`: a string of lowercase hex digits.
    Hex,
}

impl BinaryMode {
    /// `bytes` as this mode writes them in a string (not for `bytes`, which stay bytes).
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Bytes | Self::Base64 => STANDARD.encode(bytes),
            Self::Base64UrlSafe => URL_SAFE.encode(bytes),
            Self::Hex => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
}

/// `interval.handling.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum IntervalMode {
    /// `numeric`: microseconds (`io.debezium.time.MicroDuration`).
    #[default]
    Numeric,
    /// `string`: ISO 8601 (`io.debezium.time.Interval`).
    String,
}

/// `hstore.handling.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HstoreMode {
    /// `json`: a JSON object string (`io.debezium.data.Json`).
    #[default]
    Json,
    /// `map`: a map of strings to optional strings.
    Map,
}

/// Every mode that decides how a column's values are carried.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ValueModes {
    /// `decimal.handling.mode`.
    pub decimals: DecimalMode,
    /// `time.precision.mode`.
    pub time_precision: TimePrecision,
    /// `binary.handling.mode`.
    pub binary: BinaryMode,
    /// `interval.handling.mode`.
    pub interval: IntervalMode,
    /// `hstore.handling.mode`.
    pub hstore: HstoreMode,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_encodings_are_debeziums() {
        let bytes = [0xfb, 0xff, 0x01];
        assert_eq!(BinaryMode::Base64.encode(&bytes), "+/8B");
        assert_eq!(BinaryMode::Base64UrlSafe.encode(&bytes), "-_8B");
        assert_eq!(BinaryMode::Hex.encode(&bytes), "fbff01");
        assert_eq!(BinaryMode::Base64.encode(b"a"), "YQ==");
    }
}
