//! PostgreSQL's part in an incremental snapshot (`kconnect_cdc::incremental` drives it): which
//! tables are captured, a table's chunks read in key order as pgoutput's text values, and the
//! window signals written into the signal table (`schema.table`).

use kconnect_api::{ConnectError, Result};
use kconnect_cdc::filters::table_id;
use kconnect_cdc::incremental::{ChunkRow, ChunkSource, Incremental, OpenTable, Signal};
use sqlx::postgres::PgConnection;

use crate::chunks::TableChunks;
use crate::client::{self, quote};
use crate::config::PostgresCdcConfig;
use crate::envelope::TableShape;
use crate::events::Events;
use crate::pgoutput::{Datum, Tuple};

/// An incremental snapshot of PostgreSQL tables.
pub type PgIncremental = Incremental<SnapshotTable, Tuple>;

/// A table an incremental snapshot reads.
pub struct SnapshotTable {
    /// Its relation id, as the stream names it.
    pub relation: u32,
    /// Its events' shape.
    pub shape: TableShape,
    chunks: TableChunks,
}

impl SnapshotTable {
    /// The primary keys of a change's row images.
    pub fn keys(&self, tuples: [Option<&[Datum]>; 2]) -> Vec<Vec<String>> {
        tuples.into_iter().flatten().map(|t| self.chunks.key_of(t)).collect()
    }
}

/// The signal an inserted row of the signal table carries.
pub fn signal_of(tuple: &[Datum]) -> Option<Signal> {
    Signal::of_row(|i| match tuple.get(i) {
        Some(Datum::Text(text)) => Some(text.clone()),
        _ => None,
    })
}

/// The database an incremental snapshot reads: a connection and the connector's config.
pub struct PgChunks<'a> {
    /// The connection chunks are read and signals written through.
    pub sql: &'a mut PgConnection,
    /// The connector's config.
    pub config: &'a PostgresCdcConfig,
    /// The builder of the connector's records, whose source schema the shapes embed.
    pub events: &'a Events,
}

impl ChunkSource for PgChunks<'_> {
    type Table = SnapshotTable;
    type Row = Tuple;

    async fn captured(&mut self, table: &str) -> Result<bool> {
        let captured = client::captured_tables(self.sql, &self.config.common.tables).await?;
        Ok(captured.iter().any(|(s, t)| table_id(s, t) == table))
    }

    async fn open(&mut self, id: &str) -> Result<Option<OpenTable<SnapshotTable>>> {
        let Some((schema, table)) = id.split_once('.') else {
            return Ok(None);
        };
        let relation = client::relation_of(self.sql, schema, table).await?;
        let key = client::primary_key(self.sql, relation.id).await?;
        let Some(chunks) = TableChunks::new(&relation, &key, self.config.common.incremental_chunk_size) else {
            return Ok(None);
        };
        let Some(upto) = chunks.last_key(self.sql).await? else {
            return Ok(None);
        };
        let facts = client::column_facts(self.sql, relation.id).await?;
        let shape = TableShape::new(self.config, &relation, &facts, self.events.source_schema());
        Ok(Some(OpenTable {
            key_width: key.len(),
            table: SnapshotTable {
                relation: relation.id,
                shape,
                chunks,
            },
            upto,
        }))
    }

    async fn read(
        &mut self,
        table: &SnapshotTable,
        after: Option<&[String]>,
        upto: &[String],
    ) -> Result<Vec<ChunkRow<Tuple>>> {
        let tuples = table.chunks.read(self.sql, after, Some(upto)).await?;
        Ok(tuples
            .into_iter()
            .map(|row| {
                let key = table.chunks.key_of(&row);
                ChunkRow {
                    matches: key.clone(),
                    key,
                    row,
                }
            })
            .collect())
    }

    async fn signal(&mut self, id: &str, kind: &str) -> Result<()> {
        let table = self.config.common.signal_table.as_deref().unwrap_or_default();
        let (schema, name) = table.split_once('.').unwrap_or(("public", table));
        let statement = format!("INSERT INTO {}.{} VALUES ($1, $2, NULL)", quote(schema), quote(name));
        sqlx::query(&statement)
            .bind(id)
            .bind(kind)
            .execute(&mut *self.sql)
            .await
            .map_err(|err| ConnectError::Retriable(format!("writing to the signal table {table}: {err}")))?;
        Ok(())
    }
}
