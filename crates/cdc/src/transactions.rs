//! Transaction metadata (`provide.transaction.metadata`), as Debezium's: a `BEGIN` and an `END`
//! record per transaction on `<topic.prefix>.<topic.transaction>`, and in each change event the
//! `transaction` block (the transaction's id, the event's order in it and in its table). `BEGIN`
//! comes with a transaction's first captured event, and no `END` follows a transaction none of
//! whose events was captured. Each connector names its transactions as Debezium's does (the same
//! id for every record of a MySQL transaction; PostgreSQL's ids change with the position).

use kconnect_api::schema::{SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{OffsetMap, Result, SourceRecord, Struct, Value};

use crate::RecordTarget;

/// The transaction metadata of one connector.
pub struct Transactions {
    target: RecordTarget,
    key_schema: SchemaRef,
    value_schema: SchemaRef,
    count_schema: SchemaRef,
    current: Option<OpenTransaction>,
}

/// The transaction whose events are being emitted.
struct OpenTransaction {
    /// What tells it from the next (PostgreSQL's xid, MySQL's id).
    transaction: String,
    /// Its events so far.
    total: i64,
    /// Its events per table (`schema.table`), in first-seen order.
    tables: Vec<(String, i64)>,
}

impl Transactions {
    /// Metadata on `topic` of server `server` (its `topic.prefix`).
    pub fn new(topic: &str, server: &str) -> Self {
        let string = || SchemaBuilder::new(SchemaType::String).build();
        let count_schema = SchemaBuilder::struct_()
            .optional()
            .name("event.collection")
            .version(1)
            .field("data_collection", string())
            .field("event_count", SchemaBuilder::new(SchemaType::Int64).build())
            .build();
        Self {
            target: RecordTarget::new(topic, server),
            key_schema: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.TransactionMetadataKey")
                .version(1)
                .field("id", string())
                .build(),
            value_schema: SchemaBuilder::struct_()
                .name("io.debezium.connector.common.TransactionMetadataValue")
                .version(1)
                .field("status", string())
                .field("id", string())
                .field("event_count", SchemaBuilder::new(SchemaType::Int64).optional().build())
                .field(
                    "data_collections",
                    SchemaBuilder::array(count_schema.clone()).optional().build(),
                )
                .field("ts_ms", SchemaBuilder::new(SchemaType::Int64).build())
                .build(),
            count_schema,
            current: None,
        }
    }

    fn record(&self, id: &str, value: Vec<Value>, offset: OffsetMap) -> Result<SourceRecord> {
        let key = Struct::with_values(self.key_schema.clone(), vec![Value::String(id.to_string())])?;
        let value = Struct::with_values(self.value_schema.clone(), value)?;
        Ok(self.target.record(key, value, offset, None))
    }

    /// The `BEGIN` record, with id `id`, of `transaction` (committed at `ts_ms`) when its first
    /// event comes, with the `offset` made then; `None` for its later events.
    pub fn begin(
        &mut self,
        transaction: &str,
        id: String,
        ts_ms: i64,
        offset: impl FnOnce() -> OffsetMap,
    ) -> Result<Option<SourceRecord>> {
        if self
            .current
            .as_ref()
            .is_some_and(|open| open.transaction == transaction)
        {
            return Ok(None);
        }
        self.current = Some(OpenTransaction {
            transaction: transaction.to_string(),
            total: 0,
            tables: Vec::new(),
        });
        let value = vec![
            Value::String("BEGIN".into()),
            Value::String(id.clone()),
            Value::Null,
            Value::Null,
            Value::Int64(ts_ms),
        ];
        self.record(&id, value, offset()).map(Some)
    }

    /// The `END` record, with id `id`, of the open transaction, with its counts; none when none
    /// of its events was captured.
    pub fn end(&mut self, id: String, ts_ms: i64, offset: impl FnOnce() -> OffsetMap) -> Result<Option<SourceRecord>> {
        let Some(OpenTransaction { total, tables, .. }) = self.current.take() else {
            return Ok(None);
        };
        let counts = tables
            .into_iter()
            .map(|(table, count)| {
                let values = vec![Value::String(table), Value::Int64(count)];
                Ok(Value::Struct(Struct::with_values(self.count_schema.clone(), values)?))
            })
            .collect::<Result<Vec<_>>>()?;
        let value = vec![
            Value::String("END".into()),
            Value::String(id.clone()),
            Value::Int64(total),
            Value::Array(counts),
            Value::Int64(ts_ms),
        ];
        self.record(&id, value, offset()).map(Some)
    }

    /// Sets the `transaction` block, with id `id`, of each change event of `table` (its data
    /// collection) in `records`, counting it; tombstones are not counted.
    pub fn annotate(&mut self, table: &str, id: &str, records: &mut [SourceRecord]) -> Result<()> {
        let Some(OpenTransaction { total, tables, .. }) = self.current.as_mut() else {
            return Ok(());
        };
        for record in records {
            let Value::Struct(envelope) = &record.core.value.value else {
                continue;
            };
            let Some(block_schema) = envelope.schema().field("transaction").map(|f| f.schema.clone()) else {
                continue;
            };
            *total += 1;
            let in_table = match tables.iter_mut().find(|(t, _)| t == table) {
                Some((_, count)) => {
                    *count += 1;
                    *count
                }
                None => {
                    tables.push((table.to_string(), 1));
                    1
                }
            };
            let values = vec![
                Value::String(id.to_string()),
                Value::Int64(*total),
                Value::Int64(in_table),
            ];
            let block = Struct::with_values(block_schema, values)?;
            let annotated = envelope.clone().put("transaction", Value::Struct(block))?;
            record.core.value.value = Value::Struct(annotated);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::{RecordCore, SchemaAndValue};

    fn event() -> SourceRecord {
        let block = SchemaBuilder::struct_()
            .optional()
            .field("id", SchemaBuilder::new(SchemaType::String).build())
            .field("total_order", SchemaBuilder::new(SchemaType::Int64).build())
            .field("data_collection_order", SchemaBuilder::new(SchemaType::Int64).build())
            .build();
        let schema = SchemaBuilder::struct_()
            .name("t.Envelope")
            .field("transaction", block)
            .build();
        let value = Struct::with_values(schema.clone(), vec![Value::Null]).unwrap();
        let core = RecordCore::new("t", SchemaAndValue::new(Some(schema), Value::Struct(value)));
        SourceRecord::new(OffsetMap::new(), OffsetMap::new(), core)
    }

    fn field(record: &SourceRecord, path: &[&str]) -> Value {
        let mut value = record.core.value.value.clone();
        for name in path {
            let Value::Struct(inner) = value else {
                return Value::Null;
            };
            value = inner.get(name).cloned().unwrap_or(Value::Null);
        }
        value
    }

    #[test]
    fn a_transaction_is_framed_and_its_events_ordered() {
        let mut metadata = Transactions::new("srv.transaction", "srv");
        let begin = metadata
            .begin("7", "7:100".into(), 1_000, OffsetMap::new)
            .unwrap()
            .unwrap();
        assert_eq!(field(&begin, &["id"]), Value::String("7:100".into()));
        assert!(
            metadata
                .begin("7", "7:120".into(), 1_000, OffsetMap::new)
                .unwrap()
                .is_none(),
            "one BEGIN"
        );
        let mut records = [event(), event()];
        metadata.annotate("public.a", "7:100", &mut records[..1]).unwrap();
        metadata.annotate("public.b", "7:120", &mut records[1..]).unwrap();
        assert_eq!(
            field(&records[1], &["transaction", "id"]),
            Value::String("7:120".into())
        );
        assert_eq!(field(&records[1], &["transaction", "total_order"]), Value::Int64(2));
        assert_eq!(
            field(&records[1], &["transaction", "data_collection_order"]),
            Value::Int64(1)
        );
        let end = metadata.end("7:200".into(), 1_000, OffsetMap::new).unwrap().unwrap();
        assert_eq!(field(&end, &["id"]), Value::String("7:200".into()));
        assert_eq!(field(&end, &["event_count"]), Value::Int64(2));
        assert!(
            metadata.end("7:300".into(), 1_000, OffsetMap::new).unwrap().is_none(),
            "nothing open"
        );
    }
}
