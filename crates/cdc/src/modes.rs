//! Debezium's `snapshot.mode`, and how `decimal.handling.mode`, `time.precision.mode` and
//! `binary.handling.mode` carry column values, with the encodings they need.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE};

/// `snapshot.mode`: when the tables' existing rows are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotMode {
    /// `initial`: once, when no offset was committed yet; then stream.
    Initial,
    /// `always`: at every start; then stream.
    Always,
    /// `initial_only`: once, and never stream.
    InitialOnly,
    /// `no_data` (and its older name `never`): stream only.
    NoData,
    /// `when_needed`: when no offset was committed yet (or it can no longer be resumed); then stream.
    WhenNeeded,
}

impl SnapshotMode {
    /// The names the key takes.
    pub const NAMES: [&'static str; 6] = ["initial", "always", "initial_only", "no_data", "never", "when_needed"];

    /// The mode a (validated) name gives.
    pub fn named(name: &str) -> Self {
        match name {
            "always" => Self::Always,
            "initial_only" => Self::InitialOnly,
            "no_data" | "never" => Self::NoData,
            "when_needed" => Self::WhenNeeded,
            _ => Self::Initial,
        }
    }

    /// Whether a snapshot is taken, given whether an earlier one completed.
    pub fn snapshots(self, completed_before: bool) -> bool {
        match self {
            Self::Always => true,
            Self::NoData => false,
            Self::Initial | Self::InitialOnly | Self::WhenNeeded => !completed_before,
        }
    }

    /// Whether changes are streamed after the snapshot.
    pub fn streams(self) -> bool {
        self != Self::InitialOnly
    }
}

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

impl DecimalMode {
    /// The names the key takes.
    pub const NAMES: [&'static str; 3] = ["precise", "double", "string"];

    /// The mode a (validated) name gives.
    pub fn named(name: &str) -> Self {
        match name {
            "double" => Self::Double,
            "string" => Self::String,
            _ => Self::Precise,
        }
    }
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

impl TimePrecision {
    /// The names the key takes.
    pub const NAMES: [&'static str; 3] = ["adaptive", "adaptive_time_microseconds", "connect"];

    /// The mode a (validated) name gives.
    pub fn named(name: &str) -> Self {
        match name {
            "adaptive_time_microseconds" => Self::AdaptiveTimeMicroseconds,
            "connect" => Self::Connect,
            _ => Self::Adaptive,
        }
    }
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
    /// The names the key takes.
    pub const NAMES: [&'static str; 4] = ["bytes", "base64", "base64-url-safe", "hex"];

    /// The mode a (validated) name gives.
    pub fn named(name: &str) -> Self {
        match name {
            "base64" => Self::Base64,
            "base64-url-safe" => Self::Base64UrlSafe,
            "hex" => Self::Hex,
            _ => Self::Bytes,
        }
    }

    /// `bytes` as this mode writes them in a string (not for `bytes`, which stay bytes).
    pub fn encode(self, bytes: &[u8]) -> String {
        match self {
            Self::Bytes | Self::Base64 => STANDARD.encode(bytes),
            Self::Base64UrlSafe => URL_SAFE.encode(bytes),
            Self::Hex => bytes.iter().map(|b| format!("{b:02x}")).collect(),
        }
    }
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
