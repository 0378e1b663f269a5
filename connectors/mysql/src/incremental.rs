//! The MySQL and MariaDB part in an incremental snapshot (`kconnect_cdc::incremental` drives it):
//! a captured table's chunks read in primary key order on a connection of their own (in UTC, as
//! the snapshot reads), and the window signals written into the signal table (`database.table`).
//! A table is read with the shape the stream knows it by when its snapshot starts.

use kconnect_api::{Result, SourceRecord};
use kconnect_cdc::envelope::Op;
use kconnect_cdc::incremental::{ChunkRow, ChunkSource, Incremental, OpenTable, Signal};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Value as Sql};

use crate::capture::Events;
use crate::catalog::{TableDef, quote};
use crate::client::{self, failed};
use crate::config::MySqlCdcConfig;
use crate::schemas::Schemas;
use crate::snapshot::chunk_query;
use crate::table::{BinlogSource, TableShape};
use crate::types::Origin;

/// An incremental snapshot of MySQL or MariaDB tables.
pub type MySqlIncremental = Incremental<SnapshotTable, Vec<Sql>>;

/// A table an incremental snapshot reads.
pub struct SnapshotTable {
    def: TableDef,
    shape: TableShape,
    /// Where the primary key's columns are in a row.
    key: Vec<usize>,
}

impl SnapshotTable {
    /// The primary keys of a change's row images when it is of this table (`shape`'s), else
    /// none.
    pub fn keys(&self, shape: &TableShape, images: [Option<&Vec<Sql>>; 2]) -> Result<Vec<Vec<String>>> {
        if shape.database != self.def.database || shape.table != self.def.name {
            return Ok(Vec::new());
        }
        images
            .into_iter()
            .flatten()
            .map(|image| shape.texts(image, &self.key, Origin::Binlog))
            .collect()
    }

    /// The `r` event of one of the table's rows, read at `at`, resuming at `offset`.
    pub fn record(
        &self,
        events: &Events,
        row: Vec<Sql>,
        at: &BinlogSource,
        offset: kconnect_api::OffsetMap,
    ) -> Result<Vec<SourceRecord>> {
        let at = BinlogSource {
            snapshot: "incremental",
            ..at.clone()
        };
        events.records(&self.shape, Op::Read, None, Some(row), Origin::Query, &at, offset)
    }
}

/// The signal a row inserted into the signal table carries: its first three columns.
pub fn signal_of(image: &[Sql]) -> Option<Signal> {
    Signal::of_row(|i| match image.get(i) {
        Some(Sql::Bytes(bytes)) => Some(String::from_utf8_lossy(bytes).into_owned()),
        _ => None,
    })
}

/// The database an incremental snapshot reads: its own connection, opened when first needed, and
/// the tables' shapes where the stream is.
pub struct MySqlChunks<'a> {
    /// The connection chunks are read and signals written through.
    pub conn: &'a mut Option<Conn>,
    /// The connector's config.
    pub config: &'a MySqlCdcConfig,
    /// The captured tables' shapes.
    pub schemas: &'a Schemas,
    /// The builder of the connector's records, whose source schema the shapes embed.
    pub events: &'a Events,
}

impl MySqlChunks<'_> {
    async fn conn(&mut self) -> Result<&mut Conn> {
        if self.conn.is_none() {
            let mut conn = client::connect(&self.config.connection).await?;
            conn.query_drop("SET SESSION time_zone = '+00:00'")
                .await
                .map_err(failed("setting the incremental snapshot's time zone"))?;
            *self.conn = Some(conn);
        }
        Ok(self.conn.as_mut().expect("connected"))
    }

    fn def(&self, table: &str) -> Option<&TableDef> {
        let (database, name) = table.split_once('.')?;
        self.schemas
            .table(database, name)
            .filter(|_| self.config.common.tables.captures(database, name))
    }

    /// The key columns' SQL literals of a row.
    fn literals(row: &[Sql], key: &[usize]) -> Vec<String> {
        key.iter().map(|i| row[*i].as_sql(false)).collect()
    }
}

impl ChunkSource for MySqlChunks<'_> {
    type Table = SnapshotTable;
    type Row = Vec<Sql>;

    async fn captured(&mut self, table: &str) -> Result<bool> {
        Ok(self.def(table).is_some())
    }

    async fn open(&mut self, table: &str) -> Result<Option<OpenTable<SnapshotTable>>> {
        let Some(def) = self.def(table).cloned() else {
            return Ok(None);
        };
        let key: Vec<usize> = def
            .primary_key
            .iter()
            .filter_map(|name| def.columns.iter().position(|c| &c.name == name))
            .collect();
        if key.is_empty() {
            return Ok(None);
        }
        let columns: Vec<String> = def.primary_key.iter().map(|c| quote(c)).collect();
        let last = format!(
            "SELECT {} FROM {}.{} ORDER BY {} LIMIT 1",
            columns.join(", "),
            quote(&def.database),
            quote(&def.name),
            columns
                .iter()
                .map(|c| format!("{c} DESC"))
                .collect::<Vec<_>>()
                .join(", ")
        );
        let row: Option<mysql_async::Row> = self
            .conn()
            .await?
            .exec_first(last, ())
            .await
            .map_err(failed("reading a table's last key"))?;
        let Some(row) = row else {
            return Ok(None);
        };
        let upto = Self::literals(&row.unwrap(), &(0..key.len()).collect::<Vec<_>>());
        let shape = TableShape::new(self.config, &def, self.events.source_schema());
        Ok(Some(OpenTable {
            key_width: key.len(),
            table: SnapshotTable { def, shape, key },
            upto,
        }))
    }

    async fn read(
        &mut self,
        table: &SnapshotTable,
        after: Option<&[String]>,
        upto: &[String],
    ) -> Result<Vec<ChunkRow<Vec<Sql>>>> {
        let query = chunk_query(&table.def, after, Some(upto), self.config.common.incremental_chunk_size);
        let rows: Vec<mysql_async::Row> = self
            .conn()
            .await?
            .exec(query, ())
            .await
            .map_err(failed("reading an incremental snapshot's chunk"))?;
        rows.into_iter()
            .map(|row| {
                let row: Vec<Sql> = row.unwrap();
                Ok(ChunkRow {
                    key: Self::literals(&row, &table.key),
                    matches: table.shape.texts(&row, &table.key, Origin::Query)?,
                    row,
                })
            })
            .collect()
    }

    async fn signal(&mut self, id: &str, kind: &str) -> Result<()> {
        let table = self.config.common.signal_table.clone().unwrap_or_default();
        let (database, name) = table.split_once('.').unwrap_or_default();
        let statement = format!("INSERT INTO {}.{} VALUES (?, ?, NULL)", quote(database), quote(name));
        self.conn()
            .await?
            .exec_drop(statement, (id, kind))
            .await
            .map_err(failed("writing to the signal table"))
    }
}
