//! `io.debezium.transforms.ByLogicalTableRouter`: the change events of several physical tables
//! (shards, partitions) go to one logical topic. The key gains a field naming the physical table,
//! so that equal keys of different tables stay apart, and the key, envelope and row schemas are
//! renamed after the new topic.

use std::sync::Arc;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance};
use kconnect_api::schema::{Field, Schema, SchemaRef};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, Struct, Transformation, Value,
};
use kconnect_memo::SchemaMemo;
use regex::Regex;

use super::envelope_of;
use crate::field::{required_string, string_with_default};
use crate::regex_router::rust_replacement;

const TOPIC_REGEX: &str = "topic.regex";
const TOPIC_REPLACEMENT: &str = "topic.replacement";
const KEY_ENFORCE_UNIQUENESS: &str = "key.enforce.uniqueness";
const KEY_FIELD_NAME: &str = "key.field.name";
const KEY_FIELD_REGEX: &str = "key.field.regex";
const KEY_FIELD_REPLACEMENT: &str = "key.field.replacement";

/// A whole-name regular expression and its replacement, as Java's `Matcher.replaceFirst`.
#[derive(Debug)]
struct Rename {
    regex: Regex,
    replacement: String,
}

impl Rename {
    fn new(key: &str, regex: &str, replacement: &str) -> Result<Self> {
        let regex = Regex::new(&format!("^(?:{regex})$"))
            .map_err(|err| ConnectError::config(key, format!("Invalid regex: {err}")))?;
        Ok(Self {
            regex,
            replacement: rust_replacement(replacement),
        })
    }

    /// `name` renamed, if the expression matches all of it.
    fn apply(&self, name: &str) -> Option<String> {
        self.regex
            .is_match(name)
            .then(|| self.regex.replace(name, self.replacement.as_str()).into_owned())
    }
}

/// The router.
#[derive(Default)]
pub struct ByLogicalTableRouter {
    topic: Option<Rename>,
    key_field: Option<Rename>,
    key_field_name: String,
    unique: bool,
    keys: SchemaMemo<SchemaRef>,
    envelopes: SchemaMemo<SchemaRef>,
}

/// A copy of `schema` named `name` (without its default), with `fields`.
fn renamed(schema: &Schema, name: String, fields: Vec<(String, SchemaRef)>) -> SchemaRef {
    let mut copy = schema.clone();
    copy.name = Some(name);
    copy.default_value = None;
    copy.fields = fields
        .into_iter()
        .enumerate()
        .map(|(index, (name, schema))| Field { name, index, schema })
        .collect();
    Arc::new(copy)
}

fn fields_of(schema: &Schema) -> Vec<(String, SchemaRef)> {
    schema
        .fields
        .iter()
        .map(|f| (f.name.clone(), f.schema.clone()))
        .collect()
}

impl ByLogicalTableRouter {
    /// The key with the physical table's field, under the new topic's key schema.
    fn key(&self, key: &Struct, old_topic: &str, new_topic: &str) -> Result<SchemaAndValue> {
        let schema = self.keys.get_or_try_insert(key.schema(), |old| {
            let mut fields = fields_of(old);
            if self.unique {
                fields.push((self.key_field_name.clone(), Schema::string()));
            }
            Ok(renamed(old, format!("{new_topic}.Key"), fields))
        })?;
        let mut values = key.values().to_vec();
        if self.unique {
            let physical = self.key_field.as_ref().and_then(|rename| rename.apply(old_topic));
            values.push(Value::String(physical.unwrap_or_else(|| old_topic.to_string())));
        }
        let key = Struct::with_values(schema.clone(), values)?;
        Ok(SchemaAndValue::new(Some(schema), Value::Struct(key)))
    }

    /// The change event under the new topic's envelope schema, its rows under the new row schema.
    fn envelope(&self, envelope: &Struct, new_topic: &str) -> Result<SchemaAndValue> {
        let schema = self.envelopes.get_or_try_insert(envelope.schema(), |old| {
            let row = old
                .field("before")
                .map(|f| f.schema.clone())
                .ok_or_else(|| ConnectError::data("a change event without before"))?;
            let row = renamed(&row, format!("{new_topic}.Value"), fields_of(&row));
            let fields = old
                .fields
                .iter()
                .map(|f| match f.name.as_str() {
                    "before" | "after" => (f.name.clone(), row.clone()),
                    _ => (f.name.clone(), f.schema.clone()),
                })
                .collect();
            Ok(renamed(old, format!("{new_topic}.Envelope"), fields))
        })?;
        let row_schema = schema.field("before").expect("built with before").schema.clone();
        let values = envelope
            .schema()
            .fields
            .iter()
            .zip(envelope.values())
            .map(|(field, value)| match (field.name.as_str(), value) {
                ("before" | "after", Value::Struct(row)) => Ok(Value::Struct(Struct::with_values(
                    row_schema.clone(),
                    row.values().to_vec(),
                )?)),
                _ => Ok(value.clone()),
            })
            .collect::<Result<Vec<_>>>()?;
        let envelope = Struct::with_values(schema.clone(), values)?;
        Ok(SchemaAndValue::new(Some(schema), Value::Struct(envelope)))
    }
}

impl<R: ConnectRecord> Transformation<R> for ByLogicalTableRouter {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(required_string(
                TOPIC_REGEX,
                "A regular expression matched against the whole topic.",
            ))
            .define(required_string(
                TOPIC_REPLACEMENT,
                "The logical topic, with the expression's groups replaced.",
            ))
            .define(
                ConfigKey::new(KEY_ENFORCE_UNIQUENESS, ConfigType::Boolean)
                    .default_value(ConfigValue::Boolean(true))
                    .importance(Importance::Low)
                    .doc("Whether the key gains a field naming the physical table."),
            )
            .define(string_with_default(
                KEY_FIELD_NAME,
                "__dbz__physicalTableIdentifier",
                "The name of the key's field naming the physical table.",
            ))
            .define(string_with_default(
                KEY_FIELD_REGEX,
                "",
                "A regular expression matched against the original topic for the key field's value.",
            ))
            .define(string_with_default(
                KEY_FIELD_REPLACEMENT,
                "",
                "The key field's value, with key.field.regex's groups replaced.",
            ))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.topic = Some(Rename::new(
            TOPIC_REGEX,
            parsed.get_string(TOPIC_REGEX)?,
            parsed.get_string(TOPIC_REPLACEMENT)?,
        )?);
        self.unique = parsed.get_boolean(KEY_ENFORCE_UNIQUENESS)?;
        self.key_field_name = parsed.get_string(KEY_FIELD_NAME)?.to_string();
        let key_regex = parsed.get_string(KEY_FIELD_REGEX)?.trim();
        self.key_field = if key_regex.is_empty() {
            None
        } else {
            let replacement = parsed.get_string(KEY_FIELD_REPLACEMENT)?;
            Some(Rename::new(KEY_FIELD_REGEX, key_regex, replacement)?)
        };
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let core = record.core_mut();
        let Some(new_topic) = self.topic.as_ref().and_then(|rename| rename.apply(&core.topic)) else {
            return Ok(Some(record));
        };
        if new_topic.is_empty() {
            tracing::warn!("Routing regex returned an empty topic name, propagating original record");
            return Ok(Some(record));
        }
        if let Value::Struct(key) = &core.key.value {
            core.key = self.key(key, &core.topic, &new_topic)?;
        }
        if let Some(envelope) = envelope_of(&core.value) {
            core.value = self.envelope(envelope, &new_topic)?;
        }
        core.topic = new_topic;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SourceRecord;
    use kconnect_api::schema::{SchemaBuilder, SchemaType};

    use super::*;
    use crate::testing::{apply, source};

    fn row_schema(topic: &str) -> SchemaRef {
        SchemaBuilder::struct_()
            .optional()
            .name(format!("{topic}.Value"))
            .field("id", SchemaBuilder::new(SchemaType::Int32).build())
            .field("name", SchemaBuilder::new(SchemaType::String).optional().build())
            .build()
    }

    /// A create of row `(id, name)` of the table whose topic is `topic`.
    fn created(topic: &str, id: i32, name: &str) -> SourceRecord {
        let key_schema = SchemaBuilder::struct_()
            .name(format!("{topic}.Key"))
            .field("id", SchemaBuilder::new(SchemaType::Int32).build())
            .build();
        let schema = SchemaBuilder::struct_()
            .name(format!("{topic}.Envelope"))
            .version(2)
            .field("before", row_schema(topic))
            .field("after", row_schema(topic))
            .field("op", SchemaBuilder::new(SchemaType::String).build())
            .build();
        let row = Struct::with_values(row_schema(topic), vec![Value::Int32(id), Value::String(name.into())]).unwrap();
        let values = vec![Value::Null, Value::Struct(row), Value::String("c".into())];
        let value = Struct::with_values(schema.clone(), values).unwrap();
        let mut record = source(SchemaAndValue::new(Some(schema), Value::Struct(value)));
        record.core.topic = topic.into();
        let key = Struct::with_values(key_schema.clone(), vec![Value::Int32(id)]).unwrap();
        record.core.key = SchemaAndValue::new(Some(key_schema), Value::Struct(key));
        record
    }

    const SHARDS: [(&str, &str); 2] = [
        (TOPIC_REGEX, "srv\\.public\\.orders_(.*)"),
        (TOPIC_REPLACEMENT, "srv.public.orders"),
    ];

    fn route(pairs: &[(&str, &str)], record: SourceRecord) -> SourceRecord {
        apply(ByLogicalTableRouter::default(), pairs, record).unwrap().unwrap()
    }

    #[test]
    fn shards_share_a_topic_with_keys_that_stay_apart() {
        let out = route(&SHARDS, created("srv.public.orders_2024", 7, "a"));
        assert_eq!(out.core.topic, "srv.public.orders");
        let Value::Struct(key) = &out.core.key.value else {
            panic!("a key")
        };
        assert_eq!(key.schema().name.as_deref(), Some("srv.public.orders.Key"));
        assert_eq!(key.get("id"), Some(&Value::Int32(7)));
        assert_eq!(
            key.get("__dbz__physicalTableIdentifier"),
            Some(&Value::String("srv.public.orders_2024".into()))
        );
        let Value::Struct(envelope) = &out.core.value.value else {
            panic!("an envelope")
        };
        assert_eq!(envelope.schema().name.as_deref(), Some("srv.public.orders.Envelope"));
        assert_eq!(envelope.schema().version, Some(2));
        let Some(Value::Struct(after)) = envelope.get("after") else {
            panic!("a row")
        };
        assert_eq!(after.schema().name.as_deref(), Some("srv.public.orders.Value"));
        assert_eq!(after.get("name"), Some(&Value::String("a".into())));
    }

    #[test]
    fn key_fields_as_configured_and_other_topics_unchanged() {
        let mut pairs = SHARDS.to_vec();
        pairs.push((KEY_FIELD_REGEX, "srv\\.public\\.orders_(.*)"));
        pairs.push((KEY_FIELD_REPLACEMENT, "$1"));
        pairs.push((KEY_FIELD_NAME, "shard"));
        let out = route(&pairs, created("srv.public.orders_2024", 7, "a"));
        let Value::Struct(key) = &out.core.key.value else {
            panic!("a key")
        };
        assert_eq!(key.get("shard"), Some(&Value::String("2024".into())));
        let plain = route(
            &[(KEY_ENFORCE_UNIQUENESS, "false"), SHARDS[0], SHARDS[1]],
            created("srv.public.orders_1", 1, "b"),
        );
        let Value::Struct(key) = &plain.core.key.value else {
            panic!("a key")
        };
        assert_eq!(key.schema().fields.len(), 1);
        let other = route(&SHARDS, created("srv.public.customers", 1, "c"));
        assert_eq!(other.core.topic, "srv.public.customers");
        let mut tombstone = created("srv.public.orders_3", 3, "d");
        tombstone.core.value = SchemaAndValue::NULL;
        let routed = route(&SHARDS, tombstone);
        assert_eq!(routed.core.topic, "srv.public.orders");
        assert!(routed.core.value.value.is_null());
    }
}
