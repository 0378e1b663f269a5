//! `io.confluent.connect.avro.AvroConverter`: Connect data as Avro on the Confluent wire format (a
//! zero byte, the schema's registry id in four big-endian bytes, then the Avro binary datum), the
//! schemas registered in (or looked up from) a schema registry under the subject the naming
//! strategy gives, and cached both ways: after the first record of a schema, converting costs no
//! call to the registry.

use std::sync::Arc;

use apache_avro::Schema as AvroSchema;
use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, Converter, Result, SchemaAndValue, SchemaRef, SchemaType, Value,
};
use kconnect_memo::{Memo, SchemaMemo};

use super::connect::connect_value;
use super::connect_schema::connect_schema;
use super::data::{avro_schema, avro_value};
use super::registry_client::RegistryClient;

const MAGIC: u8 = 0;
const URL: &str = "schema.registry.url";
const CREDENTIALS_SOURCE: &str = "basic.auth.credentials.source";
const USER_INFO: &str = "basic.auth.user.info";
const AUTO_REGISTER: &str = "auto.register.schemas";
const USE_LATEST: &str = "use.latest.version";
const KEY_STRATEGY: &str = "key.subject.name.strategy";
const VALUE_STRATEGY: &str = "value.subject.name.strategy";
const CACHE_SIZE: &str = "schemas.cache.config";
/// Confluent's default `schemas.cache.config`.
const DEFAULT_CACHE_SIZE: usize = 1000;
const TOPIC_NAME_STRATEGY: &str = "io.confluent.kafka.serializers.subject.TopicNameStrategy";
const STRATEGIES: [&str; 3] = ["TopicNameStrategy", "RecordNameStrategy", "TopicRecordNameStrategy"];
/// The name AvroData gives an unnamed struct's record.
const DEFAULT_RECORD: &str = "io.confluent.connect.avro.ConnectDefault";

fn definition() -> ConfigDef {
    let strategy = |name: &'static str| {
        ConfigKey::new(name, ConfigType::Class)
            .default_value(ConfigValue::Class(TOPIC_NAME_STRATEGY.into()))
            .validator(Validator::Custom(Arc::new(|value: &ConfigValue| {
                let class = value.to_config_string().unwrap_or_default();
                let simple = class.rsplit('.').next().unwrap_or_default();
                if STRATEGIES.contains(&simple) {
                    Ok(())
                } else {
                    Err(format!("{class} is not one of {}", STRATEGIES.join(", ")))
                }
            })))
            .importance(Importance::Medium)
            .doc("How the subject is named: TopicNameStrategy (`<topic>-key`/`-value`), RecordNameStrategy (the record's full name) or TopicRecordNameStrategy (`<topic>-<record>`).")
    };
    ConfigDef::new()
        .define(
            ConfigKey::new(URL, ConfigType::List)
                .importance(Importance::High)
                .doc("The schema registry's URLs, tried in turn."),
        )
        .define(
            ConfigKey::new(CREDENTIALS_SOURCE, ConfigType::String)
                .default_value(ConfigValue::String("URL".into()))
                .validator(Validator::one_of_ignore_case(&["URL", "USER_INFO"]))
                .importance(Importance::Medium)
                .doc("Where basic authentication's credentials come from: USER_INFO (basic.auth.user.info) or URL (user:password@ in the URL)."),
        )
        .define(
            ConfigKey::new(USER_INFO, ConfigType::Password)
                .default_value(ConfigValue::Password(String::new()))
                .importance(Importance::Medium)
                .doc("`user:password` for basic authentication, with basic.auth.credentials.source=USER_INFO."),
        )
        .define(
            ConfigKey::new(AUTO_REGISTER, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Medium)
                .doc("Register each new schema; when false, the schema must be registered under the subject already."),
        )
        .define(
            ConfigKey::new(USE_LATEST, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(false))
                .importance(Importance::Low)
                .doc("Write with the subject's latest schema instead of registering the record's."),
        )
        .define(strategy(KEY_STRATEGY))
        .define(strategy(VALUE_STRATEGY))
        .define(
            ConfigKey::new(CACHE_SIZE, ConfigType::Int)
                .default_value(ConfigValue::Int(DEFAULT_CACHE_SIZE as i32))
                .validator(Validator::AtLeast(1.0))
                .importance(Importance::Low)
                .doc("How many schemas are kept, each way."),
        )
}

/// How subjects are named: after the topic, the record, or both (Confluent's
/// TopicNameStrategy, RecordNameStrategy and TopicRecordNameStrategy).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Strategy {
    #[default]
    Topic,
    Record,
    TopicRecord,
}

impl Strategy {
    fn of_class(class: &str) -> Self {
        match class.rsplit('.').next() {
            Some("RecordNameStrategy") => Self::Record,
            Some("TopicRecordNameStrategy") => Self::TopicRecord,
            _ => Self::Topic,
        }
    }

    fn subject(self, topic: &str, is_key: bool, schema: &SchemaRef) -> Result<String> {
        let record = || match schema.schema_type {
            SchemaType::Struct => Ok(schema.name.clone().unwrap_or_else(|| DEFAULT_RECORD.into())),
            other => Err(ConnectError::data(format!(
                "a record name strategy needs a struct schema, not {other}"
            ))),
        };
        Ok(match self {
            Self::Topic => format!("{topic}-{}", if is_key { "key" } else { "value" }),
            Self::Record => record()?,
            Self::TopicRecord => format!("{topic}-{}", record()?),
        })
    }
}

/// A schema records are written with: its Avro form and its registry id.
struct Writer {
    avro: AvroSchema,
    id: i32,
}

/// A schema records are read with: its Avro form and its Connect form.
struct Reader {
    avro: AvroSchema,
    connect: SchemaRef,
}

/// A registry id, as a memo key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
struct SchemaId(i32);

impl From<&SchemaId> for SchemaId {
    fn from(id: &SchemaId) -> Self {
        *id
    }
}

/// The writers of one Connect schema, by topic (the subject follows from the topic and schema).
type WritersByTopic = Arc<Memo<String, Arc<Writer>>>;

/// The Avro converter.
pub struct AvroConverter {
    client: RegistryClient,
    is_key: bool,
    strategy: Strategy,
    auto_register: bool,
    use_latest: bool,
    cache_size: usize,
    writers: SchemaMemo<WritersByTopic>,
    readers: Memo<SchemaId, Arc<Reader>>,
}

impl Default for AvroConverter {
    fn default() -> Self {
        Self {
            client: RegistryClient::default(),
            is_key: false,
            strategy: Strategy::default(),
            auto_register: true,
            use_latest: false,
            cache_size: DEFAULT_CACHE_SIZE,
            writers: SchemaMemo::new(DEFAULT_CACHE_SIZE),
            readers: Memo::new(DEFAULT_CACHE_SIZE),
        }
    }
}

fn avro_error(err: apache_avro::Error) -> ConnectError {
    ConnectError::data(format!("Avro: {err}"))
}

/// The error for bytes that do not start with the magic byte, saying what they look like.
fn unknown_magic(topic: &str, bytes: &[u8]) -> ConnectError {
    let looks_like = match bytes.first() {
        Some(b'{' | b'[') => "JSON (written by a JsonConverter?)",
        _ if bytes.starts_with(b"Obj\x01") => "an Avro container file, not a single record",
        _ if std::str::from_utf8(bytes).is_ok() => "text (written by a StringConverter?)",
        _ => "neither JSON nor text",
    };
    ConnectError::data(format!(
        "Unknown magic byte! The {} bytes read from topic {topic} were not written on the Confluent wire format \
         (a zero byte and a schema id first); they look like {looks_like}",
        bytes.len()
    ))
}

impl AvroConverter {
    fn writer(&self, topic: &str, schema: &SchemaRef) -> Result<Arc<Writer>> {
        let by_topic = self
            .writers
            .get_or_try_insert(schema, |_| Ok(Arc::new(Memo::new(self.cache_size))))?;
        by_topic.get_or_try_insert(topic, |topic| self.new_writer(topic, schema))
    }

    /// The writer of `schema` on `topic`: its id registered, looked up, or the subject's latest.
    fn new_writer(&self, topic: &str, schema: &SchemaRef) -> Result<Arc<Writer>> {
        let subject = self.strategy.subject(topic, self.is_key, schema)?;
        if self.use_latest {
            let (id, text) = self.client.latest(&subject)?;
            let avro = AvroSchema::parse_str(&text).map_err(avro_error)?;
            return Ok(Arc::new(Writer { avro, id }));
        }
        let (avro, json) = avro_schema(schema)?;
        let id = if self.auto_register {
            self.client.register(&subject, &json)?
        } else {
            self.client.lookup(&subject, &json)?
        };
        Ok(Arc::new(Writer { avro, id }))
    }

    fn reader(&self, id: i32) -> Result<Arc<Reader>> {
        self.readers.get_or_try_insert(&SchemaId(id), |_| {
            let text = self.client.schema(id)?;
            let json: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| ConnectError::data(format!("schema {id} is not JSON: {e}")))?;
            Ok(Arc::new(Reader {
                connect: connect_schema(&json)?,
                avro: AvroSchema::parse(&json).map_err(avro_error)?,
            }))
        })
    }
}

impl Converter for AvroConverter {
    fn config_def(&self) -> ConfigDef {
        definition()
    }

    fn configure(&mut self, config: &ConfigMap, is_key: bool) -> Result<()> {
        let parsed = definition().parse(config)?;
        let urls = parsed.list(URL);
        if urls.is_empty() {
            return Err(ConnectError::config(URL, "the schema registry's URL is required"));
        }
        let user_info = match parsed.get_string(CREDENTIALS_SOURCE)?.to_ascii_uppercase().as_str() {
            "USER_INFO" => parsed
                .string(USER_INFO)
                .filter(|info| !info.is_empty())
                .map(str::to_string),
            _ => None,
        };
        self.client = RegistryClient::new(urls, user_info);
        self.is_key = is_key;
        self.strategy = Strategy::of_class(parsed.get_string(if is_key { KEY_STRATEGY } else { VALUE_STRATEGY })?);
        self.auto_register = parsed.get_boolean(AUTO_REGISTER)?;
        self.use_latest = parsed.get_boolean(USE_LATEST)?;
        self.cache_size = parsed.get_int(CACHE_SIZE)?.max(1) as usize;
        self.writers = SchemaMemo::new(self.cache_size);
        self.readers = Memo::new(self.cache_size);
        Ok(())
    }

    fn to_bytes(&self, topic: &str, schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
        if value.is_null() {
            return Ok(None);
        }
        let schema = schema
            .ok_or_else(|| ConnectError::data("the AvroConverter writes values with a schema; this one has none"))?;
        let writer = self.writer(topic, schema)?;
        let datum = apache_avro::to_avro_datum(&writer.avro, avro_value(schema, value)?).map_err(avro_error)?;
        let mut bytes = Vec::with_capacity(5 + datum.len());
        bytes.push(MAGIC);
        bytes.extend_from_slice(&writer.id.to_be_bytes());
        bytes.extend_from_slice(&datum);
        Ok(Some(bytes))
    }

    fn to_connect(&self, topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::NULL);
        };
        if bytes.len() < 5 || bytes[0] != MAGIC {
            return Err(unknown_magic(topic, bytes));
        }
        let id = i32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
        let reader = self.reader(id)?;
        let value = apache_avro::from_avro_datum(&reader.avro, &mut &bytes[5..], None).map_err(avro_error)?;
        Ok(SchemaAndValue::new(
            Some(reader.connect.clone()),
            connect_value(&reader.connect, value)?,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subjects_follow_the_strategy() {
        let named = kconnect_api::SchemaBuilder::struct_().name("shop.Order").build();
        let subject = |strategy: Strategy, is_key| strategy.subject("orders", is_key, &named).unwrap();
        assert_eq!(subject(Strategy::Topic, true), "orders-key");
        assert_eq!(subject(Strategy::Topic, false), "orders-value");
        assert_eq!(subject(Strategy::Record, false), "shop.Order");
        assert_eq!(subject(Strategy::TopicRecord, false), "orders-shop.Order");
        let string = kconnect_api::Schema::string();
        assert!(Strategy::Record.subject("orders", false, &string).is_err());
    }

    #[test]
    fn bytes_without_the_magic_byte_say_what_they_look_like() {
        let converter = AvroConverter::default();
        let err = converter.to_connect("orders", Some(b"{\"id\": 1}")).unwrap_err();
        assert!(
            err.to_string().contains("Unknown magic byte!") && err.to_string().contains("JSON"),
            "{err}"
        );
        assert!(err.to_string().contains("orders"), "{err}");
    }
}
