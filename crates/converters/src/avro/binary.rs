//! Connect values written straight to Avro's binary encoding under the Avro schema
//! [`avro_schema`](super::avro_schema) gives their Connect schema, without building Avro values
//! first: the same bytes as encoding [`avro_value`](super::avro_value)'s value, at less cost per
//! record. Maps are written in the order of their entries, each array and map as one block.

use kconnect_api::{ConnectError, Result, SchemaRef, SchemaType, Value};

use super::data::{AvroOptions, branch, enum_index, is_enum};

fn long(out: &mut Vec<u8>, n: i64) {
    let mut zigzag = ((n << 1) ^ (n >> 63)) as u64;
    while zigzag >= 0x80 {
        out.push((zigzag as u8) | 0x80);
        zigzag >>= 7;
    }
    out.push(zigzag as u8);
}

fn bytes(out: &mut Vec<u8>, data: &[u8]) {
    long(out, data.len() as i64);
    out.extend_from_slice(data);
}

/// Appends `value`, under `schema`, to `out`, as AvroData's `options` have it.
pub fn write_datum(schema: &SchemaRef, value: &Value, options: AvroOptions, out: &mut Vec<u8>) -> Result<()> {
    match branch(schema, value, options)? {
        None => write_required(schema, value, options, out),
        Some((index, written)) => {
            long(out, index as i64);
            match written {
                Some((schema, value)) => write_required(schema, value, options, out),
                None => Ok(()),
            }
        }
    }
}

/// One block of `count` items written by `item`, then the end of the array or map.
fn block<T>(out: &mut Vec<u8>, items: &[T], mut item: impl FnMut(&mut Vec<u8>, &T) -> Result<()>) -> Result<()> {
    if !items.is_empty() {
        long(out, items.len() as i64);
        for each in items {
            item(out, each)?;
        }
    }
    long(out, 0);
    Ok(())
}

fn write_required(schema: &SchemaRef, value: &Value, options: AvroOptions, out: &mut Vec<u8>) -> Result<()> {
    match value {
        Value::Null => match &schema.default_value {
            Some(default) => write_required(schema, default, options, out)?,
            None => {
                return Err(ConnectError::data(
                    "a null value for a required field without a default",
                ));
            }
        },
        Value::Boolean(v) => out.push(u8::from(*v)),
        Value::Int8(v) => long(out, i64::from(*v)),
        Value::Int16(v) => long(out, i64::from(*v)),
        Value::Int32(v) | Value::Date(v) | Value::Time(v) => long(out, i64::from(*v)),
        Value::Int64(v) | Value::Timestamp(v) => long(out, *v),
        Value::Float32(v) => out.extend_from_slice(&v.to_le_bytes()),
        Value::Float64(v) => out.extend_from_slice(&v.to_le_bytes()),
        Value::String(v) if is_enum(schema, options) => long(out, enum_index(schema, v, options)? as i64),
        Value::String(v) => bytes(out, v.as_bytes()),
        Value::Bytes(v) => bytes(out, v),
        Value::Decimal(v) => bytes(out, &v.to_bytes()),
        Value::Array(items) => {
            let element = schema.element_schema()?;
            block(out, items, |out, item| write_datum(element, item, options, out))?;
        }
        Value::Map(entries) => {
            let (key_schema, value_schema) = schema.entry_schemas()?;
            let string_keys = key_schema.schema_type == SchemaType::String && !key_schema.optional;
            block(out, entries, |out, (key, value)| {
                if string_keys {
                    let Value::String(key) = key else {
                        return Err(ConnectError::data(
                            "a map key that is not a string under a string key schema",
                        ));
                    };
                    bytes(out, key.as_bytes());
                } else {
                    write_datum(key_schema, key, options, out)?;
                }
                write_datum(value_schema, value, options, out)
            })?;
        }
        Value::Struct(s) => {
            for (field, value) in schema.fields.iter().zip(s.values()) {
                write_datum(&field.schema, value, options, out)?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use kconnect_api::logical::{Decimal, date_schema, decimal_schema, timestamp_schema};
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    use super::*;
    use crate::avro::{avro_schema, avro_value};

    #[test]
    fn the_bytes_are_those_of_the_avro_values() {
        let schema = SchemaBuilder::struct_()
            .name("shop.Order")
            .field("id", Schema::int64())
            .field("small", Schema::int8())
            .field("flag", Schema::boolean())
            .field("ratio", Schema::float32())
            .field("score", Schema::optional_float64())
            .field("note", Schema::optional_string())
            .field("raw", Schema::bytes())
            .field("price", decimal_schema(2).build())
            .field("day", date_schema().build())
            .field("at", timestamp_schema().build())
            .field("tags", SchemaBuilder::array(Schema::string()).build())
            .field("none", SchemaBuilder::array(Schema::int32()).build())
            .field("one", SchemaBuilder::map(Schema::string(), Schema::int64()).build())
            .field(
                "by_id",
                SchemaBuilder::map(Schema::int32(), Schema::optional_string()).build(),
            )
            .build();
        let value = Value::Struct(
            Struct::with_values(
                schema.clone(),
                vec![
                    Value::Int64(-1_234_567_890_123),
                    Value::Int8(-3),
                    Value::Boolean(true),
                    Value::Float32(0.5),
                    Value::Null,
                    Value::String("gift".into()),
                    Value::Bytes(vec![0, 255]),
                    Value::Decimal(Decimal::new(-1250, 2)),
                    Value::Date(19_000),
                    Value::Timestamp(1_700_000_000_000),
                    Value::Array(vec!["x".into(), "y".into()]),
                    Value::Array(vec![]),
                    Value::Map(vec![("a".into(), Value::Int64(64))]),
                    Value::Map(vec![(Value::Int32(1), Value::Null), (Value::Int32(2), "b".into())]),
                ],
            )
            .unwrap(),
        );
        let (avro, _) = avro_schema(&schema).unwrap();
        let expected = apache_avro::to_avro_datum(&avro, avro_value(&schema, &value).unwrap()).unwrap();
        let mut written = Vec::new();
        write_datum(&schema, &value, AvroOptions::default(), &mut written).unwrap();
        assert_eq!(written, expected);
    }
}
