//! Turns a row change into Debezium's records: the envelope on the table's topic, keyed by its
//! key, a tombstone after a delete, and a key change as a delete (and tombstone) of the old key and
//! a create of the new, with the `__debezium.newkey` / `__debezium.oldkey` headers.

use std::sync::Arc;

use kconnect_api::{Headers, OffsetMap, RecordCore, Result, SchemaAndValue, SourceRecord, Value};

use crate::config::CommonConfig;
use crate::envelope::{Op, TableSchemas};

/// One change of a row, its rows and keys already built by the connector.
#[derive(Debug, Clone)]
pub struct RowChange {
    /// What happened.
    pub op: Op,
    /// The event's key: the new row's, or the deleted row's (null for a table without a key).
    pub key: Value,
    /// For an update whose old row the server sent: the old row's key.
    pub old_key: Option<Value>,
    /// The old row, when the server sent it.
    pub before: Option<Value>,
    /// The new row (none for a delete).
    pub after: Option<Value>,
}

impl RowChange {
    /// The change `op` of a row whose old and new images are `before` and `after`, each as its
    /// row and its key: the event is keyed by the deleted row's key or else the new row's, and an
    /// update carries the old key too.
    pub fn new(op: Op, before: Option<(Value, Value)>, after: Option<(Value, Value)>) -> Self {
        let key = match (op, &before, &after) {
            (Op::Delete, Some((_, key)), _) | (_, _, Some((_, key))) => key.clone(),
            _ => Value::Null,
        };
        let old_key = match op {
            Op::Update => before.as_ref().map(|(_, key)| key.clone()),
            _ => None,
        };
        Self {
            op,
            key,
            old_key,
            before: before.map(|(row, _)| row),
            after: after.map(|(row, _)| row),
        }
    }
}

/// Builds the records of one connector's changes.
#[derive(Debug, Clone)]
pub struct ChangeRecords {
    tombstones: bool,
    skip_unchanged: bool,
    partition: Arc<OffsetMap>,
}

impl ChangeRecords {
    /// Records of server `server`'s changes, with tombstones after deletes when `tombstones`, and
    /// updates that changed nothing left out when `skip_unchanged`.
    pub fn new(server: &str, tombstones: bool, skip_unchanged: bool) -> Self {
        Self {
            tombstones,
            skip_unchanged,
            partition: Arc::new(crate::partition(server)),
        }
    }

    /// Records as `config` says (`topic.prefix`, `tombstones.on.delete`,
    /// `skip.messages.without.change`).
    pub fn of(config: &CommonConfig) -> Self {
        Self::new(&config.topic_prefix, config.tombstones_on_delete, config.skip_unchanged)
    }

    fn record(
        &self,
        table: &TableSchemas,
        key: Value,
        value: SchemaAndValue,
        offset: OffsetMap,
        headers: Headers,
    ) -> SourceRecord {
        let key = match key {
            Value::Null => SchemaAndValue::NULL,
            key => SchemaAndValue::new(table.key_schema(), key),
        };
        let mut core = RecordCore::new(table.topic.clone(), value);
        core.key = key;
        core.headers = headers;
        SourceRecord::new(self.partition.clone(), offset, core)
    }

    /// The records of `change` with `source` as its `source` block, processed at `now_us`, each
    /// resuming after it at `offset`: usually one; a delete adds its tombstone, and a key change
    /// is a delete (and tombstone) of the old key and a create of the new (the one change whose
    /// `source` is copied: every other envelope takes it as it is).
    pub fn records(
        &self,
        table: &TableSchemas,
        change: RowChange,
        source: Value,
        offset: OffsetMap,
        now_us: i64,
    ) -> Result<Vec<SourceRecord>> {
        let envelope = |op: Op, before: Option<Value>, after: Option<Value>, source: Value| -> Result<SchemaAndValue> {
            let value = table.envelope(
                before.unwrap_or(Value::Null),
                after.unwrap_or(Value::Null),
                source,
                op,
                now_us,
            )?;
            Ok(SchemaAndValue::new(Some(table.envelope_schema()), value))
        };
        let RowChange {
            op,
            key,
            old_key,
            before,
            after,
        } = change;
        let mut records = Vec::new();
        match op {
            Op::Delete => {
                let value = envelope(op, before, None, source)?;
                records.push(self.record(table, key.clone(), value, offset.clone(), Headers::new()));
                if self.tombstones {
                    records.push(self.record(table, key, SchemaAndValue::NULL, offset, Headers::new()));
                }
            }
            Op::Update => match old_key.filter(|old| *old != key && !old.is_null()) {
                Some(old_key) => {
                    let mut to_new = Headers::new();
                    to_new.add("__debezium.newkey", table.key_schema(), key.clone());
                    let deleted = envelope(Op::Delete, before, None, source.clone())?;
                    records.push(self.record(table, old_key.clone(), deleted, offset.clone(), to_new.clone()));
                    if self.tombstones {
                        records.push(self.record(table, old_key.clone(), SchemaAndValue::NULL, offset.clone(), to_new));
                    }
                    let mut from_old = Headers::new();
                    from_old.add("__debezium.oldkey", table.key_schema(), old_key);
                    let created = envelope(Op::Create, None, after, source)?;
                    records.push(self.record(table, key, created, offset, from_old));
                }
                None => {
                    if self.skip_unchanged && before.is_some() && before == after {
                        return Ok(records);
                    }
                    let value = envelope(op, before, after, source)?;
                    records.push(self.record(table, key, value, offset, Headers::new()));
                }
            },
            Op::Read | Op::Create => {
                let value = envelope(op, None, after, source)?;
                records.push(self.record(table, key, value, offset, Headers::new()));
            }
        }
        Ok(records)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::schema::Schema;

    fn orders() -> TableSchemas {
        TableSchemas::new(
            "s.db.orders".into(),
            &[("id", Schema::int32()), ("note", Schema::optional_string())],
            &[("id", Schema::int32())],
            Schema::optional_string(),
        )
    }

    fn row(table: &TableSchemas, id: i32, note: &str) -> Value {
        table.row(vec![Value::Int32(id), Value::String(note.into())]).unwrap()
    }

    fn ops(records: &[SourceRecord]) -> Vec<String> {
        records
            .iter()
            .map(|r| match &r.core.value.value {
                Value::Struct(s) => s.get("op").map_or(String::new(), |op| format!("{op:?}")),
                _ => "tombstone".into(),
            })
            .collect()
    }

    #[test]
    fn deletes_get_tombstones_and_key_changes_split() {
        let table = orders();
        let changes = ChangeRecords::new("s", true, true);
        let key = |id| table.key(vec![Value::Int32(id)]).unwrap();
        let delete = RowChange {
            op: Op::Delete,
            key: key(1),
            old_key: None,
            before: Some(row(&table, 1, "a")),
            after: None,
        };
        let records = changes
            .records(&table, delete, Value::Null, OffsetMap::new(), 0)
            .unwrap();
        assert_eq!(records.len(), 2);
        assert!(records[1].core.value.value.is_null());
        let moved = RowChange {
            op: Op::Update,
            key: key(2),
            old_key: Some(key(1)),
            before: Some(row(&table, 1, "a")),
            after: Some(row(&table, 2, "a")),
        };
        let records = changes
            .records(&table, moved, Value::Null, OffsetMap::new(), 0)
            .unwrap();
        assert_eq!(records.len(), 3, "{:?}", ops(&records));
        assert_eq!(records[0].core.key.value, key(1));
        assert_eq!(records[2].core.key.value, key(2));
        let unchanged = RowChange {
            op: Op::Update,
            key: key(2),
            old_key: Some(key(2)),
            before: Some(row(&table, 2, "a")),
            after: Some(row(&table, 2, "a")),
        };
        assert!(
            changes
                .records(&table, unchanged, Value::Null, OffsetMap::new(), 0)
                .unwrap()
                .is_empty()
        );
    }
}
