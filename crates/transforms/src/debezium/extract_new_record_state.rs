//! `io.debezium.transforms.ExtractNewRecordState`, Debezium's "unwrap": a change event becomes its
//! new row (`after`), with chosen envelope and `source` fields added as fields or headers;
//! deletes and tombstones go as `delete.tombstone.handling.mode` says. Records that are not
//! Debezium change events pass unchanged.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_api::schema::{Schema, SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, Struct, Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use super::envelope_of;
use crate::field::{copied_entries, list, rebuild_as, string_with_default};

const MODE: &str = "delete.tombstone.handling.mode";
const ADD_FIELDS: &str = "add.fields";
const ADD_FIELDS_PREFIX: &str = "add.fields.prefix";
const ADD_HEADERS: &str = "add.headers";
const ADD_HEADERS_PREFIX: &str = "add.headers.prefix";
const ROUTE_BY_FIELD: &str = "route.by.field";
/// The field a rewritten record carries: `"true"` for a delete, `"false"` otherwise.
const DELETED_FIELD: &str = "__deleted";

/// `delete.tombstone.handling.mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum DeleteMode {
    /// Deletes and tombstones are dropped.
    Drop,
    /// A delete is dropped and its tombstone kept (the default).
    #[default]
    Tombstone,
    /// A delete becomes its old row with `__deleted=true`; tombstones are dropped.
    Rewrite,
    /// As `Rewrite`, tombstones kept.
    RewriteWithTombstone,
    /// A delete becomes a tombstone; the tombstones that followed are dropped.
    DeleteToTombstone,
}

impl DeleteMode {
    const NAMES: [&'static str; 5] = [
        "drop",
        "tombstone",
        "rewrite",
        "rewrite-with-tombstone",
        "delete-to-tombstone",
    ];

    fn named(name: &str) -> Self {
        match name.to_ascii_lowercase().as_str() {
            "drop" => Self::Drop,
            "rewrite" => Self::Rewrite,
            "rewrite-with-tombstone" => Self::RewriteWithTombstone,
            "delete-to-tombstone" => Self::DeleteToTombstone,
            _ => Self::Tombstone,
        }
    }

    fn rewrites(self) -> bool {
        matches!(self, Self::Rewrite | Self::RewriteWithTombstone)
    }

    fn keeps_tombstones(self) -> bool {
        matches!(self, Self::Tombstone | Self::RewriteWithTombstone)
    }
}

/// A field of the envelope (`op`, `ts_ms`), of `source` or of `transaction`, and the name it is
/// added under: `<prefix><field>`, `<prefix><struct>_<field>` when the struct was named, or
/// `<prefix><new name>` for `field:new name`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct FieldReference {
    within: Option<String>,
    field: String,
    added_as: String,
}

impl FieldReference {
    fn parse(prefix: &str, text: &str) -> Result<Self> {
        let (path, renamed) = match text.split_once(':') {
            Some((path, renamed)) => (path, Some(renamed)),
            None => (text, None),
        };
        let (within, field, qualified) = match path.split_once('.') {
            Some((within, field)) => (Some(within.to_string()), field.to_string(), true),
            None => {
                let within = match path {
                    "op" | "ts_ms" => None,
                    "id" | "total_order" | "data_collection_order" => Some("transaction".to_string()),
                    _ => Some("source".to_string()),
                };
                (within, path.to_string(), false)
            }
        };
        if field.is_empty() || field.contains('.') {
            return Err(ConnectError::config(
                ADD_FIELDS,
                format!("Unexpected field name: {text}"),
            ));
        }
        let added_as = match (renamed, qualified, &within) {
            (Some(renamed), _, _) => format!("{prefix}{renamed}"),
            (None, true, Some(within)) => format!("{prefix}{within}_{field}"),
            _ => format!("{prefix}{field}"),
        };
        Ok(Self {
            within,
            field,
            added_as,
        })
    }

    /// The referenced field's schema and value in `envelope`, when it has the field.
    fn lookup<'a>(&self, envelope: &'a Struct) -> Option<(SchemaRef, &'a Value)> {
        let host = match &self.within {
            None => envelope,
            Some(within) => match envelope.get_without_default(within) {
                Some(Value::Struct(host)) => host,
                _ => return None,
            },
        };
        let schema = host.schema().field(&self.field)?.schema.clone();
        Some((schema, host.get_without_default(&self.field).unwrap_or(&Value::Null)))
    }
}

/// The unwrap transformation.
#[derive(Default)]
pub struct ExtractNewRecordState {
    mode: DeleteMode,
    fields: Vec<FieldReference>,
    headers: Vec<FieldReference>,
    route_by_field: Option<String>,
    schemas: SchemaMemo<SchemaRef>,
}

fn references(prefix: &str, listed: Vec<String>) -> Result<Vec<FieldReference>> {
    listed
        .iter()
        .map(|text| FieldReference::parse(prefix, text.trim()))
        .collect()
}

impl ExtractNewRecordState {
    /// `row` (the envelope's `after` or `before`) as a required struct of the same name, with
    /// `__deleted` when deletes are rewritten, then the added fields (each optional), as
    /// Debezium orders them.
    fn unwrapped(&self, envelope: &Struct, row: &Struct, deleted: bool) -> Result<SchemaAndValue> {
        let mut fields: Vec<(&str, SchemaRef, Value)> = copied_entries(row).collect();
        if self.mode.rewrites() {
            let flag = SchemaBuilder::new(SchemaType::String).optional().build();
            fields.push((DELETED_FIELD, flag, Value::String(deleted.to_string())));
        }
        for reference in &self.fields {
            if let Some((schema, value)) = reference.lookup(envelope) {
                fields.push((&reference.added_as, Schema::optional_of(&schema), value.clone()));
            }
        }
        rebuild_as(&self.schemas, row.schema(), false, fields)
    }

    /// The topic `route.by.field` names in `row`, if set and present.
    fn routed_topic(&self, row: &Struct) -> Option<String> {
        let field = self.route_by_field.as_deref()?;
        match row.get_without_default(field) {
            Some(Value::String(topic)) => Some(topic.clone()),
            _ => None,
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for ExtractNewRecordState {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new(MODE, ConfigType::String)
                    .default_value(ConfigValue::String("tombstone".into()))
                    .validator(Validator::one_of_ignore_case(&DeleteMode::NAMES))
                    .importance(Importance::Medium)
                    .doc("How to handle deletes and tombstones: drop, tombstone (keep only the tombstone), rewrite (the old row with __deleted=true), rewrite-with-tombstone, delete-to-tombstone."),
            )
            .define(list(ADD_FIELDS, "Envelope (op, ts_ms), source and transaction fields to add to the row, each field, struct.field or field:new_name."))
            .define(string_with_default(ADD_FIELDS_PREFIX, "__", "The prefix of the added fields' names."))
            .define(list(ADD_HEADERS, "Envelope, source and transaction fields to add as headers, named as add.fields."))
            .define(string_with_default(ADD_HEADERS_PREFIX, "__", "The prefix of the added headers' names."))
            .define(string_with_default(ROUTE_BY_FIELD, "", "A row field whose value becomes the record's topic."))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.mode = DeleteMode::named(parsed.get_string(MODE)?);
        self.fields = references(parsed.get_string(ADD_FIELDS_PREFIX)?, parsed.list(ADD_FIELDS))?;
        self.headers = references(parsed.get_string(ADD_HEADERS_PREFIX)?, parsed.list(ADD_HEADERS))?;
        self.route_by_field = Some(parsed.get_string(ROUTE_BY_FIELD)?.to_string()).filter(|f| !f.is_empty());
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let core = record.core_mut();
        if core.value.value.is_null() {
            if !self.mode.keeps_tombstones() {
                return Ok(None);
            }
            for header in self.headers.iter().filter(|h| h.within.is_none() && h.field == "op") {
                core.headers.add_string(header.added_as.clone(), "d");
            }
            return Ok(Some(record));
        }
        let Some(envelope) = envelope_of(&core.value).cloned() else {
            return Ok(Some(record));
        };
        for header in &self.headers {
            if let Some((schema, value)) = header.lookup(&envelope) {
                core.headers.add(header.added_as.clone(), Some(schema), value.clone());
            }
        }
        let row = |name: &str| match envelope.get_without_default(name) {
            Some(Value::Struct(row)) => Some(row.clone()),
            _ => None,
        };
        let (unwrapped, routed) = match (row("after"), row("before")) {
            (Some(after), _) => (self.unwrapped(&envelope, &after, false)?, self.routed_topic(&after)),
            // A truncate has neither.
            (None, None) => return Ok(None),
            (None, Some(before)) => match self.mode {
                DeleteMode::Drop | DeleteMode::Tombstone => return Ok(None),
                DeleteMode::DeleteToTombstone => (SchemaAndValue::NULL, self.routed_topic(&before)),
                DeleteMode::Rewrite | DeleteMode::RewriteWithTombstone => {
                    (self.unwrapped(&envelope, &before, true)?, self.routed_topic(&before))
                }
            },
        };
        core.value = unwrapped;
        if let Some(topic) = routed {
            core.topic = topic;
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SourceRecord;

    use super::*;
    use crate::testing::{apply, source};

    fn row_schema() -> SchemaRef {
        SchemaBuilder::struct_()
            .optional()
            .name("srv.public.t.Value")
            .field("id", SchemaBuilder::new(SchemaType::Int32).build())
            .field("name", SchemaBuilder::new(SchemaType::String).optional().build())
            .build()
    }

    fn envelope(op: &str, before: Option<(i32, &str)>, after: Option<(i32, &str)>) -> SourceRecord {
        let row = |values: Option<(i32, &str)>| {
            values.map_or(Value::Null, |(id, name)| {
                Value::Struct(
                    Struct::with_values(row_schema(), vec![Value::Int32(id), Value::String(name.into())]).unwrap(),
                )
            })
        };
        let source_schema = SchemaBuilder::struct_()
            .name("io.debezium.connector.postgresql.Source")
            .field("table", SchemaBuilder::new(SchemaType::String).build())
            .field("ts_ms", SchemaBuilder::new(SchemaType::Int64).build())
            .build();
        let schema = SchemaBuilder::struct_()
            .name("srv.public.t.Envelope")
            .field("before", row_schema())
            .field("after", row_schema())
            .field("source", source_schema.clone())
            .field("op", SchemaBuilder::new(SchemaType::String).build())
            .build();
        let source_block = Struct::with_values(
            source_schema,
            vec![Value::String("t".into()), Value::Int64(1_700_000_000_000)],
        )
        .unwrap();
        let value = Struct::with_values(
            schema.clone(),
            vec![
                row(before),
                row(after),
                Value::Struct(source_block),
                Value::String(op.into()),
            ],
        )
        .unwrap();
        source(SchemaAndValue::new(Some(schema), Value::Struct(value)))
    }

    fn tombstone() -> SourceRecord {
        source(SchemaAndValue::NULL)
    }

    fn unwrap(pairs: &[(&str, &str)], record: SourceRecord) -> Option<SourceRecord> {
        apply(ExtractNewRecordState::default(), pairs, record).unwrap()
    }

    fn field(record: &SourceRecord, name: &str) -> Value {
        let Value::Struct(row) = &record.core.value.value else {
            panic!("a row: {:?}", record.core.value)
        };
        row.get_without_default(name).cloned().unwrap_or(Value::Null)
    }

    #[test]
    fn a_change_becomes_its_new_row_with_the_fields_asked_for() {
        let pairs = [("add.fields", "op,table,source.ts_ms,op:kind"), ("add.headers", "op")];
        let out = unwrap(&pairs, envelope("u", Some((1, "a")), Some((1, "b")))).unwrap();
        assert_eq!(
            out.core.value.schema.as_ref().unwrap().name.as_deref(),
            Some("srv.public.t.Value")
        );
        assert_eq!(field(&out, "name"), Value::String("b".into()));
        assert_eq!(field(&out, "__op"), Value::String("u".into()));
        assert_eq!(field(&out, "__table"), Value::String("t".into()));
        assert_eq!(field(&out, "__source_ts_ms"), Value::Int64(1_700_000_000_000));
        assert_eq!(field(&out, "__kind"), Value::String("u".into()));
        assert_eq!(
            out.core.headers.last_with_name("__op").unwrap().value,
            Value::String("u".into())
        );
    }

    #[test]
    fn deletes_and_tombstones_go_as_the_mode_says() {
        let delete = || envelope("d", Some((2, "gone")), None);
        assert!(unwrap(&[], delete()).is_none(), "tombstone mode drops the delete");
        assert!(unwrap(&[], tombstone()).is_some(), "and keeps its tombstone");
        assert!(unwrap(&[(MODE, "drop")], tombstone()).is_none());
        let rewritten = unwrap(&[(MODE, "rewrite")], delete()).unwrap();
        assert_eq!(field(&rewritten, "name"), Value::String("gone".into()));
        assert_eq!(field(&rewritten, DELETED_FIELD), Value::String("true".into()));
        assert!(unwrap(&[(MODE, "rewrite")], tombstone()).is_none());
        let kept = unwrap(&[(MODE, "rewrite")], envelope("c", None, Some((3, "new")))).unwrap();
        assert_eq!(field(&kept, DELETED_FIELD), Value::String("false".into()));
        assert!(unwrap(&[(MODE, "rewrite-with-tombstone")], tombstone()).is_some());
        let to_tombstone = unwrap(&[(MODE, "delete-to-tombstone")], delete()).unwrap();
        assert!(to_tombstone.core.value.value.is_null());
        assert!(unwrap(&[(MODE, "delete-to-tombstone")], tombstone()).is_none());
        assert!(
            unwrap(&[], envelope("t", None, None)).is_none(),
            "a truncate is dropped"
        );
    }

    #[test]
    fn routing_and_records_that_are_not_change_events() {
        let routed = unwrap(&[(ROUTE_BY_FIELD, "name")], envelope("c", None, Some((1, "orders")))).unwrap();
        assert_eq!(routed.core.topic, "orders");
        let plain = source(SchemaAndValue::new(None, Value::String("x".into())));
        assert_eq!(unwrap(&[], plain.clone()).unwrap().core.value, plain.core.value);
        let bad = apply(ExtractNewRecordState::default(), &[(ADD_FIELDS, "a.b.c")], tombstone());
        assert!(bad.is_err());
    }
}
