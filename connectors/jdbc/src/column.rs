//! Database column types as the connectors see them, and their Connect schemas.

use kconnect_api::logical::{self, Decimal};
use kconnect_api::{ConnectError, Result, Schema, SchemaBuilder, SchemaRef, SchemaType, Value};

/// The kinds of column the connectors read and write; every driver maps its own type names here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnKind {
    /// BOOLEAN.
    Boolean,
    /// 8-bit integer (MySQL TINYINT).
    Int8,
    /// 16-bit integer.
    Int16,
    /// 32-bit integer.
    Int32,
    /// 64-bit integer.
    Int64,
    /// Single precision float.
    Float32,
    /// Double precision float.
    Float64,
    /// Exact numeric (NUMERIC, DECIMAL).
    Decimal,
    /// Character data.
    Text,
    /// Binary data.
    Bytes,
    /// A calendar date.
    Date,
    /// A time of day.
    Time,
    /// A timestamp without zone, read as UTC.
    Timestamp,
    /// A timestamp with zone.
    TimestampTz,
    /// JSON, carried as its text.
    Json,
    /// A UUID, carried as its text.
    Uuid,
}

/// How NUMERIC/DECIMAL columns map to Connect types (`numeric.mapping`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NumericMapping {
    /// Always the Decimal logical type.
    #[default]
    None,
    /// Integers by precision when the scale is 0 or less, Decimal otherwise.
    PrecisionOnly,
    /// Integers by precision when the scale is 0 or less, FLOAT64 for a precision under 19
    /// with a positive scale, Decimal otherwise.
    BestFit,
}

impl NumericMapping {
    /// The mapping named by `numeric.mapping`.
    pub fn parse(name: &str) -> Self {
        match name {
            "best_fit" | "best_fit_eager_double" => Self::BestFit,
            "precision_only" => Self::PrecisionOnly,
            _ => Self::None,
        }
    }
}

/// A column of a result or of a table.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMeta {
    /// The column's name.
    pub name: String,
    /// Its kind.
    pub kind: ColumnKind,
    /// Whether it may hold NULL.
    pub nullable: bool,
    /// Declared precision of an exact numeric, when known.
    pub precision: Option<i32>,
    /// Declared scale of an exact numeric, when known.
    pub scale: Option<i32>,
}

impl ColumnMeta {
    /// A nullable column with no declared precision.
    pub fn new(name: impl Into<String>, kind: ColumnKind) -> Self {
        Self {
            name: name.into(),
            kind,
            nullable: true,
            precision: None,
            scale: None,
        }
    }

    /// The Connect schema of this column's values.
    pub fn schema(&self, mapping: NumericMapping) -> SchemaRef {
        let builder = match self.kind {
            ColumnKind::Boolean => SchemaBuilder::new(SchemaType::Boolean),
            ColumnKind::Int8 => SchemaBuilder::new(SchemaType::Int8),
            ColumnKind::Int16 => SchemaBuilder::new(SchemaType::Int16),
            ColumnKind::Int32 => SchemaBuilder::new(SchemaType::Int32),
            ColumnKind::Int64 => SchemaBuilder::new(SchemaType::Int64),
            ColumnKind::Float32 => SchemaBuilder::new(SchemaType::Float32),
            ColumnKind::Float64 => SchemaBuilder::new(SchemaType::Float64),
            ColumnKind::Decimal => self.numeric_schema(mapping),
            ColumnKind::Text | ColumnKind::Json | ColumnKind::Uuid => SchemaBuilder::new(SchemaType::String),
            ColumnKind::Bytes => SchemaBuilder::new(SchemaType::Bytes),
            ColumnKind::Date => logical::date_schema(),
            ColumnKind::Time => logical::time_schema(),
            ColumnKind::Timestamp | ColumnKind::TimestampTz => logical::timestamp_schema(),
        };
        builder.with_optional(self.nullable).build()
    }

    fn numeric_schema(&self, mapping: NumericMapping) -> SchemaBuilder {
        let scale = self.scale.unwrap_or(0);
        match (mapping, self.precision) {
            (NumericMapping::BestFit | NumericMapping::PrecisionOnly, Some(precision))
                if precision < 19 && scale <= 0 =>
            {
                SchemaBuilder::new(match precision {
                    ..=2 => SchemaType::Int8,
                    3..=4 => SchemaType::Int16,
                    5..=9 => SchemaType::Int32,
                    _ => SchemaType::Int64,
                })
            }
            (NumericMapping::BestFit, Some(precision)) if precision < 19 => SchemaBuilder::new(SchemaType::Float64),
            _ => logical::decimal_schema(scale),
        }
    }
}

/// Converts a value read from an exact numeric column to what [`ColumnMeta::schema`] promises.
pub fn fit_numeric(value: Value, schema: &Schema) -> Result<Value> {
    let Value::Decimal(decimal) = value else {
        return Ok(value);
    };
    let whole = || rescale(decimal, 0).map(|d| d.unscaled);
    Ok(match schema.schema_type {
        SchemaType::Int8 => Value::Int8(narrow(whole()?)?),
        SchemaType::Int16 => Value::Int16(narrow(whole()?)?),
        SchemaType::Int32 => Value::Int32(narrow(whole()?)?),
        SchemaType::Int64 => Value::Int64(narrow(whole()?)?),
        SchemaType::Float64 => Value::Float64(
            decimal
                .to_plain_string()
                .parse()
                .map_err(|_| ConnectError::data("decimal out of range"))?,
        ),
        _ => {
            let scale = schema
                .parameters
                .get(logical::SCALE_PARAMETER)
                .and_then(|s| s.parse().ok());
            Value::Decimal(rescale(decimal, scale.unwrap_or(decimal.scale))?)
        }
    })
}

fn narrow<T: TryFrom<i128>>(value: i128) -> Result<T> {
    T::try_from(value).map_err(|_| ConnectError::data(format!("numeric value {value} does not fit its column type")))
}

/// `decimal` with `scale` digits after the point; an error when digits would be lost.
pub fn rescale(decimal: Decimal, scale: i32) -> Result<Decimal> {
    let overflow = || {
        ConnectError::data(format!(
            "decimal {} does not fit scale {scale}",
            decimal.to_plain_string()
        ))
    };
    let shift = scale - decimal.scale;
    let factor = 10i128.checked_pow(shift.unsigned_abs()).ok_or_else(overflow)?;
    let unscaled = if shift >= 0 {
        decimal.unscaled.checked_mul(factor).ok_or_else(overflow)?
    } else if decimal.unscaled % factor == 0 {
        decimal.unscaled / factor
    } else {
        return Err(overflow());
    };
    Ok(Decimal::new(unscaled, scale))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn numeric(precision: i32, scale: i32) -> ColumnMeta {
        ColumnMeta {
            precision: Some(precision),
            scale: Some(scale),
            nullable: false,
            ..ColumnMeta::new("n", ColumnKind::Decimal)
        }
    }

    #[test]
    fn numeric_mapping_follows_precision_and_scale() {
        let cases = [
            (NumericMapping::None, 5, 0, SchemaType::Bytes),
            (NumericMapping::BestFit, 2, 0, SchemaType::Int8),
            (NumericMapping::BestFit, 4, 0, SchemaType::Int16),
            (NumericMapping::BestFit, 9, 0, SchemaType::Int32),
            (NumericMapping::BestFit, 18, 0, SchemaType::Int64),
            (NumericMapping::BestFit, 10, 2, SchemaType::Float64),
            (NumericMapping::BestFit, 30, 2, SchemaType::Bytes),
            (NumericMapping::PrecisionOnly, 10, 2, SchemaType::Bytes),
        ];
        for (mapping, precision, scale, expected) in cases {
            let schema = numeric(precision, scale).schema(mapping);
            assert_eq!(schema.schema_type, expected, "{mapping:?} NUMERIC({precision},{scale})");
        }
    }

    #[test]
    fn values_fit_their_numeric_schema() {
        let value = Value::Decimal(Decimal::new(1250, 2));
        let decimal = numeric(10, 3).schema(NumericMapping::None);
        assert_eq!(
            fit_numeric(value.clone(), &decimal).unwrap(),
            Value::Decimal(Decimal::new(12500, 3))
        );
        let float = numeric(10, 2).schema(NumericMapping::BestFit);
        assert_eq!(fit_numeric(value.clone(), &float).unwrap(), Value::Float64(12.5));
        let int = numeric(4, 0).schema(NumericMapping::BestFit);
        assert!(fit_numeric(value, &int).is_err(), "12.50 is not a whole number");
        assert_eq!(
            fit_numeric(Value::Decimal(Decimal::new(300, 0)), &int).unwrap(),
            Value::Int16(300)
        );
    }

    #[test]
    fn rescale_refuses_to_lose_digits() {
        assert_eq!(rescale(Decimal::new(1200, 2), 0).unwrap(), Decimal::new(12, 0));
        assert!(rescale(Decimal::new(1234, 2), 1).is_err());
    }
}
