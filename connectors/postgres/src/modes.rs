//! PostgreSQL's own value modes (`interval.handling.mode`, `hstore.handling.mode`) beside the
//! ones every CDC connector shares, gathered as the modes a column's values are carried in.

pub use kconnect_cdc::modes::{BinaryMode, DecimalMode, TimePrecision};

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
