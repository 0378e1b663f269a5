//! Turns changes into Debezium's records: the envelope on `<prefix>.<schema>.<table>`, keyed by the
//! primary key, a tombstone after a delete, and a primary key change as a delete and a create with
//! the `__debezium.newkey` / `__debezium.oldkey` headers.

use std::sync::Arc;

use kconnect_api::schema::SchemaRef;
use kconnect_api::{Headers, OffsetMap, RecordCore, Result, SchemaAndValue, SourceRecord, Value};

use crate::config::PostgresCdcConfig;
use crate::envelope::{SourceInfo, TableShape, source_schema};
use crate::pgoutput::Datum;

/// What a change was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    /// `r`: a row read by the snapshot.
    Read,
    /// `c`: inserted.
    Create,
    /// `u`: updated.
    Update,
    /// `d`: deleted.
    Delete,
}

impl Op {
    fn code(self) -> &'static str {
        match self {
            Self::Read => "r",
            Self::Create => "c",
            Self::Update => "u",
            Self::Delete => "d",
        }
    }
}

/// Builds the records of a connector's changes.
pub struct Events {
    server: String,
    db: String,
    placeholder: String,
    tombstones: bool,
    skip_unchanged: bool,
    source_schema: SchemaRef,
    partition: Arc<OffsetMap>,
}

/// One change of a row.
pub struct Change<'a> {
    /// The table.
    pub shape: &'a TableShape,
    /// What happened.
    pub op: Op,
    /// The old key or row, when the server sent it.
    pub before: Option<&'a [Datum]>,
    /// The new row (none for a delete).
    pub after: Option<&'a [Datum]>,
    /// The `source` block's facts.
    pub info: SourceInfo,
    /// The offset to resume after this change.
    pub offset: OffsetMap,
}

/// Microseconds since the Unix epoch.
pub(crate) fn now_micros() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_micros() as i64)
}

impl Events {
    /// The builder of `config`'s records.
    pub fn new(config: &PostgresCdcConfig) -> Self {
        Self {
            server: config.topic_prefix.clone(),
            db: config.connection.dbname.clone(),
            placeholder: config.unavailable_placeholder.clone(),
            tombstones: config.tombstones_on_delete,
            skip_unchanged: config.skip_unchanged,
            source_schema: source_schema(),
            partition: Arc::new(crate::offsets::partition(&config.topic_prefix)),
        }
    }

    /// The `source` block's schema, which every table's envelope embeds.
    pub fn source_schema(&self) -> SchemaRef {
        self.source_schema.clone()
    }

    fn record(
        &self,
        shape: &TableShape,
        key: Value,
        value: SchemaAndValue,
        offset: OffsetMap,
        headers: Headers,
    ) -> SourceRecord {
        let key = match key {
            Value::Null => SchemaAndValue::NULL,
            key => SchemaAndValue::new(shape.key_schema(), key),
        };
        let mut core = RecordCore::new(shape.topic.clone(), value);
        core.key = key;
        core.headers = headers;
        SourceRecord::new(self.partition.clone(), offset, core)
    }

    fn envelope(
        &self,
        shape: &TableShape,
        op: Op,
        before: Value,
        after: Value,
        info: &SourceInfo,
    ) -> Result<SchemaAndValue> {
        let source = shape.source(&self.source_schema, &self.server, &self.db, info)?;
        let envelope = shape.envelope(before, after, source, op.code(), now_micros())?;
        Ok(SchemaAndValue::new(Some(shape.envelope_schema()), envelope))
    }

    /// The records of one change: usually one; a delete adds its tombstone, and a primary key
    /// change is a delete (and tombstone) of the old key and a create of the new.
    pub fn records(&self, change: Change<'_>) -> Result<Vec<SourceRecord>> {
        let Change {
            shape,
            op,
            before,
            after,
            info,
            offset,
        } = change;
        let row = |tuple: Option<&[Datum]>| tuple.map_or(Ok(Value::Null), |t| shape.row(t, &self.placeholder));
        let mut records = Vec::new();
        match op {
            Op::Delete => {
                let old = before.unwrap_or_default();
                let key = shape.key(old)?;
                let value = self.envelope(shape, op, row(before)?, Value::Null, &info)?;
                records.push(self.record(shape, key.clone(), value, offset.clone(), Headers::new()));
                if self.tombstones {
                    records.push(self.record(shape, key, SchemaAndValue::NULL, offset, Headers::new()));
                }
            }
            Op::Update => {
                let new = after.unwrap_or_default();
                let new_key = shape.key(new)?;
                let old_key = before.map(|old| shape.key(old)).transpose()?;
                match old_key.filter(|old| *old != new_key && !old.is_null()) {
                    Some(old_key) => {
                        let key_schema = shape.key_schema();
                        let mut to_new = Headers::new();
                        to_new.add("__debezium.newkey", key_schema.clone(), new_key.clone());
                        let deleted = self.envelope(shape, Op::Delete, row(before)?, Value::Null, &info)?;
                        records.push(self.record(shape, old_key.clone(), deleted, offset.clone(), to_new.clone()));
                        if self.tombstones {
                            records.push(self.record(
                                shape,
                                old_key.clone(),
                                SchemaAndValue::NULL,
                                offset.clone(),
                                to_new,
                            ));
                        }
                        let mut from_old = Headers::new();
                        from_old.add("__debezium.oldkey", key_schema, old_key);
                        let created = self.envelope(shape, Op::Create, Value::Null, row(after)?, &info)?;
                        records.push(self.record(shape, new_key, created, offset, from_old));
                    }
                    None => {
                        // The server sends the old row only with REPLICA IDENTITY FULL.
                        let (old, new) = (row(before)?, row(after)?);
                        if self.skip_unchanged && before.is_some() && old == new {
                            return Ok(records);
                        }
                        let value = self.envelope(shape, op, old, new, &info)?;
                        records.push(self.record(shape, new_key, value, offset, Headers::new()));
                    }
                }
            }
            Op::Read | Op::Create => {
                let key = shape.key(after.unwrap_or_default())?;
                let value = self.envelope(shape, op, Value::Null, row(after)?, &info)?;
                records.push(self.record(shape, key, value, offset, Headers::new()));
            }
        }
        Ok(records)
    }
}
