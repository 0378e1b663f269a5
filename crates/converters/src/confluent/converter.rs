//! A converter on Confluent's wire format, shared by the Avro, JSON Schema and Protobuf converters: the
//! schemas registered in (or looked up from, or the latest of) a schema registry under the subject
//! the naming strategy gives, and cached both ways, so that after the first record of a schema
//! converting costs no call to the registry. A [`Format`] says how schemas and records are written.

use std::sync::Arc;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, Converter, Result, SchemaAndValue, SchemaRef, Value};
use kconnect_memo::{Memo, SchemaMemo};

use super::registry_client::{Credentials, RegistryClient};
use super::registry_tls;
use super::strategy::{STRATEGIES, Strategy, TOPIC_NAME_STRATEGY};
use super::wire;

const URL: &str = "schema.registry.url";
const CREDENTIALS_SOURCE: &str = "basic.auth.credentials.source";
const USER_INFO: &str = "basic.auth.user.info";
const BEARER_SOURCE: &str = "bearer.auth.credentials.source";
const BEARER_TOKEN: &str = "bearer.auth.token";
const AUTO_REGISTER: &str = "auto.register.schemas";
const USE_LATEST: &str = "use.latest.version";
const LATEST_STRICT: &str = "latest.compatibility.strict";
const KEY_STRATEGY: &str = "key.subject.name.strategy";
const VALUE_STRATEGY: &str = "value.subject.name.strategy";
const CACHE_SIZE: &str = "schemas.cache.config";
/// Confluent's default `schemas.cache.config`.
const DEFAULT_CACHE_SIZE: usize = 1000;

/// What a schema format (Avro, JSON Schema, Protobuf) brings to the converter.
pub trait Format: Default + Send + Sync + 'static {
    /// The registry's name for its schemas: `AVRO`, `JSON`, `PROTOBUF`.
    const SCHEMA_TYPE: &'static str;
    /// The converter, as its errors name it.
    const CONVERTER: &'static str;
    /// The record name an unnamed struct has, for the record name strategies.
    const UNNAMED: &'static str;
    /// What writing needs of a schema.
    type Writer: Send + Sync + 'static;
    /// What reading needs of a schema.
    type Reader: Send + Sync + 'static;

    /// Adds the format's own keys to the shared ones (none unless it has some).
    fn define(def: ConfigDef) -> ConfigDef {
        def
    }
    /// Reads the format's own keys.
    fn configure(&mut self, _parsed: &ParsedConfig) -> Result<()> {
        Ok(())
    }
    /// The registry text of a Connect schema, and its writer.
    fn writer(&self, schema: &SchemaRef) -> Result<(String, Self::Writer)>;
    /// The writer of the schema registered as `text`.
    fn writer_of_text(&self, text: &str) -> Result<Self::Writer>;
    /// The reader of the schema registered as `text`, referencing the schemas `referenced` as
    /// `(name, text)`, each after those it references.
    fn reader(&self, text: &str, referenced: &[(String, String)]) -> Result<Self::Reader>;
    /// Appends `value`, under `schema`, to `out`.
    fn write(&self, writer: &Self::Writer, schema: &SchemaRef, value: &Value, out: &mut Vec<u8>) -> Result<()>;
    /// The Connect data of one record (after the wire format's header).
    fn read(&self, reader: &Self::Reader, record: &[u8]) -> Result<SchemaAndValue>;
    /// Why data written with the schema registered as `writer` cannot be read with the one
    /// registered as `reader`, as Confluent's registry decides it; empty when it can.
    fn incompatibilities(&self, reader: &str, writer: &str) -> Result<Vec<String>>;
}

fn definition<F: Format>() -> ConfigDef {
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
    let shared = ConfigDef::new()
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
            ConfigKey::new(BEARER_SOURCE, ConfigType::String)
                .default_value(ConfigValue::String("STATIC_TOKEN".into()))
                .validator(Validator::one_of_ignore_case(&["STATIC_TOKEN"]))
                .importance(Importance::Medium)
                .doc("Where the bearer token comes from: STATIC_TOKEN (bearer.auth.token); Confluent's OAuth sources are not supported yet."),
        )
        .define(
            ConfigKey::new(BEARER_TOKEN, ConfigType::Password)
                .default_value(ConfigValue::Password(String::new()))
                .importance(Importance::Medium)
                .doc("A bearer token sent with every registry call, when set."),
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
        .define(
            ConfigKey::new(LATEST_STRICT, ConfigType::Boolean)
                .default_value(ConfigValue::Boolean(true))
                .importance(Importance::Low)
                .doc("With use.latest.version, refuse a record whose own schema's data the subject's latest schema cannot read (the latest must be backward compatible with it)."),
        )
        .define(strategy(KEY_STRATEGY))
        .define(strategy(VALUE_STRATEGY))
        .define(
            ConfigKey::new(CACHE_SIZE, ConfigType::Int)
                .default_value(ConfigValue::Int(DEFAULT_CACHE_SIZE as i32))
                .validator(Validator::AtLeast(1.0))
                .importance(Importance::Low)
                .doc("How many schemas are kept, each way."),
        );
    F::define(registry_tls::define(shared))
}

/// The credentials the keys give: a bearer token when set, else basic authentication's
/// `user:password` with `basic.auth.credentials.source=USER_INFO`.
fn credentials(parsed: &ParsedConfig) -> Result<Credentials> {
    let set = |key| parsed.string(key).filter(|value| !value.is_empty()).map(str::to_string);
    if let Some(token) = set(BEARER_TOKEN) {
        return Ok(Credentials::Bearer(token));
    }
    Ok(
        match parsed.get_string(CREDENTIALS_SOURCE)?.to_ascii_uppercase().as_str() {
            "USER_INFO" => set(USER_INFO).map_or(Credentials::None, Credentials::Basic),
            _ => Credentials::None,
        },
    )
}

/// A schema records are written with, and its registry id.
struct Registered<W> {
    id: i32,
    writer: W,
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
type WritersByTopic<W> = Arc<Memo<String, Arc<Registered<W>>>>;

/// A converter on Confluent's wire format in format `F`.
pub struct SchemaConverter<F: Format> {
    format: F,
    client: RegistryClient,
    is_key: bool,
    strategy: Strategy,
    auto_register: bool,
    use_latest: bool,
    latest_strict: bool,
    cache_size: usize,
    writers: SchemaMemo<WritersByTopic<F::Writer>>,
    readers: Memo<SchemaId, Arc<F::Reader>>,
}

impl<F: Format> Default for SchemaConverter<F> {
    fn default() -> Self {
        Self {
            format: F::default(),
            client: RegistryClient::default(),
            is_key: false,
            strategy: Strategy::default(),
            auto_register: true,
            use_latest: false,
            latest_strict: true,
            cache_size: DEFAULT_CACHE_SIZE,
            writers: SchemaMemo::new(DEFAULT_CACHE_SIZE),
            readers: Memo::new(DEFAULT_CACHE_SIZE),
        }
    }
}

impl<F: Format> SchemaConverter<F> {
    fn writer(&self, topic: &str, schema: &SchemaRef) -> Result<Arc<Registered<F::Writer>>> {
        let by_topic = self
            .writers
            .get_or_try_insert(schema, |_| Ok(Arc::new(Memo::new(self.cache_size))))?;
        by_topic.get_or_try_insert(topic, |topic| self.new_writer(topic, schema))
    }

    /// The writer of `schema` on `topic`: its id registered, looked up, or the subject's latest.
    fn new_writer(&self, topic: &str, schema: &SchemaRef) -> Result<Arc<Registered<F::Writer>>> {
        let subject = self.strategy.subject(topic, self.is_key, schema, F::UNNAMED)?;
        if self.use_latest {
            let (id, text) = self.client.latest(&subject, F::SCHEMA_TYPE)?;
            if self.latest_strict {
                let (own, _) = self.format.writer(schema)?;
                let problems = self.format.incompatibilities(&text, &own)?;
                if !problems.is_empty() {
                    return Err(ConnectError::data(format!(
                        "Incompatible schema {text} (the latest of {subject}, id {id}) of type {} for schema {own}: {}. Set latest.compatibility.strict=false to disable this check",
                        F::SCHEMA_TYPE,
                        problems.join("; ")
                    )));
                }
            }
            let writer = self.format.writer_of_text(&text)?;
            return Ok(Arc::new(Registered { id, writer }));
        }
        let (text, writer) = self.format.writer(schema)?;
        let id = if self.auto_register {
            self.client.register(&subject, F::SCHEMA_TYPE, &text)?
        } else {
            self.client.lookup(&subject, F::SCHEMA_TYPE, &text)?
        };
        Ok(Arc::new(Registered { id, writer }))
    }

    fn reader(&self, id: i32) -> Result<Arc<F::Reader>> {
        self.readers.get_or_try_insert(&SchemaId(id), |_| {
            let registered = self.client.schema(id, F::SCHEMA_TYPE)?;
            Ok(Arc::new(self.format.reader(&registered.text, &registered.referenced)?))
        })
    }
}

impl<F: Format> Converter for SchemaConverter<F> {
    fn config_def(&self) -> ConfigDef {
        definition::<F>()
    }

    fn configure(&mut self, config: &ConfigMap, is_key: bool) -> Result<()> {
        let parsed = definition::<F>().parse(config)?;
        let urls = parsed.list(URL);
        if urls.is_empty() {
            return Err(ConnectError::config(URL, "the schema registry's URL is required"));
        }
        self.format.configure(&parsed)?;
        self.client = RegistryClient::new(urls, credentials(&parsed)?, registry_tls::tls_config(&parsed)?);
        self.is_key = is_key;
        self.strategy = Strategy::of_class(parsed.get_string(if is_key { KEY_STRATEGY } else { VALUE_STRATEGY })?);
        self.auto_register = parsed.get_boolean(AUTO_REGISTER)?;
        self.use_latest = parsed.get_boolean(USE_LATEST)?;
        self.latest_strict = parsed.get_boolean(LATEST_STRICT)?;
        self.cache_size = parsed.get_int(CACHE_SIZE)?.max(1) as usize;
        self.writers = SchemaMemo::new(self.cache_size);
        self.readers = Memo::new(self.cache_size);
        Ok(())
    }

    fn to_bytes(&self, topic: &str, schema: Option<&SchemaRef>, value: &Value) -> Result<Option<Vec<u8>>> {
        if value.is_null() {
            return Ok(None);
        }
        let schema = schema.ok_or_else(|| {
            ConnectError::data(format!(
                "the {} writes values with a schema; this one has none",
                F::CONVERTER
            ))
        })?;
        let registered = self.writer(topic, schema)?;
        let mut bytes = wire::header(registered.id, 64);
        self.format.write(&registered.writer, schema, value, &mut bytes)?;
        Ok(Some(bytes))
    }

    fn to_connect(&self, topic: &str, bytes: Option<&[u8]>) -> Result<SchemaAndValue> {
        let Some(bytes) = bytes else {
            return Ok(SchemaAndValue::NULL);
        };
        let (id, record) = wire::split(topic, bytes)?;
        self.format.read(&*self.reader(id)?, record)
    }
}

/// Writes `value` under `schema` with `format`'s own writer and reads it back with the reader of
/// the text it registers: the text, the record's bytes, and what was read.
#[cfg(test)]
pub(crate) fn round_trip<F: Format>(
    format: &F,
    schema: &SchemaRef,
    value: &Value,
) -> (String, Vec<u8>, SchemaAndValue) {
    let (text, writer) = format.writer(schema).unwrap();
    let mut bytes = Vec::new();
    format.write(&writer, schema, value, &mut bytes).unwrap();
    let read = format.read(&format.reader(&text, &[]).unwrap(), &bytes).unwrap();
    (text, bytes, read)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::avro::AvroFormat;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        let mut config: ConfigMap = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        config.insert(URL.into(), "http://registry:8081".into());
        config
    }

    fn credentials_of(pairs: &[(&str, &str)]) -> Credentials {
        credentials(&definition::<AvroFormat>().parse(&config(pairs)).unwrap()).unwrap()
    }

    #[test]
    fn a_bearer_token_else_user_info_when_asked() {
        assert_eq!(credentials_of(&[]), Credentials::None);
        assert_eq!(
            credentials_of(&[(USER_INFO, "u:p")]),
            Credentials::None,
            "basic.auth.credentials.source=URL by default"
        );
        assert_eq!(
            credentials_of(&[(CREDENTIALS_SOURCE, "USER_INFO"), (USER_INFO, "u:p")]),
            Credentials::Basic("u:p".into())
        );
        assert_eq!(credentials_of(&[(BEARER_TOKEN, "t")]), Credentials::Bearer("t".into()));
        let oauth = config(&[(BEARER_SOURCE, "OAUTHBEARER")]);
        let err = definition::<AvroFormat>().parse(&oauth).unwrap_err().to_string();
        assert!(err.contains(BEARER_SOURCE), "{err}");
    }
}
