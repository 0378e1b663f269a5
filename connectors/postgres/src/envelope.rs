//! A PostgreSQL table's change events: its columns' types, the rows and keys of its tuples, and
//! the PostgreSQL `source` block, inside the envelope every CDC connector shares.

use kconnect_api::schema::{Schema, SchemaRef};
use kconnect_api::{Result, Struct, Value};
use kconnect_cdc::envelope::{CommonSource, TableSchemas, source_schema_builder};

use crate::pgoutput::{Datum, Relation};
use std::collections::HashMap;

use crate::config::PostgresCdcConfig;
use crate::types::{ColumnFacts, ColumnType, column_type};
use kconnect_cdc::filters::table_id;

/// The `source` block's schema name.
const SOURCE_SCHEMA: &str = "io.debezium.connector.postgresql.Source";

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
    schemas: TableSchemas,
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
    source_schema_builder(SOURCE_SCHEMA)
        .field("schema", Schema::string())
        .field("table", Schema::string())
        .field("txId", Schema::optional_int64())
        .field("lsn", Schema::optional_int64())
        .field("xmin", Schema::optional_int64())
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
        let name = format!("{}.{schema}.{table}", config.common.topic_prefix);
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
            .filter(|i| config.common.columns.keeps(schema, table, &columns[*i].0))
            .collect();
        // Custom message keys take the named columns in the table's order, as Debezium's.
        let key_columns: Vec<usize> = match config.common.message_keys.of(schema, table) {
            Some(names) => (0..columns.len()).filter(|i| names.contains(&columns[*i].0)).collect(),
            None => (0..columns.len()).filter(|i| relation.columns[*i].in_key).collect(),
        };
        let fields = |indexes: &[usize]| -> Vec<(&str, SchemaRef)> {
            indexes
                .iter()
                .map(|i| (columns[*i].0.as_str(), columns[*i].1.schema.clone()))
                .collect()
        };
        let schemas = TableSchemas::new(name.clone(), &fields(&value_columns), &fields(&key_columns), source);
        Self {
            schema: relation.namespace.clone(),
            table: relation.name.clone(),
            data_collection: table_id(schema, table),
            topic: name,
            columns,
            value_columns,
            key_columns,
            schemas,
        }
    }

    /// The schemas of the table's events.
    pub fn schemas(&self) -> &TableSchemas {
        &self.schemas
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
        self.schemas.row(values)
    }

    /// The key struct of `tuple`; null for a table without a primary key.
    pub fn key(&self, tuple: &[Datum]) -> Result<Value> {
        if self.schemas.key_schema().is_none() {
            return Ok(Value::Null);
        }
        let values = self
            .key_columns
            .iter()
            .map(|i| self.datum_value(*i, tuple.get(*i).unwrap_or(&Datum::Null), ""))
            .collect::<Result<Vec<_>>>()?;
        self.schemas.key(values)
    }

    /// The `source` block of an event of this table.
    pub fn source(&self, schema: &SchemaRef, server: &str, db: &str, info: &SourceInfo) -> Result<Value> {
        let common = CommonSource {
            connector: "postgresql",
            server,
            ts_us: info.ts_us,
            snapshot: info.snapshot,
            db,
            sequence: info.sequence.as_deref(),
        };
        let mut values = common.values();
        values.extend([
            Value::String(self.schema.clone()),
            Value::String(self.table.clone()),
            info.tx_id.map_or(Value::Null, Value::Int64),
            info.lsn.map_or(Value::Null, Value::Int64),
            Value::Null,
        ]);
        Ok(Value::Struct(Struct::with_values(schema.clone(), values)?))
    }
}
