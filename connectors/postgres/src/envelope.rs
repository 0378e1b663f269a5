//! Debezium's change events: a table's key and value schemas, the `source` block and the envelope
//! (`before`, `after`, `source`, `transaction`, `op`, `ts_ms`, `ts_us`, `ts_ns`).

use kconnect_api::schema::{SchemaBuilder, SchemaRef, SchemaType};
use kconnect_api::{Result, Struct, Value};

use crate::pgoutput::{Datum, Relation};
use std::collections::HashMap;

use crate::config::PostgresCdcConfig;
use crate::filters::table_id;
use crate::types::{ColumnFacts, ColumnType, column_type};

/// The `source` block's schema name.
const SOURCE_SCHEMA: &str = "io.debezium.connector.postgresql.Source";
/// The values `source.snapshot` may take.
const SNAPSHOT_VALUES: &str = "true,first,first_in_data_collection,last_in_data_collection,last,false,incremental";

/// A captured table's shape: its topic, columns and the schemas of its events.
#[derive(Debug, Clone)]
pub struct TableShape {
    /// The schema (namespace).
    pub schema: String,
    /// The table name.
    pub table: String,
    /// `schema.table`, as Debezium names data collections.
    pub data_collection: String,
    /// `<topic.prefix>.<schema>.<table>`.
    pub topic: String,
    /// Every column of the table, in its order (the order of a change's tuple).
    columns: Vec<(String, ColumnType)>,
    /// The columns rows carry (`column.include.list` / `column.exclude.list`).
    value_columns: Vec<usize>,
    /// The columns keys carry: the primary key's, or `message.key.columns`.
    key_columns: Vec<usize>,
    key_schema: Option<SchemaRef>,
    value_schema: SchemaRef,
    envelope_schema: SchemaRef,
}

/// What the `source` block says of one event.
#[derive(Debug, Clone, Default)]
pub struct SourceInfo {
    /// When the change was committed (or the snapshot read), in microseconds since the epoch.
    pub ts_us: i64,
    /// `true`, `last` … for snapshot records, `false` for streamed ones.
    pub snapshot: &'static str,
    /// The transaction id.
    pub tx_id: Option<i64>,
    /// The change's LSN.
    pub lsn: Option<i64>,
    /// `["<last commit LSN>","<this LSN>"]` for streamed changes.
    pub sequence: Option<String>,
}

/// The `source` block's schema.
pub fn source_schema() -> SchemaRef {
    let string = || SchemaBuilder::new(SchemaType::String).build();
    let optional_long = || SchemaBuilder::new(SchemaType::Int64).optional().build();
    SchemaBuilder::struct_()
        .name(SOURCE_SCHEMA)
        .field("version", string())
        .field("connector", string())
        .field("name", string())
        .field("ts_ms", SchemaBuilder::new(SchemaType::Int64).build())
        .field(
            "snapshot",
            SchemaBuilder::new(SchemaType::String)
                .optional()
                .name("io.debezium.data.Enum")
                .version(1)
                .parameter("allowed", SNAPSHOT_VALUES)
                .default_value(Value::String("false".into()))
                .build(),
        )
        .field("db", string())
        .field("sequence", SchemaBuilder::new(SchemaType::String).optional().build())
        .field("ts_us", optional_long())
        .field("ts_ns", optional_long())
        .field("schema", string())
        .field("table", string())
        .field("txId", optional_long())
        .field("lsn", optional_long())
        .field("xmin", optional_long())
        .build()
}

fn transaction_schema() -> SchemaRef {
    SchemaBuilder::struct_()
        .optional()
        .name("event.block")
        .version(1)
        .field("id", SchemaBuilder::new(SchemaType::String).build())
        .field("total_order", SchemaBuilder::new(SchemaType::Int64).build())
        .field("data_collection_order", SchemaBuilder::new(SchemaType::Int64).build())
        .build()
}

impl TableShape {
    /// The shape of `relation`, with the catalog's `facts` of its columns, as `config` says
    /// (topic prefix, value modes, column filters, message keys).
    pub fn new(
        config: &PostgresCdcConfig,
        relation: &Relation,
        facts: &HashMap<String, ColumnFacts>,
        source: SchemaRef,
    ) -> Self {
        let (schema, table) = (relation.namespace.as_str(), relation.name.as_str());
        let name = format!("{}.{schema}.{table}", config.topic_prefix);
        let unknown = ColumnFacts::default();
        let columns: Vec<(String, ColumnType)> = relation
            .columns
            .iter()
            .map(|c| {
                let facts = facts.get(&c.name).unwrap_or(&unknown);
                (
                    c.name.clone(),
                    column_type(c.type_oid, c.type_modifier, facts, config.modes),
                )
            })
            .collect();
        let value_columns: Vec<usize> = (0..columns.len())
            .filter(|i| config.columns.keeps(schema, table, &columns[*i].0))
            .collect();
        // Custom message keys take the named columns in the table's order, as Debezium's.
        let key_columns: Vec<usize> = match config.message_keys.of(schema, table) {
            Some(names) => (0..columns.len()).filter(|i| names.contains(&columns[*i].0)).collect(),
            None => (0..columns.len()).filter(|i| relation.columns[*i].in_key).collect(),
        };
        let key_schema = (!key_columns.is_empty()).then(|| {
            key_columns
                .iter()
                .fold(SchemaBuilder::struct_().name(format!("{name}.Key")), |builder, i| {
                    builder.field(columns[*i].0.clone(), columns[*i].1.schema.clone())
                })
                .build()
        });
        let value_schema = value_columns
            .iter()
            .fold(
                SchemaBuilder::struct_().optional().name(format!("{name}.Value")),
                |builder, i| builder.field(columns[*i].0.clone(), columns[*i].1.schema.clone()),
            )
            .build();
        let optional_long = || SchemaBuilder::new(SchemaType::Int64).optional().build();
        let envelope_schema = SchemaBuilder::struct_()
            .name(format!("{name}.Envelope"))
            .version(2)
            .field("before", value_schema.clone())
            .field("after", value_schema.clone())
            .field("source", source)
            .field("transaction", transaction_schema())
            .field("op", SchemaBuilder::new(SchemaType::String).build())
            .field("ts_ms", optional_long())
            .field("ts_us", optional_long())
            .field("ts_ns", optional_long())
            .build();
        Self {
            schema: relation.namespace.clone(),
            table: relation.name.clone(),
            data_collection: table_id(schema, table),
            topic: name,
            columns,
            value_columns,
            key_columns,
            key_schema,
            value_schema,
            envelope_schema,
        }
    }

    /// The key schema; `None` for a table without a primary key.
    pub fn key_schema(&self) -> Option<SchemaRef> {
        self.key_schema.clone()
    }

    /// The envelope schema.
    pub fn envelope_schema(&self) -> SchemaRef {
        self.envelope_schema.clone()
    }

    fn datum_value(&self, index: usize, datum: &Datum, placeholder: &str) -> Result<Value> {
        let kind = &self.columns[index].1;
        match datum {
            Datum::Null if kind.schema.optional => Ok(Value::Null),
            Datum::Null => Ok(kind.absent_value()),
            Datum::Text(text) => kind.value(text),
            Datum::UnchangedToast => Ok(kind.unchanged_toast(placeholder)),
        }
    }

    /// The row struct of `tuple` (a key-only tuple leaves the other columns null).
    pub fn row(&self, tuple: &[Datum], placeholder: &str) -> Result<Value> {
        let values = self
            .value_columns
            .iter()
            .map(|i| self.datum_value(*i, tuple.get(*i).unwrap_or(&Datum::Null), placeholder))
            .collect::<Result<Vec<_>>>()?;
        Ok(Value::Struct(Struct::with_values(self.value_schema.clone(), values)?))
    }

    /// The key struct of `tuple`; null for a table without a primary key.
    pub fn key(&self, tuple: &[Datum]) -> Result<Value> {
        let Some(schema) = &self.key_schema else {
            return Ok(Value::Null);
        };
        let values = self
            .key_columns
            .iter()
            .map(|i| self.datum_value(*i, tuple.get(*i).unwrap_or(&Datum::Null), ""))
            .collect::<Result<Vec<_>>>()?;
        Ok(Value::Struct(Struct::with_values(schema.clone(), values)?))
    }

    /// The `source` block of an event of this table.
    pub fn source(&self, schema: &SchemaRef, server: &str, db: &str, info: &SourceInfo) -> Result<Value> {
        let values = vec![
            Value::String(env!("CARGO_PKG_VERSION").to_string()),
            Value::String("postgresql".into()),
            Value::String(server.to_string()),
            Value::Int64(info.ts_us / 1_000),
            Value::String(info.snapshot.to_string()),
            Value::String(db.to_string()),
            info.sequence.clone().map_or(Value::Null, Value::String),
            Value::Int64(info.ts_us),
            Value::Int64(info.ts_us * 1_000),
            Value::String(self.schema.clone()),
            Value::String(self.table.clone()),
            info.tx_id.map_or(Value::Null, Value::Int64),
            info.lsn.map_or(Value::Null, Value::Int64),
            Value::Null,
        ];
        Ok(Value::Struct(Struct::with_values(schema.clone(), values)?))
    }

    /// The envelope of one change: `op` is `r`, `c`, `u` or `d`; `now_us` is when it was processed.
    pub fn envelope(&self, before: Value, after: Value, source: Value, op: &str, now_us: i64) -> Result<Value> {
        let values = vec![
            before,
            after,
            source,
            Value::Null,
            Value::String(op.to_string()),
            Value::Int64(now_us / 1_000),
            Value::Int64(now_us),
            Value::Int64(now_us * 1_000),
        ];
        Ok(Value::Struct(Struct::with_values(
            self.envelope_schema.clone(),
            values,
        )?))
    }
}
