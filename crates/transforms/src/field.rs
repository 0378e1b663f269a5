//! Helpers shared by the field transformations: reading a record part as a struct (with schema) or
//! a map (schemaless), and their configuration keys.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance};
use kconnect_api::{ConnectError, Result, SchemaAndValue, SchemaBuilder, SchemaRef, Struct, Value};
use kconnect_memo::SchemaMemo;

/// A record part as the field transformations see it: a struct (with a schema) or a map with
/// string keys (schemaless), borrowed or owned.
pub(crate) enum Fields<S, M> {
    /// With a schema: a struct.
    Struct(S),
    /// Schemaless: a map.
    Map(M),
}

/// The error Apache gives when a record part is neither a struct with a schema nor a schemaless map.
fn not_fields(has_schema: bool, value: &Value, purpose: &str) -> ConnectError {
    if has_schema {
        ConnectError::data(format!(
            "Only Struct objects supported for [{purpose}], found: {}",
            value.type_name()
        ))
    } else {
        ConnectError::data(format!(
            "Only Map objects supported in absence of schema for [{purpose}], found: {}",
            value.type_name()
        ))
    }
}

/// The record part as a struct or a map, or the error Apache gives when it is neither.
pub(crate) fn fields<'a>(
    has_schema: bool,
    value: &'a Value,
    purpose: &str,
) -> Result<Fields<&'a Struct, &'a [(Value, Value)]>> {
    match (has_schema, value) {
        (true, Value::Struct(s)) => Ok(Fields::Struct(s)),
        (false, Value::Map(entries)) => Ok(Fields::Map(entries)),
        (_, other) => Err(not_fields(has_schema, other, purpose)),
    }
}

/// As [`fields`], but taking the struct or map out of `value` (left null), so that a transformation
/// moves the values it keeps instead of copying them; on error `value` is left as it was.
pub(crate) fn take_fields(
    has_schema: bool,
    value: &mut Value,
    purpose: &str,
) -> Result<Fields<Struct, Vec<(Value, Value)>>> {
    match (has_schema, std::mem::replace(value, Value::Null)) {
        (true, Value::Struct(s)) => Ok(Fields::Struct(s)),
        (false, Value::Map(entries)) => Ok(Fields::Map(entries)),
        (_, other) => {
            let err = not_fields(has_schema, &other, purpose);
            *value = other;
            Err(err)
        }
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
/// name, schema and value, in order. Its schema is built on the first record of each `base` and
/// then taken from `schemas`, as Apache's transformations keep theirs: for one `base`, `fields`
/// must always name the same fields with the same schemas.
pub(crate) fn rebuild(
    schemas: &SchemaMemo<SchemaRef>,
    base: &SchemaRef,
    fields: Vec<(&str, SchemaRef, Value)>,
) -> Result<SchemaAndValue> {
    rebuild_as(schemas, base, base.optional, fields)
}

/// As [`rebuild`], the struct `optional` or required whatever `base` is.
pub(crate) fn rebuild_as(
    schemas: &SchemaMemo<SchemaRef>,
    base: &SchemaRef,
    optional: bool,
    fields: Vec<(&str, SchemaRef, Value)>,
) -> Result<SchemaAndValue> {
    let schema = schemas.get_or_try_insert(base, |base| {
        let mut builder = SchemaBuilder::struct_().with_optional(optional);
        if let Some(name) = &base.name {
            builder = builder.name(name);
        }
        if let Some(version) = base.version {
            builder = builder.version(version);
        }
        for (name, schema, _) in &fields {
            builder = builder.field(*name, schema.clone());
        }
        Ok(builder.build())
    })?;
    let values = fields.into_iter().map(|(_, _, value)| value).collect();
    let updated = Struct::with_values(schema.clone(), values)?;
    Ok(SchemaAndValue::new(Some(schema), Value::Struct(updated)))
}

/// Each field of `schema` as name, schema and value, with `values` given in field order.
pub(crate) fn entries<'a>(
    schema: &'a SchemaRef,
    values: impl IntoIterator<Item = Value> + 'a,
) -> impl Iterator<Item = (&'a str, SchemaRef, Value)> + 'a {
    schema
        .fields
        .iter()
        .zip(values)
        .map(|(field, value)| (field.name.as_str(), field.schema.clone(), value))
}

/// Each field of `original` as name, schema and a copy of its value (as set, without defaults).
pub(crate) fn copied_entries(original: &Struct) -> impl Iterator<Item = (&str, SchemaRef, Value)> + '_ {
    entries(original.schema(), original.values().iter().cloned())
}
