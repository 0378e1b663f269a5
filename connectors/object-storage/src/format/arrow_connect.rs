//! Parquet files back into Connect data, for the sources: the reverse of `arrow_data`, taking also
//! the Arrow types other writers commonly use (large strings and binaries, microsecond and
//! nanosecond timestamps).

use arrow_array::cast::AsArray;
use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, Time32MillisecondType,
    TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType, TimestampSecondType,
};
use arrow_array::{Array, ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, TimeUnit};
use kconnect_api::logical::{self, Decimal};
use kconnect_api::{ConnectError, Result, SchemaAndValue, SchemaBuilder, SchemaRef, Struct, Value};

fn unsupported(data_type: &DataType) -> ConnectError {
    ConnectError::data(format!("a Parquet column of {data_type} has no Connect form"))
}

/// The Connect schema of an Arrow field.
fn connect_schema(field: &Field) -> Result<SchemaRef> {
    let builder = match field.data_type() {
        DataType::Boolean => SchemaBuilder::new(kconnect_api::SchemaType::Boolean),
        DataType::Int8 => SchemaBuilder::new(kconnect_api::SchemaType::Int8),
        DataType::Int16 => SchemaBuilder::new(kconnect_api::SchemaType::Int16),
        DataType::Int32 => SchemaBuilder::new(kconnect_api::SchemaType::Int32),
        DataType::Int64 => SchemaBuilder::new(kconnect_api::SchemaType::Int64),
        DataType::Float32 => SchemaBuilder::new(kconnect_api::SchemaType::Float32),
        DataType::Float64 => SchemaBuilder::new(kconnect_api::SchemaType::Float64),
        DataType::Utf8 | DataType::LargeUtf8 => SchemaBuilder::new(kconnect_api::SchemaType::String),
        DataType::Binary | DataType::LargeBinary => SchemaBuilder::new(kconnect_api::SchemaType::Bytes),
        DataType::Decimal128(precision, scale) => {
            logical::decimal_schema(i32::from(*scale)).parameter("connect.decimal.precision", precision.to_string())
        }
        DataType::Date32 => logical::date_schema(),
        DataType::Time32(TimeUnit::Millisecond) => logical::time_schema(),
        DataType::Timestamp(..) => logical::timestamp_schema(),
        DataType::List(item) | DataType::LargeList(item) => SchemaBuilder::array(connect_schema(item)?),
        DataType::Map(entries, _) => match entries.data_type() {
            DataType::Struct(fields) if fields.len() == 2 => {
                SchemaBuilder::map(connect_schema(&fields[0])?, connect_schema(&fields[1])?)
            }
            other => return Err(unsupported(other)),
        },
        DataType::Struct(fields) => fields.iter().try_fold(SchemaBuilder::struct_(), |builder, child| {
            Ok::<_, ConnectError>(builder.field(child.name().clone(), connect_schema(child)?))
        })?,
        other => return Err(unsupported(other)),
    };
    Ok(builder.with_optional(field.is_nullable()).build())
}

/// Milliseconds of a timestamp in `unit`.
fn millis(value: i64, unit: &TimeUnit) -> i64 {
    match unit {
        TimeUnit::Second => value * 1000,
        TimeUnit::Millisecond => value,
        TimeUnit::Microsecond => value.div_euclid(1000),
        TimeUnit::Nanosecond => value.div_euclid(1_000_000),
    }
}

/// Row `row` of `array` as a Connect value of `schema`.
fn value_at(array: &ArrayRef, row: usize, schema: &SchemaRef) -> Result<Value> {
    if array.is_null(row) {
        return Ok(Value::Null);
    }
    Ok(match array.data_type() {
        DataType::Boolean => Value::Boolean(array.as_boolean().value(row)),
        DataType::Int8 => Value::Int8(array.as_primitive::<Int8Type>().value(row)),
        DataType::Int16 => Value::Int16(array.as_primitive::<Int16Type>().value(row)),
        DataType::Int32 => Value::Int32(array.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => Value::Int64(array.as_primitive::<Int64Type>().value(row)),
        DataType::Float32 => Value::Float32(array.as_primitive::<Float32Type>().value(row)),
        DataType::Float64 => Value::Float64(array.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => Value::String(array.as_string::<i32>().value(row).to_string()),
        DataType::LargeUtf8 => Value::String(array.as_string::<i64>().value(row).to_string()),
        DataType::Binary => Value::Bytes(array.as_binary::<i32>().value(row).to_vec()),
        DataType::LargeBinary => Value::Bytes(array.as_binary::<i64>().value(row).to_vec()),
        DataType::Decimal128(_, scale) => Value::Decimal(Decimal::new(
            array.as_primitive::<arrow_array::types::Decimal128Type>().value(row),
            i32::from(*scale),
        )),
        DataType::Date32 => Value::Date(array.as_primitive::<Date32Type>().value(row)),
        DataType::Time32(TimeUnit::Millisecond) => {
            Value::Time(array.as_primitive::<Time32MillisecondType>().value(row))
        }
        DataType::Timestamp(unit, _) => {
            let raw = match unit {
                TimeUnit::Second => array.as_primitive::<TimestampSecondType>().value(row),
                TimeUnit::Millisecond => array.as_primitive::<TimestampMillisecondType>().value(row),
                TimeUnit::Microsecond => array.as_primitive::<TimestampMicrosecondType>().value(row),
                TimeUnit::Nanosecond => array.as_primitive::<TimestampNanosecondType>().value(row),
            };
            Value::Timestamp(millis(raw, unit))
        }
        DataType::List(_) => list(&array.as_list::<i32>().value(row), schema)?,
        DataType::LargeList(_) => list(&array.as_list::<i64>().value(row), schema)?,
        DataType::Map(..) => {
            let entries = array.as_map().value(row);
            let (Some(key_schema), Some(value_schema)) = (&schema.key_schema, &schema.value_schema) else {
                return Err(unsupported(array.data_type()));
            };
            let (keys, values) = (entries.column(0), entries.column(1));
            let pairs =
                (0..entries.len()).map(|i| Ok((value_at(keys, i, key_schema)?, value_at(values, i, value_schema)?)));
            Value::Map(pairs.collect::<Result<_>>()?)
        }
        DataType::Struct(_) => {
            let columns = array.as_struct();
            let values = schema
                .fields
                .iter()
                .zip(columns.columns())
                .map(|(field, column)| value_at(column, row, &field.schema))
                .collect::<Result<_>>()?;
            Value::Struct(Struct::with_values(schema.clone(), values)?)
        }
        other => return Err(unsupported(other)),
    })
}

fn list(items: &ArrayRef, schema: &SchemaRef) -> Result<Value> {
    let element = schema
        .value_schema
        .as_ref()
        .ok_or_else(|| unsupported(items.data_type()))?;
    Ok(Value::Array(
        (0..items.len())
            .map(|i| value_at(items, i, element))
            .collect::<Result<_>>()?,
    ))
}

/// The rows of record batches as Connect structs.
pub(super) fn rows(batches: impl Iterator<Item = Result<RecordBatch>>) -> Result<Vec<SchemaAndValue>> {
    let mut rows = Vec::new();
    let mut schema: Option<SchemaRef> = None;
    for batch in batches {
        let batch = batch?;
        let schema = match &schema {
            Some(schema) => schema.clone(),
            None => {
                let fields = batch.schema().fields().clone();
                let record = Field::new("record", DataType::Struct(fields), false);
                schema.insert(connect_schema(&record)?).clone()
            }
        };
        let columns: Vec<ArrayRef> = batch.columns().to_vec();
        for row in 0..batch.num_rows() {
            let values = schema
                .fields
                .iter()
                .zip(&columns)
                .map(|(field, column)| value_at(column, row, &field.schema))
                .collect::<Result<_>>()?;
            let value = Struct::with_values(schema.clone(), values)?;
            rows.push(SchemaAndValue::new(Some(schema.clone()), Value::Struct(value)));
        }
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_of_any_unit_become_milliseconds() {
        assert_eq!(millis(1_500, &TimeUnit::Microsecond), 1);
        assert_eq!(millis(-1, &TimeUnit::Nanosecond), -1);
        assert_eq!(millis(2, &TimeUnit::Second), 2000);
        let field = Field::new("t", DataType::Timestamp(TimeUnit::Nanosecond, None), true);
        let schema = connect_schema(&field).unwrap();
        assert!(schema.optional);
        assert_eq!(schema.name.as_deref(), Some("org.apache.kafka.connect.data.Timestamp"));
    }
}
