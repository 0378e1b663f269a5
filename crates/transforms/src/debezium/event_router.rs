//! `io.debezium.transforms.outbox.EventRouter`, Debezium's outbox router: each row inserted into an
//! outbox table becomes an event on `outbox.event.<aggregatetype>`, keyed by its `aggregateid`,
//! whose value is its `payload` and whose `id` header is its `id`. Updates and deletes of the
//! outbox table, and tombstones, are dropped; records that are not change events pass unchanged.

use std::collections::HashMap;
use std::sync::Mutex;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_api::schema::{SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, Struct, Transformation, Value,
};
use regex::Regex;

use super::envelope_of;
use crate::field::{list, string_with_default};
use crate::regex_router::rust_replacement;

const INVALID_OP: &str = "table.op.invalid.behavior";
const EVENT_ID: &str = "table.field.event.id";
const EVENT_KEY: &str = "table.field.event.key";
const EVENT_TIMESTAMP: &str = "table.field.event.timestamp";
const EVENT_PAYLOAD: &str = "table.field.event.payload";
const SCHEMA_VERSION: &str = "table.field.event.schema.version";
const ADDITIONAL: &str = "table.fields.additional.placement";
const ADDITIONAL_ERROR_ON_MISSING: &str = "table.fields.additional.error.on.missing";
const ROUTE_BY: &str = "route.by.field";
const ROUTE_REGEX: &str = "route.topic.regex";
const ROUTE_REPLACEMENT: &str = "route.topic.replacement";
const TOMBSTONE_ON_EMPTY: &str = "route.tombstone.on.empty.payload";
const EXPAND_JSON: &str = "table.expand.json.payload";

/// What `table.op.invalid.behavior` does with an update of the outbox table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum InvalidOp {
    #[default]
    Warn,
    Error,
    Fatal,
}

/// Where `table.fields.additional.placement` puts a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Placement {
    Header,
    Envelope,
    Partition,
}

/// One `column:placement[:alias]` of `table.fields.additional.placement`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Additional {
    column: String,
    placement: Placement,
    alias: String,
}

impl Additional {
    fn parse(text: &str) -> Result<Self> {
        let parts: Vec<&str> = text.split(':').map(str::trim).collect();
        let bad = || {
            ConnectError::config(
                ADDITIONAL,
                format!("A comma-separated list of valid String pairs or trios is expected but got: {text}"),
            )
        };
        let (column, placement, alias) = match parts.as_slice() {
            [column, placement] => (column, placement, column),
            [column, placement, alias] => (column, placement, alias),
            _ => return Err(bad()),
        };
        let placement = match placement.to_ascii_lowercase().as_str() {
            "header" => Placement::Header,
            "envelope" => Placement::Envelope,
            "partition" => Placement::Partition,
            _ => return Err(bad()),
        };
        Ok(Self {
            column: column.to_string(),
            placement,
            alias: alias.to_string(),
        })
    }
}

/// The outbox event router.
#[derive(Default)]
pub struct EventRouter {
    invalid_op: InvalidOp,
    id: String,
    key: String,
    timestamp: Option<String>,
    payload: String,
    schema_version: Option<String>,
    additional: Vec<Additional>,
    error_on_missing: bool,
    route_by: String,
    route: Option<(Regex, String)>,
    tombstone_on_empty: bool,
    /// The envelope schema, kept per schema version as Debezium keeps it: named after the first
    /// routed event's topic.
    envelopes: Mutex<HashMap<Option<i32>, SchemaRef>>,
}

fn field_of<'a>(row: &'a Struct, name: &str) -> Option<(SchemaRef, &'a Value)> {
    let schema = row.schema().field(name)?.schema.clone();
    Some((schema, row.get_without_default(name).unwrap_or(&Value::Null)))
}

impl EventRouter {
    /// The event's timestamp: the configured column's (a Debezium timestamp, in milliseconds),
    /// else when the change was processed.
    fn timestamp_ms(&self, envelope: &Struct, row: &Struct) -> Result<Option<i64>> {
        let processed = match envelope.get_without_default("ts_ms") {
            Some(Value::Int64(ms)) => Some(*ms),
            _ => None,
        };
        let Some(column) = &self.timestamp else {
            return Ok(processed);
        };
        let (schema, value) = field_of(row, column)
            .ok_or_else(|| ConnectError::data(format!("Unable to find timestamp field {column} in event")))?;
        let Value::Int64(raw) = value else {
            return Ok(processed);
        };
        let divisor = match schema.name.as_deref() {
            Some("io.debezium.time.Timestamp" | "org.apache.kafka.connect.data.Timestamp") => 1,
            Some("io.debezium.time.MicroTimestamp") => 1_000,
            Some("io.debezium.time.NanoTimestamp") => 1_000_000,
            other => {
                return Err(ConnectError::data(format!(
                    "Unsupported field type {} for event timestamp",
                    other.unwrap_or("without logical schema name")
                )));
            }
        };
        Ok(Some(raw / divisor))
    }

    /// The value's schema when columns go into it beside the payload: a struct named after the
    /// row's schema with the routed topic before its last part.
    fn envelope_schema(&self, row: &Struct, routed: &str, version: Option<i32>) -> Result<SchemaRef> {
        let mut envelopes = self.envelopes.lock().expect("the envelope schemas");
        if let Some(schema) = envelopes.get(&version) {
            return Ok(schema.clone());
        }
        let name = match row.schema().name.as_deref() {
            Some(original) => match original.rsplit_once('.') {
                Some((head, last)) => format!("{head}.{routed}.{last}"),
                None => format!("{routed}.{original}"),
            },
            None => routed.to_string(),
        };
        let mut builder = SchemaBuilder::struct_().name(name);
        if let Some(version) = version {
            builder = builder.version(version);
        }
        let payload = field_of(row, &self.payload).map(|(schema, _)| schema);
        builder = builder.field("payload", payload.expect("the payload field was checked"));
        for extra in self.additional.iter().filter(|a| a.placement == Placement::Envelope) {
            if let Some((schema, _)) = field_of(row, &extra.column) {
                builder = builder.field(extra.alias.clone(), schema);
            }
        }
        let schema = builder.build();
        envelopes.insert(version, schema.clone());
        Ok(schema)
    }

    fn topic(&self, routed: &str) -> String {
        match &self.route {
            Some((regex, replacement)) if regex.is_match(routed) => {
                regex.replace(routed, replacement.as_str()).into_owned()
            }
            _ => routed.to_string(),
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for EventRouter {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(
                string_with_default(INVALID_OP, "warn", "What an update of the outbox table does: warn, error (both log it and drop it) or fatal (fails the task).")
                    .validator(Validator::one_of_ignore_case(&["warn", "error", "fatal"])),
            )
            .define(string_with_default(EVENT_ID, "id", "The column of the event's id, sent as the id header."))
            .define(string_with_default(EVENT_KEY, "aggregateid", "The column of the event's key."))
            .define(string_with_default(EVENT_TIMESTAMP, "", "A column of the event's timestamp; otherwise when the change was processed."))
            .define(string_with_default(EVENT_PAYLOAD, "payload", "The column of the event's payload."))
            .define(string_with_default(SCHEMA_VERSION, "", "A column whose value becomes the value schema's version."))
            .define(list(ADDITIONAL, "More columns, each column:placement[:alias] with placement header, envelope or partition."))
            .define(
                ConfigKey::new(ADDITIONAL_ERROR_ON_MISSING, ConfigType::Boolean)
                    .default_value(ConfigValue::Boolean(true))
                    .importance(Importance::Medium)
                    .doc("Whether an additional column missing from the row fails the record."),
            )
            .define(string_with_default(ROUTE_BY, "aggregatetype", "The column whose value names the event's topic."))
            .define(string_with_default(ROUTE_REGEX, "(?<routedByValue>.*)", "A regular expression matched against the route.by.field value."))
            .define(string_with_default(
                ROUTE_REPLACEMENT,
                "outbox.event.${routedByValue}",
                "The topic, with the regular expression's groups replaced.",
            ))
            .define(
                ConfigKey::new(TOMBSTONE_ON_EMPTY, ConfigType::Boolean)
                    .default_value(ConfigValue::Boolean(false))
                    .importance(Importance::Low)
                    .doc("Whether an event with an empty payload becomes a tombstone."),
            )
            .define(
                ConfigKey::new(EXPAND_JSON, ConfigType::Boolean)
                    .default_value(ConfigValue::Boolean(false))
                    .validator(Validator::one_of(&["false"]))
                    .importance(Importance::Low)
                    .doc("Expanding a JSON string payload into a struct is not supported yet: only false."),
            )
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        let optional = |name: &str| -> Result<Option<String>> {
            Ok(Some(parsed.get_string(name)?.to_string()).filter(|v| !v.is_empty()))
        };
        self.invalid_op = match parsed.get_string(INVALID_OP)?.to_ascii_lowercase().as_str() {
            "error" => InvalidOp::Error,
            "fatal" => InvalidOp::Fatal,
            _ => InvalidOp::Warn,
        };
        self.id = parsed.get_string(EVENT_ID)?.to_string();
        self.key = parsed.get_string(EVENT_KEY)?.to_string();
        self.timestamp = optional(EVENT_TIMESTAMP)?;
        self.payload = parsed.get_string(EVENT_PAYLOAD)?.to_string();
        self.schema_version = optional(SCHEMA_VERSION)?;
        self.additional = parsed
            .list(ADDITIONAL)
            .iter()
            .map(|a| Additional::parse(a))
            .collect::<Result<_>>()?;
        self.error_on_missing = parsed.get_boolean(ADDITIONAL_ERROR_ON_MISSING)?;
        self.route_by = parsed.get_string(ROUTE_BY)?.to_string();
        let regex = parsed.get_string(ROUTE_REGEX)?;
        let regex = Regex::new(&format!("^(?:{regex})$"))
            .map_err(|err| ConnectError::config(ROUTE_REGEX, format!("Invalid regex: {err}")))?;
        self.route = Some((regex, rust_replacement(parsed.get_string(ROUTE_REPLACEMENT)?)));
        self.tombstone_on_empty = parsed.get_boolean(TOMBSTONE_ON_EMPTY)?;
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let core = record.core_mut();
        if core.value.value.is_null() {
            return Ok(None);
        }
        let Some(envelope) = envelope_of(&core.value).cloned() else {
            return Ok(Some(record));
        };
        let op = match envelope.get_without_default("op") {
            Some(Value::String(op)) => op.clone(),
            _ => String::new(),
        };
        match op.as_str() {
            "d" => {
                tracing::info!(key = ?core.key.value, "Delete message ignored");
                return Ok(None);
            }
            "u" => {
                return match self.invalid_op {
                    InvalidOp::Warn => {
                        tracing::warn!(key = ?core.key.value, "Unexpected update message received and ignored");
                        Ok(None)
                    }
                    InvalidOp::Error => {
                        tracing::error!(key = ?core.key.value, "Unexpected update message received and ignored");
                        Ok(None)
                    }
                    InvalidOp::Fatal => Err(ConnectError::data(format!(
                        "Unexpected update message received {:?}, fail.",
                        core.key.value
                    ))),
                };
            }
            _ => {}
        }
        let Some(Value::Struct(row)) = envelope.get_without_default("after") else {
            return Ok(None);
        };
        let (payload_schema, payload) = field_of(row, &self.payload)
            .ok_or_else(|| ConnectError::data(format!("Unable to find payload field {} in event", self.payload)))?;
        let (id_schema, id) = field_of(row, &self.id)
            .ok_or_else(|| ConnectError::data(format!("Unable to find event-id field {} in event", self.id)))?;
        let timestamp = self.timestamp_ms(&envelope, row)?;
        let routed = match row.get_without_default(&self.route_by) {
            Some(Value::String(routed)) => routed.clone(),
            _ => {
                return Err(ConnectError::data(format!(
                    "Unable to find the route.by.field {} in event",
                    self.route_by
                )));
            }
        };
        core.headers.add("id", Some(id_schema), id.clone());
        let mut envelope_fields = Vec::new();
        for extra in &self.additional {
            let Some((schema, value)) = field_of(row, &extra.column) else {
                if self.error_on_missing {
                    return Err(ConnectError::data(format!(
                        "Unable to find field {} in event",
                        extra.column
                    )));
                }
                continue;
            };
            match extra.placement {
                Placement::Header => {
                    core.headers.add(extra.alias.clone(), Some(schema), value.clone());
                }
                Placement::Envelope => envelope_fields.push(value.clone()),
                Placement::Partition => {
                    if let Value::Int32(partition) = value {
                        core.kafka_partition = Some(*partition);
                    }
                }
            }
        }
        let empty = match payload {
            Value::Null => true,
            Value::String(text) => text.trim().is_empty(),
            _ => false,
        };
        core.value = if empty && self.tombstone_on_empty {
            SchemaAndValue::NULL
        } else if self.additional.iter().all(|a| a.placement != Placement::Envelope) {
            SchemaAndValue::new(Some(payload_schema), payload.clone())
        } else {
            let version = match self.schema_version.as_deref().and_then(|c| row.get_without_default(c)) {
                Some(Value::Int32(version)) => Some(*version),
                _ => None,
            };
            let schema = self.envelope_schema(row, &routed, version)?;
            let mut values = vec![payload.clone()];
            values.extend(envelope_fields);
            SchemaAndValue::new(
                Some(schema.clone()),
                Value::Struct(Struct::with_values(schema, values)?),
            )
        };
        core.key = match field_of(row, &self.key) {
            Some((schema, key)) => SchemaAndValue::new(Some(schema), key.clone()),
            None => SchemaAndValue::new(Some(SchemaBuilder::new(SchemaType::String).build()), Value::Null),
        };
        core.timestamp = timestamp;
        core.topic = self.topic(&routed);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SourceRecord;

    use super::*;
    use crate::testing::{apply, source};

    fn row_schema() -> SchemaRef {
        let string = || SchemaBuilder::new(SchemaType::String).build();
        SchemaBuilder::struct_()
            .optional()
            .name("srv.public.outbox.Value")
            .field(
                "id",
                SchemaBuilder::new(SchemaType::String)
                    .name("io.debezium.data.Uuid")
                    .build(),
            )
            .field("aggregatetype", string())
            .field("aggregateid", string())
            .field("type", string())
            .field(
                "payload",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .name("io.debezium.data.Json")
                    .build(),
            )
            .build()
    }

    /// A change event of the outbox table: `op` of the row `(id, aggregatetype, aggregateid,
    /// type, payload)`, processed at 1,700,000,000,000 ms.
    fn event(op: &str, row: [&str; 5]) -> SourceRecord {
        let values = row.iter().map(|v| Value::String(v.to_string())).collect();
        let row = Value::Struct(Struct::with_values(row_schema(), values).unwrap());
        let schema = SchemaBuilder::struct_()
            .name("srv.public.outbox.Envelope")
            .field("before", row_schema())
            .field("after", row_schema())
            .field("op", SchemaBuilder::new(SchemaType::String).build())
            .field("ts_ms", SchemaBuilder::new(SchemaType::Int64).optional().build())
            .build();
        let (before, after) = if op == "d" {
            (row, Value::Null)
        } else {
            (Value::Null, row)
        };
        let values = vec![before, after, Value::String(op.into()), Value::Int64(1_700_000_000_000)];
        let value = Struct::with_values(schema.clone(), values).unwrap();
        source(SchemaAndValue::new(Some(schema), Value::Struct(value)))
    }

    const ORDER: [&str; 5] = ["a0ee-1", "Order", "o-1", "OrderCreated", "{\"total\":10}"];

    fn route(pairs: &[(&str, &str)], record: SourceRecord) -> Option<SourceRecord> {
        apply(EventRouter::default(), pairs, record).unwrap()
    }

    #[test]
    fn an_inserted_row_becomes_its_event() {
        let out = route(&[], event("c", ORDER)).unwrap();
        assert_eq!(out.core.topic, "outbox.event.Order");
        assert_eq!(out.core.key.value, Value::String("o-1".into()));
        assert_eq!(out.core.value.value, Value::String("{\"total\":10}".into()));
        let payload_schema = out.core.value.schema.as_ref().unwrap();
        assert_eq!(payload_schema.name.as_deref(), Some("io.debezium.data.Json"));
        let id = out.core.headers.last_with_name("id").unwrap();
        assert_eq!(id.value, Value::String("a0ee-1".into()));
        assert_eq!(out.core.timestamp, Some(1_700_000_000_000));
        assert!(route(&[], event("r", ORDER)).is_some(), "a snapshot row too");
    }

    #[test]
    fn updates_deletes_and_tombstones_are_dropped() {
        assert!(route(&[], event("u", ORDER)).is_none());
        assert!(route(&[], event("d", ORDER)).is_none());
        assert!(route(&[], source(SchemaAndValue::NULL)).is_none());
        let fatal = apply(EventRouter::default(), &[(INVALID_OP, "fatal")], event("u", ORDER));
        assert!(fatal.is_err());
        let plain = source(SchemaAndValue::new(None, Value::String("x".into())));
        assert_eq!(route(&[], plain.clone()).unwrap().core.value, plain.core.value);
    }

    #[test]
    fn additional_columns_go_where_placed() {
        let pairs = [
            (ADDITIONAL, "type:header:eventType,aggregatetype:envelope:kind"),
            (ROUTE_REPLACEMENT, "events.${routedByValue}"),
        ];
        let out = route(&pairs, event("c", ORDER)).unwrap();
        assert_eq!(out.core.topic, "events.Order");
        assert_eq!(
            out.core.headers.last_with_name("eventType").unwrap().value,
            Value::String("OrderCreated".into())
        );
        let Value::Struct(value) = &out.core.value.value else {
            panic!("an envelope: {:?}", out.core.value)
        };
        assert_eq!(value.schema().name.as_deref(), Some("srv.public.outbox.Order.Value"));
        assert_eq!(value.get("payload"), Some(&Value::String("{\"total\":10}".into())));
        assert_eq!(value.get("kind"), Some(&Value::String("Order".into())));
        let bad = apply(EventRouter::default(), &[(ADDITIONAL, "type")], event("c", ORDER));
        assert!(bad.is_err(), "a column without a placement");
    }
}
