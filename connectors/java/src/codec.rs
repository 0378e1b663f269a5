//! Connect schemas, values and records on the wire, as the JVM side's `Codec.java` reads and
//! writes them.
//!
//! A schema is a type tag (0 for none), flags (optional, and which of name, version, doc,
//! parameters and default follow), those, the element, entry or field schemas, then the default.
//! A value is a tag and its bytes; a struct's fields follow in its schema's order; a Decimal is
//! its scale and unscaled bytes; Date, Time and Timestamp travel as Java's `java.util.Date`,
//! milliseconds since the epoch, and read back as the logical type their schema names.

use kconnect_api::logical::{DATE_NAME, Decimal, TIME_NAME};
use kconnect_api::record::TimestampType;
use kconnect_api::sink::CommitOffsets;
use kconnect_api::values::from_json;
use kconnect_api::{
    Header, Headers, OffsetMap, RecordCore, SchemaAndValue, SchemaBuilder, SchemaRef, SchemaType, SinkRecord,
    SourceRecord, Struct, TopicPartition, Value,
};

use crate::error::JavaError;
use crate::wire::{Reader, Writer};

const NULL: u8 = 0;
const DECIMAL: u8 = 13;
const DATE: u8 = 14;

const OPTIONAL: u8 = 1;
const NAME: u8 = 2;
const VERSION: u8 = 4;
const DOC: u8 = 8;
const PARAMETERS: u8 = 16;
const DEFAULT: u8 = 32;

const MILLIS_PER_DAY: i64 = 86_400_000;

/// The wire tag of a schema type, which is also the tag of its plain values.
fn tag(schema_type: SchemaType) -> u8 {
    match schema_type {
        SchemaType::Int8 => 1,
        SchemaType::Int16 => 2,
        SchemaType::Int32 => 3,
        SchemaType::Int64 => 4,
        SchemaType::Float32 => 5,
        SchemaType::Float64 => 6,
        SchemaType::Boolean => 7,
        SchemaType::String => 8,
        SchemaType::Bytes => 9,
        SchemaType::Array => 10,
        SchemaType::Map => 11,
        SchemaType::Struct => 12,
    }
}

fn schema_type(tag: u8) -> Result<SchemaType, JavaError> {
    SchemaType::ALL
        .into_iter()
        .find(|t| self::tag(*t) == tag)
        .ok_or_else(|| JavaError::Protocol(format!("unknown schema type tag {tag}")))
}

/// Writes `schema` (or its absence).
pub fn write_schema(out: &mut Writer, schema: Option<&SchemaRef>) {
    let Some(schema) = schema else {
        out.u8(NULL);
        return;
    };
    out.u8(tag(schema.schema_type));
    let flag = |on: bool, bit: u8| if on { bit } else { 0 };
    out.u8(flag(schema.optional, OPTIONAL)
        | flag(schema.name.is_some(), NAME)
        | flag(schema.version.is_some(), VERSION)
        | flag(schema.doc.is_some(), DOC)
        | flag(!schema.parameters.is_empty(), PARAMETERS)
        | flag(schema.default_value.is_some(), DEFAULT));
    if let Some(name) = &schema.name {
        out.string(name);
    }
    if let Some(version) = schema.version {
        out.i32(version);
    }
    if let Some(doc) = &schema.doc {
        out.string(doc);
    }
    if !schema.parameters.is_empty() {
        out.string_map(schema.parameters.iter());
    }
    match schema.schema_type {
        SchemaType::Array => write_schema(out, schema.value_schema.as_ref()),
        SchemaType::Map => {
            write_schema(out, schema.key_schema.as_ref());
            write_schema(out, schema.value_schema.as_ref());
        }
        SchemaType::Struct => {
            out.count(schema.fields.len());
            for field in &schema.fields {
                out.string(&field.name);
                write_schema(out, Some(&field.schema));
            }
        }
        _ => {}
    }
    if let Some(default) = &schema.default_value {
        write_value(out, default);
    }
}

/// Reads a schema written by [`write_schema`] or the JVM.
pub fn read_schema(input: &mut Reader<'_>) -> Result<Option<SchemaRef>, JavaError> {
    let tag = input.u8()?;
    if tag == NULL {
        return Ok(None);
    }
    let schema_type = schema_type(tag)?;
    let flags = input.u8()?;
    let name = if flags & NAME != 0 { Some(input.string()?) } else { None };
    let version = if flags & VERSION != 0 { Some(input.i32()?) } else { None };
    let doc = if flags & DOC != 0 { Some(input.string()?) } else { None };
    let parameters = if flags & PARAMETERS != 0 {
        input.string_map()?
    } else {
        Default::default()
    };
    let required =
        |schema: Option<SchemaRef>| schema.ok_or_else(|| JavaError::Protocol("a container without its schema".into()));
    let mut builder = match schema_type {
        SchemaType::Array => SchemaBuilder::array(required(read_schema(input)?)?),
        SchemaType::Map => {
            let key = required(read_schema(input)?)?;
            SchemaBuilder::map(key, required(read_schema(input)?)?)
        }
        SchemaType::Struct => {
            let mut builder = SchemaBuilder::struct_();
            for _ in 0..input.count()? {
                let field = input.string()?;
                builder = builder.field(field, required(read_schema(input)?)?);
            }
            builder
        }
        primitive => SchemaBuilder::new(primitive),
    }
    .with_optional(flags & OPTIONAL != 0);
    if let Some(name) = name {
        builder = builder.name(name);
    }
    if let Some(version) = version {
        builder = builder.version(version);
    }
    if let Some(doc) = doc {
        builder = builder.doc(doc);
    }
    for (key, value) in parameters {
        builder = builder.parameter(key, value);
    }
    if flags & DEFAULT != 0 {
        let schema = builder.clone().build();
        builder = builder.default_value(read_value(input, Some(&schema))?);
    }
    Ok(Some(builder.build()))
}

/// Writes `value`, tagged with its type.
pub fn write_value(out: &mut Writer, value: &Value) {
    match value {
        Value::Null => {
            out.u8(NULL);
        }
        Value::Int8(v) => {
            out.u8(tag(SchemaType::Int8)).u8(v.to_be_bytes()[0]);
        }
        Value::Int16(v) => {
            out.u8(tag(SchemaType::Int16)).i16(*v);
        }
        Value::Int32(v) => {
            out.u8(tag(SchemaType::Int32)).i32(*v);
        }
        Value::Int64(v) => {
            out.u8(tag(SchemaType::Int64)).i64(*v);
        }
        Value::Float32(v) => {
            out.u8(tag(SchemaType::Float32)).f32(*v);
        }
        Value::Float64(v) => {
            out.u8(tag(SchemaType::Float64)).f64(*v);
        }
        Value::Boolean(v) => {
            out.u8(tag(SchemaType::Boolean)).bool(*v);
        }
        Value::String(v) => {
            out.u8(tag(SchemaType::String)).string(v);
        }
        Value::Bytes(v) => {
            out.u8(tag(SchemaType::Bytes)).bytes(v);
        }
        Value::Array(items) => {
            out.u8(tag(SchemaType::Array)).count(items.len());
            items.iter().for_each(|item| write_value(out, item));
        }
        Value::Map(entries) => {
            out.u8(tag(SchemaType::Map)).count(entries.len());
            for (key, value) in entries {
                write_value(out, key);
                write_value(out, value);
            }
        }
        Value::Struct(s) => {
            out.u8(tag(SchemaType::Struct)).count(s.values().len());
            s.values().iter().for_each(|field| write_value(out, field));
        }
        Value::Decimal(d) => {
            out.u8(DECIMAL).i32(d.scale).bytes(&d.to_bytes());
        }
        Value::Date(days) => {
            out.u8(DATE).i64(i64::from(*days) * MILLIS_PER_DAY);
        }
        Value::Time(millis) => {
            out.u8(DATE).i64(i64::from(*millis));
        }
        Value::Timestamp(millis) => {
            out.u8(DATE).i64(*millis);
        }
    }
}

/// Reads a value of `schema` (`None` for schemaless data).
pub fn read_value(input: &mut Reader<'_>, schema: Option<&SchemaRef>) -> Result<Value, JavaError> {
    let tag = input.u8()?;
    let element = |pick: fn(&kconnect_api::Schema) -> Option<&SchemaRef>| schema.and_then(|s| pick(s));
    Ok(match tag {
        NULL => Value::Null,
        DECIMAL => {
            let scale = input.i32()?;
            Value::Decimal(Decimal::from_bytes(input.bytes()?, scale).map_err(|e| JavaError::Protocol(e.to_string()))?)
        }
        DATE => {
            let millis = input.i64()?;
            match schema.and_then(|s| s.name.as_deref()) {
                Some(DATE_NAME) => Value::Date(i32::try_from(millis.div_euclid(MILLIS_PER_DAY)).unwrap_or(i32::MAX)),
                Some(TIME_NAME) => Value::Time(i32::try_from(millis).unwrap_or(i32::MAX)),
                _ => Value::Timestamp(millis),
            }
        }
        _ => match schema_type(tag)? {
            SchemaType::Int8 => Value::Int8(i8::from_be_bytes([input.u8()?])),
            SchemaType::Int16 => Value::Int16(input.i16()?),
            SchemaType::Int32 => Value::Int32(input.i32()?),
            SchemaType::Int64 => Value::Int64(input.i64()?),
            SchemaType::Float32 => Value::Float32(input.f32()?),
            SchemaType::Float64 => Value::Float64(input.f64()?),
            SchemaType::Boolean => Value::Boolean(input.bool()?),
            SchemaType::String => Value::String(input.string()?),
            SchemaType::Bytes => Value::Bytes(input.bytes()?.to_vec()),
            SchemaType::Array => {
                let items = element(|s| s.value_schema.as_ref());
                Value::Array(
                    (0..input.count()?)
                        .map(|_| read_value(input, items))
                        .collect::<Result<_, _>>()?,
                )
            }
            SchemaType::Map => {
                let (keys, values) = (element(|s| s.key_schema.as_ref()), element(|s| s.value_schema.as_ref()));
                let entries = (0..input.count()?)
                    .map(|_| Ok((read_value(input, keys)?, read_value(input, values)?)))
                    .collect::<Result<_, JavaError>>()?;
                Value::Map(entries)
            }
            SchemaType::Struct => {
                let schema = schema.ok_or_else(|| JavaError::Protocol("a struct without a schema".into()))?;
                let count = input.count()?;
                let values = schema
                    .fields
                    .iter()
                    .take(count)
                    .map(|field| read_value(input, Some(&field.schema)))
                    .collect::<Result<_, _>>()?;
                Value::Struct(
                    Struct::with_values(schema.clone(), values).map_err(|e| JavaError::Protocol(e.to_string()))?,
                )
            }
        },
    })
}

/// A schemaless map of a source partition or offset, as Java's `Map<String, ?>`: JSON integers
/// as Long, other numbers as Double, as Apache's JsonConverter reads offsets back.
pub fn write_offset_map(out: &mut Writer, map: &OffsetMap) {
    let entries = map
        .iter()
        .map(|(key, value)| (Value::String(key.clone()), from_json(value)));
    write_value(out, &Value::Map(entries.collect()));
}

/// Reads a schemaless map written by the JVM as an offset map; Java's null reads as `None`.
pub fn read_offset_map(input: &mut Reader<'_>) -> Result<Option<OffsetMap>, JavaError> {
    fn json(value: Value) -> Result<serde_json::Value, JavaError> {
        Ok(match value {
            Value::Null => serde_json::Value::Null,
            Value::Boolean(b) => b.into(),
            Value::Int8(v) => v.into(),
            Value::Int16(v) => v.into(),
            Value::Int32(v) => v.into(),
            Value::Int64(v) => v.into(),
            Value::Float32(v) => f64::from(v).into(),
            Value::Float64(v) => v.into(),
            Value::String(s) => s.into(),
            Value::Array(items) => items.into_iter().map(json).collect::<Result<Vec<_>, _>>()?.into(),
            Value::Map(entries) => serde_json::Value::Object(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        Ok((
                            k.as_str().map(str::to_string).unwrap_or_else(|| k.to_string()),
                            json(v)?,
                        ))
                    })
                    .collect::<Result<_, JavaError>>()?,
            ),
            other => {
                return Err(JavaError::Protocol(format!(
                    "an offset holds a {}, which Apache's offset store cannot keep",
                    other.type_name()
                )));
            }
        })
    }
    match json(read_value(input, None)?)? {
        serde_json::Value::Null => Ok(None),
        serde_json::Value::Object(map) => Ok(Some(map)),
        other => Err(JavaError::Protocol(format!("an offset map that is {other}"))),
    }
}

fn write_schema_and_value(out: &mut Writer, data: &SchemaAndValue) {
    write_schema(out, data.schema.as_ref());
    write_value(out, &data.value);
}

fn read_schema_and_value(input: &mut Reader<'_>) -> Result<SchemaAndValue, JavaError> {
    let schema = read_schema(input)?;
    let value = read_value(input, schema.as_ref())?;
    Ok(SchemaAndValue::new(schema, value))
}

/// Reads what every record has: topic, partition, key, value, timestamp and headers.
pub fn read_core(input: &mut Reader<'_>) -> Result<RecordCore, JavaError> {
    let topic = input.string()?;
    let kafka_partition = input.optional_i32()?;
    let key = read_schema_and_value(input)?;
    let value = read_schema_and_value(input)?;
    let timestamp = input.optional_i64()?;
    let mut headers = Headers::new();
    for _ in 0..input.count()? {
        let name = input.string()?;
        let header = read_schema_and_value(input)?;
        headers.add(name, header.schema, header.value);
    }
    let mut core = RecordCore::new(topic, value);
    core.kafka_partition = kafka_partition;
    core.key = key;
    core.timestamp = timestamp;
    core.headers = headers;
    Ok(core)
}

fn write_core(out: &mut Writer, core: &RecordCore) {
    out.string(&core.topic).optional_i32(core.kafka_partition);
    write_schema_and_value(out, &core.key);
    write_schema_and_value(out, &core.value);
    out.optional_i64(core.timestamp);
    write_headers(out, &core.headers);
}

fn write_headers(out: &mut Writer, headers: &Headers) {
    out.count(headers.len());
    for Header { key, schema, value } in headers.iter() {
        out.string(key);
        write_schema(out, schema.as_ref());
        write_value(out, value);
    }
}

/// Reads a source record the JVM's task polled.
pub fn read_source_record(input: &mut Reader<'_>) -> Result<SourceRecord, JavaError> {
    let partition = read_offset_map(input)?.unwrap_or_default();
    let offset = read_offset_map(input)?.unwrap_or_default();
    Ok(SourceRecord::new(partition, offset, read_core(input)?))
}

/// A record of either kind as a Java transformation or predicate receives it: a source record
/// (kind 0) with its source partition and offset, or a sink record (kind 1).
pub trait ChainWire {
    /// Writes the record, its kind first.
    fn write_chain(&self, out: &mut Writer);
}

impl ChainWire for SourceRecord {
    fn write_chain(&self, out: &mut Writer) {
        out.u8(0);
        write_offset_map(out, &self.source_partition);
        write_offset_map(out, &self.source_offset);
        write_core(out, &self.core);
    }
}

impl ChainWire for SinkRecord {
    fn write_chain(&self, out: &mut Writer) {
        out.u8(1);
        write_sink_record(out, self);
    }
}

/// Writes a sink record for the JVM's task.
pub fn write_sink_record(out: &mut Writer, record: &SinkRecord) {
    out.string(&record.topic)
        .i32(record.kafka_partition.unwrap_or_default());
    write_schema_and_value(out, &record.key);
    write_schema_and_value(out, &record.value);
    out.i64(record.kafka_offset).optional_i64(record.timestamp);
    out.u8(match record.timestamp_type {
        TimestampType::CreateTime => 1,
        TimestampType::LogAppendTime => 2,
        TimestampType::NoTimestampType => 0,
    });
    write_headers(out, &record.headers);
    out.string(&record.original_topic)
        .i32(record.original_kafka_partition)
        .i64(record.original_kafka_offset);
}

/// Writes offsets as a count and (topic, partition, offset) triples.
pub fn write_partition_offsets(out: &mut Writer, offsets: &CommitOffsets) {
    out.count(offsets.len());
    for (partition, offset) in offsets {
        out.string(&partition.topic).i32(partition.partition).i64(*offset);
    }
}

/// Reads offsets written as [`write_partition_offsets`] writes them.
pub fn read_partition_offsets(input: &mut Reader<'_>) -> Result<CommitOffsets, JavaError> {
    (0..input.count()?)
        .map(|_| Ok((TopicPartition::new(input.string()?, input.i32()?), input.i64()?)))
        .collect()
}

/// Writes topic partitions as a count and (topic, partition) pairs.
pub fn write_partitions<'a>(out: &mut Writer, partitions: impl ExactSizeIterator<Item = &'a TopicPartition>) {
    out.count(partitions.len());
    for partition in partitions {
        out.string(&partition.topic).i32(partition.partition);
    }
}

/// Reads topic partitions written as [`write_partitions`] writes them.
pub fn read_partitions(input: &mut Reader<'_>) -> Result<Vec<TopicPartition>, JavaError> {
    (0..input.count()?)
        .map(|_| Ok(TopicPartition::new(input.string()?, input.i32()?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn round_trip(schema: &SchemaRef, value: &Value) -> (SchemaRef, Value) {
        let mut out = Writer::new();
        write_schema(&mut out, Some(schema));
        write_value(&mut out, value);
        let bytes = out.into_bytes();
        let mut input = Reader::new(&bytes);
        let schema = read_schema(&mut input).unwrap().unwrap();
        let value = read_value(&mut input, Some(&schema)).unwrap();
        assert!(input.rest().is_empty());
        (schema, value)
    }

    #[test]
    fn a_struct_of_every_type_reads_back_equal() {
        let (schema, value) = kconnect_test_kit::every_type_row();
        let (read_schema, read_value) = round_trip(&schema, &value);
        assert_eq!(read_schema, schema);
        assert_eq!(read_value, value);
    }

    #[test]
    fn offsets_keep_integers_as_longs() {
        let map: OffsetMap = serde_json::from_str(r#"{"position":42,"file":"a.txt","ratio":0.5}"#).unwrap();
        let mut out = Writer::new();
        write_offset_map(&mut out, &map);
        let bytes = out.into_bytes();
        assert_eq!(read_offset_map(&mut Reader::new(&bytes)).unwrap(), Some(map));
        assert_eq!(read_offset_map(&mut Reader::new(&[NULL])).unwrap(), None);
    }
}
