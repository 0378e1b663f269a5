//! Connect schemas and values as Arrow columns, for Parquet: the types Confluent's Parquet files
//! carry (through Avro) as Arrow's: Decimal as DECIMAL, Date, Time (milliseconds) and Timestamp
//! (milliseconds, UTC), structs, arrays as lists, maps as maps (string keys) or lists of key/value
//! structs. Rows are turned into columns one batch at a time.

use std::sync::Arc;

use arrow_array::types::{
    Date32Type, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, Time32MillisecondType,
    TimestampMillisecondType,
};
use arrow_array::{
    ArrayRef, BinaryArray, BooleanArray, Decimal128Array, ListArray, MapArray, PrimitiveArray, RecordBatch,
    StringArray, StructArray,
};
use arrow_buffer::{NullBuffer, OffsetBuffer};
use arrow_schema::{DataType, Field, Fields, Schema as ArrowSchema, TimeUnit};
use kconnect_api::logical::{DATE_NAME, DECIMAL_NAME, TIME_NAME, TIMESTAMP_NAME};
use kconnect_api::{ConnectError, Result, Schema, SchemaRef, SchemaType, Value};

/// The widest DECIMAL Arrow's 128-bit decimals hold, for Decimals without a declared precision.
const MAX_PRECISION: u8 = 38;

/// A Decimal's precision and scale.
fn decimal_shape(schema: &SchemaRef) -> (u8, i8) {
    let scale = schema.parameters.get("scale").and_then(|s| s.parse().ok()).unwrap_or(0);
    let precision = schema
        .parameters
        .get("connect.decimal.precision")
        .and_then(|p| p.parse().ok())
        .unwrap_or(MAX_PRECISION)
        .min(MAX_PRECISION);
    (precision, scale)
}

fn string_keyed(key: &SchemaRef) -> bool {
    key.schema_type == SchemaType::String && !key.optional
}

/// The Arrow type of a Connect schema.
fn data_type(schema: &SchemaRef) -> Result<DataType> {
    match schema.name.as_deref() {
        Some(DECIMAL_NAME) => {
            let (precision, scale) = decimal_shape(schema);
            return Ok(DataType::Decimal128(precision, scale));
        }
        Some(DATE_NAME) => return Ok(DataType::Date32),
        Some(TIME_NAME) => return Ok(DataType::Time32(TimeUnit::Millisecond)),
        Some(TIMESTAMP_NAME) => return Ok(DataType::Timestamp(TimeUnit::Millisecond, Some("UTC".into()))),
        _ => {}
    }
    Ok(match schema.schema_type {
        SchemaType::Boolean => DataType::Boolean,
        SchemaType::Int8 => DataType::Int8,
        SchemaType::Int16 => DataType::Int16,
        SchemaType::Int32 => DataType::Int32,
        SchemaType::Int64 => DataType::Int64,
        SchemaType::Float32 => DataType::Float32,
        SchemaType::Float64 => DataType::Float64,
        SchemaType::String => DataType::Utf8,
        SchemaType::Bytes => DataType::Binary,
        SchemaType::Array => DataType::List(Arc::new(field("element", schema.element_schema()?)?)),
        SchemaType::Map => {
            let (key, value) = schema.entry_schemas()?;
            let entries = Fields::from(vec![field("key", key)?, field("value", value)?]);
            if string_keyed(key) {
                DataType::Map(
                    Arc::new(Field::new("key_value", DataType::Struct(entries), false)),
                    false,
                )
            } else {
                DataType::List(Arc::new(Field::new("element", DataType::Struct(entries), false)))
            }
        }
        SchemaType::Struct => DataType::Struct(struct_fields(schema)?),
    })
}

fn field(name: &str, schema: &SchemaRef) -> Result<Field> {
    Ok(Field::new(name, data_type(schema)?, schema.optional))
}

fn struct_fields(schema: &SchemaRef) -> Result<Fields> {
    schema
        .fields
        .iter()
        .map(|f| field(&f.name, &f.schema))
        .collect::<Result<Vec<_>>>()
        .map(Fields::from)
}

/// The Arrow schema of rows whose value schema is `schema`, which must be a struct.
pub(super) fn arrow_schema(schema: &SchemaRef) -> Result<Arc<ArrowSchema>> {
    if schema.schema_type != SchemaType::Struct {
        return Err(ConnectError::data(format!(
            "ParquetFormat writes struct values; this value's schema is {}",
            schema.schema_type
        )));
    }
    Ok(Arc::new(ArrowSchema::new(struct_fields(schema)?)))
}

/// `value`, or its schema's default when it is null.
fn or_default<'a>(schema: &'a SchemaRef, value: &'a Value) -> &'a Value {
    match (value, &schema.default_value) {
        (Value::Null, Some(default)) => default,
        _ => value,
    }
}

fn nulls(schema: &SchemaRef, values: &[&Value]) -> Result<Option<NullBuffer>> {
    if !values.iter().any(|v| v.is_null()) {
        return Ok(None);
    }
    if !schema.optional {
        return Err(ConnectError::data(
            "a null value for a required field without a default",
        ));
    }
    Ok(Some(NullBuffer::from_iter(values.iter().map(|v| !v.is_null()))))
}

fn mismatch(schema: &SchemaRef) -> ConnectError {
    ConnectError::data(format!("a value does not fit its schema {}", schema.schema_type))
}

macro_rules! primitive {
    ($schema:expr, $values:expr, $arrow:ty, $variant:ident) => {{
        let items = $values.iter().map(|value| match value {
            Value::$variant(v) => Ok(Some(*v)),
            Value::Null => Ok(None),
            _ => Err(mismatch($schema)),
        });
        Arc::new(items.collect::<Result<PrimitiveArray<$arrow>>>()?) as ArrayRef
    }};
}

/// The column of `values` (one per row) under `schema`.
fn column(schema: &SchemaRef, values: &[&Value]) -> Result<ArrayRef> {
    let values: Vec<&Value> = values.iter().map(|v| or_default(schema, v)).collect();
    let nulls = nulls(schema, &values)?;
    Ok(match data_type(schema)? {
        DataType::Boolean => Arc::new(
            values
                .iter()
                .map(|value| match value {
                    Value::Boolean(v) => Ok(Some(*v)),
                    Value::Null => Ok(None),
                    _ => Err(mismatch(schema)),
                })
                .collect::<Result<BooleanArray>>()?,
        ),
        DataType::Int8 => primitive!(schema, values, Int8Type, Int8),
        DataType::Int16 => primitive!(schema, values, Int16Type, Int16),
        DataType::Int32 => primitive!(schema, values, Int32Type, Int32),
        DataType::Int64 => primitive!(schema, values, Int64Type, Int64),
        DataType::Float32 => primitive!(schema, values, Float32Type, Float32),
        DataType::Float64 => primitive!(schema, values, Float64Type, Float64),
        DataType::Date32 => primitive!(schema, values, Date32Type, Date),
        DataType::Time32(_) => primitive!(schema, values, Time32MillisecondType, Time),
        DataType::Timestamp(..) => Arc::new(
            values
                .iter()
                .map(|value| match value {
                    Value::Timestamp(v) => Ok(Some(*v)),
                    Value::Null => Ok(None),
                    _ => Err(mismatch(schema)),
                })
                .collect::<Result<PrimitiveArray<TimestampMillisecondType>>>()?
                .with_timezone("UTC"),
        ),
        DataType::Decimal128(precision, scale) => Arc::new(
            values
                .iter()
                .map(|value| match value {
                    Value::Decimal(d) if d.scale == i32::from(scale) => Ok(Some(d.unscaled)),
                    Value::Null => Ok(None),
                    _ => Err(mismatch(schema)),
                })
                .collect::<Result<Decimal128Array>>()?
                .with_precision_and_scale(precision, scale)
                .map_err(|e| ConnectError::data(e.to_string()))?,
        ),
        DataType::Utf8 => Arc::new(
            values
                .iter()
                .map(|value| match value {
                    Value::String(v) => Ok(Some(v.as_str())),
                    Value::Null => Ok(None),
                    _ => Err(mismatch(schema)),
                })
                .collect::<Result<StringArray>>()?,
        ),
        DataType::Binary => Arc::new(
            values
                .iter()
                .map(|value| match value {
                    Value::Bytes(v) => Ok(Some(v.as_slice())),
                    Value::Null => Ok(None),
                    _ => Err(mismatch(schema)),
                })
                .collect::<Result<BinaryArray>>()?,
        ),
        DataType::Struct(fields) => Arc::new(structs(schema, fields, &values, nulls)?),
        DataType::List(item) if schema.schema_type == SchemaType::Array => {
            let element = schema.element_schema()?;
            let (offsets, children) = flatten(&values, |value| match value {
                Value::Array(items) => Ok(items.iter().collect()),
                _ => Err(mismatch(schema)),
            })?;
            Arc::new(ListArray::new(item, offsets, column(element, &children)?, nulls))
        }
        DataType::List(item) => {
            let DataType::Struct(fields) = item.data_type().clone() else {
                return Err(mismatch(schema));
            };
            let (offsets, entries) = map_entries(schema, fields, &values)?;
            Arc::new(ListArray::new(item, offsets, Arc::new(entries), nulls))
        }
        DataType::Map(entries_field, sorted) => {
            let DataType::Struct(fields) = entries_field.data_type().clone() else {
                return Err(mismatch(schema));
            };
            let (offsets, entries) = map_entries(schema, fields, &values)?;
            Arc::new(MapArray::new(entries_field, offsets, entries, nulls, sorted))
        }
        other => return Err(ConnectError::data(format!("no Parquet column for {other}"))),
    })
}

/// The offsets and concatenated children of list-like values.
fn flatten<'a>(
    values: &[&'a Value],
    items: impl Fn(&'a Value) -> Result<Vec<&'a Value>>,
) -> Result<(OffsetBuffer<i32>, Vec<&'a Value>)> {
    let mut lengths = Vec::with_capacity(values.len());
    let mut children = Vec::new();
    for value in values {
        if value.is_null() {
            lengths.push(0);
            continue;
        }
        let these = items(value)?;
        lengths.push(these.len());
        children.extend(these);
    }
    Ok((OffsetBuffer::from_lengths(lengths), children))
}

/// A map column's offsets and its key/value struct entries.
fn map_entries(schema: &SchemaRef, fields: Fields, values: &[&Value]) -> Result<(OffsetBuffer<i32>, StructArray)> {
    let (key_schema, value_schema) = schema.entry_schemas()?;
    let mut lengths = Vec::with_capacity(values.len());
    let (mut keys, mut items) = (Vec::new(), Vec::new());
    for value in values {
        match value {
            Value::Null => lengths.push(0),
            Value::Map(entries) => {
                lengths.push(entries.len());
                keys.extend(entries.iter().map(|(k, _)| k));
                items.extend(entries.iter().map(|(_, v)| v));
            }
            _ => return Err(mismatch(schema)),
        }
    }
    let children = vec![column(key_schema, &keys)?, column(value_schema, &items)?];
    let entries = StructArray::try_new(fields, children, None).map_err(|e| ConnectError::data(e.to_string()))?;
    Ok((OffsetBuffer::from_lengths(lengths), entries))
}

fn structs(schema: &SchemaRef, fields: Fields, values: &[&Value], nulls: Option<NullBuffer>) -> Result<StructArray> {
    let mut children = Vec::with_capacity(schema.fields.len());
    for (index, field) in schema.fields.iter().enumerate() {
        let column_values: Vec<&Value> = values
            .iter()
            .map(|value| match value {
                Value::Struct(s) => Ok(s.values().get(index).unwrap_or(&Value::Null)),
                Value::Null => Ok(&Value::Null),
                _ => Err(mismatch(schema)),
            })
            .collect::<Result<_>>()?;
        // A null struct's fields are null whatever their schema says; Arrow masks them.
        let child = if nulls.is_some() && !field.schema.optional {
            column_under_null_parents(&field.schema, &column_values)?
        } else {
            column(&field.schema, &column_values)?
        };
        children.push(child);
    }
    StructArray::try_new(fields, children, nulls).map_err(|e| ConnectError::data(e.to_string()))
}

/// A required field's column below nullable parents: nulls where the parent is null.
fn column_under_null_parents(schema: &SchemaRef, values: &[&Value]) -> Result<ArrayRef> {
    column(&Schema::optional_of(schema), values)
}

/// The rows' struct values as one Arrow batch.
pub(super) fn record_batch(arrow: &Arc<ArrowSchema>, schema: &SchemaRef, rows: &[Value]) -> Result<RecordBatch> {
    let refs: Vec<&Value> = rows.iter().collect();
    let fields = arrow.fields().clone();
    let array = structs(schema, fields, &refs, None)?;
    RecordBatch::try_new(arrow.clone(), array.columns().to_vec()).map_err(|e| ConnectError::data(e.to_string()))
}

#[cfg(test)]
mod tests {
    use arrow_array::Array;
    use kconnect_api::logical::Decimal;
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    use super::*;

    #[test]
    fn rows_become_typed_columns() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("note", Schema::optional_string())
            .field(
                "price",
                SchemaBuilder::new(SchemaType::Bytes)
                    .name(DECIMAL_NAME)
                    .parameter("scale", "2")
                    .build(),
            )
            .field("tags", SchemaBuilder::array(Schema::string()).optional().build())
            .field("attrs", SchemaBuilder::map(Schema::string(), Schema::int32()).build())
            .build();
        let row = |id: i64, note: Option<&str>| {
            let mut value = Struct::new(schema.clone())
                .unwrap()
                .put("id", id)
                .unwrap()
                .put("price", Value::Decimal(Decimal::new(1250, 2)))
                .unwrap()
                .put("attrs", Value::Map(vec![(Value::String("a".into()), Value::Int32(1))]))
                .unwrap();
            if let Some(note) = note {
                value = value
                    .put("note", note)
                    .unwrap()
                    .put("tags", Value::Array(vec!["x".into()]))
                    .unwrap();
            }
            Value::Struct(value)
        };
        let arrow = arrow_schema(&schema).unwrap();
        let batch = record_batch(&arrow, &schema, &[row(1, Some("one")), row(2, None)]).unwrap();
        assert_eq!(batch.num_rows(), 2);
        assert_eq!(batch.column(1).null_count(), 1);
        assert_eq!(batch.column(2).data_type(), &DataType::Decimal128(38, 2));
        assert_eq!(batch.column(3).null_count(), 1);
        assert!(matches!(batch.column(4).data_type(), DataType::Map(..)));
    }
}
