//! What a record becomes in Redis under each `redis.command`, as Redis Inc.'s sink writes it: the
//! Redis key from `redis.key` (`${topic}` put in) and the record key, the value as a string, a
//! hash or stream entry of its fields, a JSON document or a score. A tombstone (null value)
//! deletes: the key (SET, HSET, JSONSET, JSONMERGE) or the member (SADD, ZADD, LPUSH, RPUSH).

use kconnect_api::values::to_display_string;
use kconnect_api::{ConfigMap, ConnectError, Converter, Result, SinkRecord, Value};
use kconnect_converters::JsonConverter;
use redis::Cmd;

use super::config::SinkConfig;
use crate::body::text_of;

/// Builds each record's command.
pub(crate) struct Commands {
    config: SinkConfig,
    json: JsonConverter,
}

impl Commands {
    /// Commands as `config` says.
    pub fn new(config: SinkConfig) -> Result<Self> {
        let mut json = JsonConverter::default();
        let schemaless: ConfigMap = [("schemas.enable".to_string(), "false".to_string())].into();
        json.configure(&schemaless, false)?;
        Ok(Self { config, json })
    }

    /// The command writing `record`; a record the command cannot take is a data error.
    pub fn command(&self, record: &SinkRecord) -> Result<Cmd> {
        let value = &record.core.value.value;
        let tombstone = value.is_null();
        let command = match (self.config.command.as_str(), tombstone) {
            ("SET", false) => with_args("SET", [self.key(record)?, string_or_bytes("value", value)?]),
            ("HSET", false) => with_fields(with_args("HSET", [self.key(record)?]), value)?,
            ("XADD", false) => with_fields(with_args("XADD", [self.collection(record), b"*".to_vec()]), value)?,
            ("JSONSET", false) => with_args("JSON.SET", [self.key(record)?, b"$".to_vec(), self.json(record)?]),
            ("JSONMERGE", false) => with_args(
                "JSON.MERGE",
                [
                    self.key(record)?,
                    self.json_path(record).into_bytes(),
                    self.json(record)?,
                ],
            ),
            ("SET" | "HSET" | "DEL", _) => with_args("DEL", [self.key(record)?]),
            ("JSONSET" | "JSONMERGE", true) => with_args("JSON.DEL", [self.key(record)?]),
            ("LPUSH" | "RPUSH" | "SADD", false) => {
                with_args(&self.config.command, [self.collection(record), member(record)?])
            }
            ("LPUSH" | "RPUSH", true) => with_args("LREM", [self.collection(record), b"0".to_vec(), member(record)?]),
            ("SADD", true) => with_args("SREM", [self.collection(record), member(record)?]),
            ("ZADD", false) => with_args(
                "ZADD",
                [
                    self.collection(record),
                    number("value", value)?.to_string().into_bytes(),
                    member(record)?,
                ],
            ),
            ("ZADD", true) => with_args("ZREM", [self.collection(record), member(record)?]),
            ("TSADD", _) => {
                let timestamp = number("key", &record.core.key.value)? as i64;
                with_args(
                    "TS.ADD",
                    [
                        self.collection(record),
                        timestamp.to_string().into_bytes(),
                        number("value", value)?.to_string().into_bytes(),
                    ],
                )
            }
            (other, _) => return Err(ConnectError::Fatal(format!("no Redis command {other}"))),
        };
        Ok(command)
    }

    /// A non-collection record's Redis key: `redis.key`, the separator and the record key; the
    /// record key itself when `redis.key` is empty.
    fn key(&self, record: &SinkRecord) -> Result<Vec<u8>> {
        let key = &record.core.key.value;
        if self.config.keyspace.is_empty() {
            return string_or_bytes("key", key);
        }
        let key = match key {
            Value::Null => "null".to_string(),
            other => text_of(other).unwrap_or_else(|| to_display_string(other)),
        };
        let keyspace = self.config.keyspace_of(&record.core.topic);
        Ok(format!("{keyspace}{}{key}", self.config.separator).into_bytes())
    }

    /// A collection's Redis key: `redis.key` with the record's topic put in.
    fn collection(&self, record: &SinkRecord) -> Vec<u8> {
        self.config.keyspace_of(&record.core.topic).into_bytes()
    }

    /// The value as a JSON document: text and bytes as they are, anything else as the
    /// JsonConverter writes it without schemas.
    fn json(&self, record: &SinkRecord) -> Result<Vec<u8>> {
        let value = &record.core.value;
        match &value.value {
            Value::Bytes(bytes) => Ok(bytes.clone()),
            Value::String(text) => Ok(text.clone().into_bytes()),
            _ => Ok(self
                .json
                .to_bytes(&record.core.topic, value.schema.as_ref(), &value.value)?
                .unwrap_or_default()),
        }
    }

    /// JSONMERGE's path: the value of the header `redis.json.path` names, else the fixed path.
    fn json_path(&self, record: &SinkRecord) -> String {
        record
            .core
            .headers
            .iter()
            .find(|header| header.key == self.config.json_path_header)
            .and_then(|header| text_of(&header.value))
            .unwrap_or_else(|| self.config.fixed_json_path.clone())
    }
}

fn with_args<const N: usize>(name: &str, args: [Vec<u8>; N]) -> Cmd {
    let mut command = redis::cmd(name);
    for arg in args {
        command.arg(arg);
    }
    command
}

/// `command` followed by the value's fields and values (a struct's fields, a map's entries), each
/// value as text; null fields are left out.
fn with_fields(mut command: Cmd, value: &Value) -> Result<Cmd> {
    let fields: Vec<(String, &Value)> = match value {
        Value::Struct(fields) => fields
            .schema()
            .fields
            .iter()
            .map(|field| field.name.clone())
            .zip(fields.values())
            .collect(),
        Value::Map(entries) => entries
            .iter()
            .map(|(key, value)| (text_of(key).unwrap_or_else(|| to_display_string(key)), value))
            .collect(),
        other => {
            return Err(ConnectError::data(format!(
                "the record value must be a struct or a map to become fields, not {}: use a converter that gives one",
                other.type_name()
            )));
        }
    };
    let mut written = 0;
    for (name, value) in fields {
        if !value.is_null() {
            command
                .arg(name)
                .arg(text_of(value).unwrap_or_else(|| to_display_string(value)));
            written += 1;
        }
    }
    if written == 0 {
        return Err(ConnectError::data("the record value has no non-null field to write"));
    }
    Ok(command)
}

/// The record key as a collection member.
fn member(record: &SinkRecord) -> Result<Vec<u8>> {
    string_or_bytes("key", &record.core.key.value)
}

/// Text or bytes, as Redis takes them; anything else is a data error naming the converters.
fn string_or_bytes(what: &str, value: &Value) -> Result<Vec<u8>> {
    match value {
        Value::String(text) => Ok(text.clone().into_bytes()),
        Value::Bytes(bytes) => Ok(bytes.clone()),
        _ => Err(ConnectError::data(format!(
            "the record {what} must be a string or bytes for Redis, not {}: use the StringConverter or ByteArrayConverter",
            value.type_name()
        ))),
    }
}

/// A number, as a score or a sample.
fn number(what: &str, value: &Value) -> Result<f64> {
    match value {
        Value::Int8(v) => Ok(f64::from(*v)),
        Value::Int16(v) => Ok(f64::from(*v)),
        Value::Int32(v) => Ok(f64::from(*v)),
        Value::Int64(v) => Ok(*v as f64),
        Value::Float32(v) => Ok(f64::from(*v)),
        Value::Float64(v) => Ok(*v),
        Value::Timestamp(v) => Ok(*v as f64),
        _ => Err(ConnectError::data(format!(
            "the record {what} must be a number, not {}: a transformation can make it one",
            value.type_name()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::config::PluginConfig;
    use kconnect_api::record::TimestampType;
    use kconnect_api::{RecordCore, Schema, SchemaAndValue, SchemaBuilder, Struct};

    use super::*;

    fn commands(pairs: &[(&str, &str)]) -> Commands {
        let raw: ConfigMap = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Commands::new(SinkConfig::parse(&raw).unwrap()).unwrap()
    }

    fn record(key: Value, value: Value) -> SinkRecord {
        let mut core = RecordCore::new("orders", SchemaAndValue::new(None, value));
        core.key = SchemaAndValue::new(None, key);
        SinkRecord::new(core, 0, 0, TimestampType::CreateTime)
    }

    fn packed(command: &Cmd) -> Vec<String> {
        command
            .args_iter()
            .map(|arg| match arg {
                redis::Arg::Simple(bytes) => String::from_utf8_lossy(bytes).into_owned(),
                redis::Arg::Cursor => "<cursor>".into(),
                _ => "<other>".into(),
            })
            .collect()
    }

    #[test]
    fn a_struct_becomes_a_stream_entry_of_its_fields() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int32())
            .field("name", Schema::optional_string())
            .build();
        let value = Struct::with_values(schema, vec![Value::Int32(7), Value::Null]).unwrap();
        let command = commands(&[])
            .command(&record(Value::Null, Value::Struct(value)))
            .unwrap();
        assert_eq!(packed(&command), ["XADD", "orders", "*", "id", "7"]);
    }

    #[test]
    fn keys_join_the_keyspace_and_tombstones_delete() {
        let set = commands(&[("redis.command", "SET")]);
        let written = set
            .command(&record(Value::Int64(1), Value::String("a".into())))
            .unwrap();
        assert_eq!(packed(&written), ["SET", "orders:1", "a"]);
        let deleted = set.command(&record(Value::Int64(1), Value::Null)).unwrap();
        assert_eq!(packed(&deleted), ["DEL", "orders:1"]);
        let passthrough = commands(&[("redis.command", "SET"), ("redis.key", "")]);
        let error = passthrough
            .command(&record(Value::Int64(1), Value::String("a".into())))
            .unwrap_err();
        assert!(error.is_data(), "{error}");
    }

    #[test]
    fn members_and_scores_come_from_key_and_value() {
        let zadd = commands(&[("redis.command", "ZADD"), ("redis.key", "scores")]);
        let added = zadd
            .command(&record(Value::String("ann".into()), Value::Float64(2.5)))
            .unwrap();
        assert_eq!(packed(&added), ["ZADD", "scores", "2.5", "ann"]);
        let removed = zadd.command(&record(Value::String("ann".into()), Value::Null)).unwrap();
        assert_eq!(packed(&removed), ["ZREM", "scores", "ann"]);
        let error = zadd
            .command(&record(Value::String("ann".into()), Value::String("x".into())))
            .unwrap_err();
        assert!(error.is_data(), "{error}");
    }

    #[test]
    fn json_documents_are_written_as_the_json_converter_writes_them() {
        let jsonset = commands(&[("redis.command", "JSONSET")]);
        let map = Value::Map(vec![(Value::String("a".into()), Value::Int32(1))]);
        let command = jsonset.command(&record(Value::String("k".into()), map)).unwrap();
        assert_eq!(packed(&command), ["JSON.SET", "orders:k", "$", r#"{"a":1}"#]);
    }
}
