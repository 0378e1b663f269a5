//! A captured table's events: its columns' types, the rows and keys of its row images, and the
//! MySQL `source` block, inside the envelope every CDC connector shares.

use kconnect_api::schema::{Schema, SchemaRef};
use kconnect_api::{Result, Struct, Value};
use kconnect_cdc::envelope::{CommonSource, TableSchemas, source_schema_builder};
use mysql_async::Value as Sql;

use crate::catalog::TableDef;
use crate::config::{Flavor, MySqlCdcConfig};
use crate::types::{ColumnType, Origin, ValueModes};

/// The `source` block's schema.
pub fn source_schema(flavor: Flavor) -> SchemaRef {
    source_schema_builder(flavor.source_schema_name())
        .field("table", Schema::optional_string())
        .field("server_id", Schema::int64())
        .field("gtid", Schema::optional_string())
        .field("file", Schema::string())
        .field("pos", Schema::int64())
        .field("row", Schema::int32())
        .field("thread", Schema::optional_int64())
        .field("query", Schema::optional_string())
        .build()
}

/// Where in the binary log an event was read, for its `source` block.
#[derive(Debug, Clone, Default)]
pub struct BinlogSource {
    /// When the change was committed (or the snapshot read), in microseconds since the epoch.
    pub ts_us: i64,
    /// `true`, `last` … for snapshot records, `false` for streamed ones.
    pub snapshot: &'static str,
    /// The server that wrote the event.
    pub server_id: u32,
    /// The transaction's GTID, when the server has them.
    pub gtid: Option<String>,
    /// The binary log file.
    pub file: String,
    /// The event's position.
    pub pos: u64,
    /// The row's index in its event.
    pub row: usize,
}

/// A captured table: its topic, columns and the schemas of its events.
#[derive(Debug, Clone)]
pub struct TableShape {
    /// The database.
    pub database: String,
    /// The table.
    pub table: String,
    /// Every column of the table, in its order (the order of a row image).
    columns: Vec<ColumnType>,
    /// The columns rows carry (`column.include.list` / `column.exclude.list`).
    value_columns: Vec<usize>,
    /// The columns keys carry: the primary key's, or `message.key.columns`.
    key_columns: Vec<usize>,
    schemas: TableSchemas,
}

impl TableShape {
    /// The shape of `def` as `config` says (topic prefix, value modes, column filters, message
    /// keys), with `source` as the `source` block's schema.
    pub fn new(config: &MySqlCdcConfig, def: &TableDef, source: SchemaRef) -> Self {
        let modes = ValueModes {
            decimals: config.common.decimals,
            time_precision: config.common.time_precision,
            binary: config.common.binary,
            bigint_unsigned: config.bigint_unsigned,
        };
        let (database, table) = (def.database.as_str(), def.name.as_str());
        let topic = format!("{}.{database}.{table}", config.common.topic_prefix);
        let columns: Vec<ColumnType> = def.columns.iter().map(|c| ColumnType::of(c, modes)).collect();
        let names: Vec<&str> = def.columns.iter().map(|c| c.name.as_str()).collect();
        let value_columns: Vec<usize> = (0..names.len())
            .filter(|i| config.common.columns.keeps(database, table, names[*i]))
            .collect();
        let key_columns: Vec<usize> = match config.common.message_keys.of(database, table) {
            Some(chosen) => (0..names.len())
                .filter(|i| chosen.iter().any(|c| c == names[*i]))
                .collect(),
            None => def
                .primary_key
                .iter()
                .filter_map(|key| names.iter().position(|name| name == key))
                .collect(),
        };
        let fields = |indexes: &[usize]| -> Vec<(&str, SchemaRef)> {
            indexes
                .iter()
                .map(|i| (names[*i], columns[*i].schema.clone()))
                .collect()
        };
        let schemas = TableSchemas::new(topic, &fields(&value_columns), &fields(&key_columns), source);
        Self {
            database: def.database.clone(),
            table: def.name.clone(),
            columns,
            value_columns,
            key_columns,
            schemas,
        }
    }

    /// How many columns a row image of the table has.
    pub fn width(&self) -> usize {
        self.columns.len()
    }

    /// The schemas of the table's events.
    pub fn schemas(&self) -> &TableSchemas {
        &self.schemas
    }

    /// The row struct and key of a row image (every column, in the table's order), whose values
    /// it takes.
    pub fn row_and_key(&self, mut image: Vec<Sql>, origin: Origin) -> Result<(Value, Value)> {
        let mut value_of = |i: usize, take: bool| {
            let value = match image.get_mut(i) {
                Some(value) if take => std::mem::replace(value, Sql::NULL),
                Some(value) => value.clone(),
                None => Sql::NULL,
            };
            self.columns[i].value(value, origin)
        };
        // The key's columns first, copied: the row takes every value after them.
        let key = match self.schemas.key_schema() {
            Some(_) => {
                let values = self
                    .key_columns
                    .iter()
                    .map(|i| value_of(*i, false))
                    .collect::<Result<_>>()?;
                self.schemas.key(values)?
            }
            None => Value::Null,
        };
        let values = self
            .value_columns
            .iter()
            .map(|i| value_of(*i, true))
            .collect::<Result<_>>()?;
        Ok((self.schemas.row(values)?, key))
    }

    /// The values of `columns` (indexes into a row image) as texts that are the same whichever
    /// `origin` gave the image: how a streamed change meets a queried row of the same key.
    pub fn texts(&self, image: &[Sql], columns: &[usize], origin: Origin) -> Result<Vec<String>> {
        columns
            .iter()
            .map(|i| {
                let value = image.get(*i).cloned().unwrap_or(Sql::NULL);
                Ok(format!("{:?}", self.columns[*i].value(value, origin)?))
            })
            .collect()
    }

    /// The `source` block of an event of this table.
    pub fn source(&self, schema: &SchemaRef, flavor: Flavor, server: &str, at: &BinlogSource) -> Result<Value> {
        source_block(schema, flavor, server, (&self.database, &self.table), at)
    }
}

/// The `source` block (of `schema`) of an event of `flavor`'s server `server` about `table` of
/// `database` (several tables, comma-separated, for a schema change; none, empty) read at `at`.
pub fn source_block(
    schema: &SchemaRef,
    flavor: Flavor,
    server: &str,
    (database, table): (&str, &str),
    at: &BinlogSource,
) -> Result<Value> {
    let common = CommonSource {
        connector: flavor.connector(),
        server,
        ts_us: at.ts_us,
        snapshot: at.snapshot,
        db: database,
        sequence: None,
    };
    let mut values = common.values();
    values.extend([
        if table.is_empty() {
            Value::Null
        } else {
            Value::String(table.to_string())
        },
        Value::Int64(i64::from(at.server_id)),
        at.gtid.clone().map_or(Value::Null, Value::String),
        Value::String(at.file.clone()),
        Value::Int64(at.pos as i64),
        Value::Int32(at.row as i32),
        Value::Null,
        Value::Null,
    ]);
    Ok(Value::Struct(Struct::with_values(schema.clone(), values)?))
}
