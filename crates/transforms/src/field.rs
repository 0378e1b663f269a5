//! Helpers shared by the field transformations: reading a record part as a struct (with schema) or
//! a map (schemaless), and their configuration keys.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance};
use kconnect_api::{ConnectError, Result, SchemaAndValue, SchemaBuilder, SchemaRef, Struct, Value};

/// A record part as the field transformations see it.
pub(crate) enum Fields<'a> {
    /// With a schema: a struct.
    Struct(&'a Struct),
    /// Schemaless: a map with string keys.
    Map(&'a [(Value, Value)]),
}

/// The record part as a struct or a map, or the error Apache gives when it is neither.
pub(crate) fn fields<'a>(has_schema: bool, value: &'a Value, purpose: &str) -> Result<Fields<'a>> {
    match (has_schema, value) {
        (true, Value::Struct(s)) => Ok(Fields::Struct(s)),
        (false, Value::Map(entries)) => Ok(Fields::Map(entries)),
        (true, other) => Err(ConnectError::data(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            other.type_name()
        ))),
        (false, other) => Err(ConnectError::data(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            other.type_name()
        ))),
    }
}

/// The value of `name` in a schemaless map.
pub(crate) fn map_get<'a>(entries: &'a [(Value, Value)], name: &str) -> Option<&'a Value> {
    entries.iter().find(|(k, _)| k.as_str() == Some(name)).map(|(_, v)| v)
}

/// A required STRING key.
pub(crate) fn required_string(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .importance(Importance::Medium)
        .doc(doc)
}

/// An optional STRING key without default.
pub(crate) fn optional_string(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::Null)
        .importance(Importance::Medium)
        .doc(doc)
}

/// A STRING key with a default, of high importance (as Apache's TimestampConverter and
/// TimestampRouter declare theirs).
pub(crate) fn string_with_default(name: &str, default: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::String)
        .default_value(ConfigValue::String(default.into()))
        .importance(Importance::High)
        .doc(doc)
}

/// A LIST key with an empty default.
pub(crate) fn list(name: &str, doc: &str) -> ConfigKey {
    ConfigKey::new(name, ConfigType::List)
        .default_value(ConfigValue::List(Vec::new()))
        .importance(Importance::Medium)
        .doc(doc)
}

/// `replace.null.with.default` (KIP-1040), default true.
pub(crate) fn replace_null_with_default() -> ConfigKey {
    ConfigKey::new("replace.null.with.default", ConfigType::Boolean)
        .default_value(ConfigValue::Boolean(true))
        .importance(Importance::Medium)
        .doc("Whether to replace fields that have a default value and that are null to the default value.")
}

/// A struct like `base` (same optionality, name and version) with exactly `fields`, each given as
/// name, schema and value, in order.
pub(crate) fn rebuild(base: &SchemaRef, fields: Vec<(String, SchemaRef, Value)>) -> Result<SchemaAndValue> {
    let mut builder = SchemaBuilder::struct_().with_optional(base.optional);
    if let Some(name) = &base.name {
        builder = builder.name(name);
    }
    if let Some(version) = base.version {
        builder = builder.version(version);
    }
    for (name, schema, _) in &fields {
        builder = builder.field(name, schema.clone());
    }
    let schema = builder.build();
    let mut updated = Struct::new(schema.clone())?;
    for (name, _, value) in fields {
        updated.set(&name, value)?;
    }
    Ok(SchemaAndValue::new(Some(schema), Value::Struct(updated)))
}

/// Each field of `original` as name, schema and value (as set, without defaults).
pub(crate) fn entries(original: &Struct) -> impl Iterator<Item = (String, SchemaRef, Value)> + '_ {
    original
        .schema()
        .fields
        .iter()
        .zip(original.values())
        .map(|(field, value)| (field.name.clone(), field.schema.clone(), value.clone()))
}
