//! One table of the snapshot: read in chunks of `snapshot.fetch.size` rows in primary key order
//! (the next read while the last is converted), after the key an earlier run had committed, so that the progress each record's offset carries
//! says exactly which rows are behind it. A table without a primary key is read in one pass and
//! counts as read only once it was read to the end.

use futures::TryStreamExt;
use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord};
use sqlx::postgres::PgConnection;

use super::Shared;
use super::emitter::Marker;
use super::progress::TableState;
use crate::chunks::{TableChunks, select_all, tuple};
use crate::client;
use crate::envelope::{SourceInfo, TableShape};
use crate::events::{Change, Events, Op};
use crate::pgoutput::Datum;

fn failed(err: sqlx::Error) -> ConnectError {
    ConnectError::Retriable(format!("reading the snapshot: {err}"))
}

/// Reads `schema.table` inside `sql`'s snapshot transaction and hands its rows to the emitter.
pub(super) async fn read_table(
    shared: &Shared,
    events: &Events,
    sql: &mut PgConnection,
    schema: &str,
    table: &str,
) -> Result<()> {
    let config = &shared.config;
    let relation = client::relation_of(sql, schema, table).await?;
    let facts = client::column_facts(sql, relation.id).await?;
    let key = client::primary_key(sql, relation.id).await?;
    let shape = TableShape::new(config, &relation, &facts, events.source_schema());
    let chunks = TableChunks::new(&relation, &key, config.snapshot_fetch_size);
    let mut run = TableRun {
        shared,
        events,
        shape: &shape,
        table: shape.data_collection.clone(),
        chunks: chunks.as_ref(),
        held: None,
        started: false,
    };
    match &chunks {
        Some(chunks) => {
            let mut after = shared
                .resume
                .resume_key(&run.table)
                .filter(|key| chunks.fits(key))
                .map(<[String]>::to_vec);
            if let Some(key) = &after {
                tracing::info!(table = %run.table, ?key, "resuming the table's snapshot after the last committed row");
            }
            // The next chunk is read while this one is converted and handed over.
            let mut tuples = chunks.read(sql, after.as_deref(), None).await?;
            while tuples.len() == chunks.size() {
                after = tuples.last().map(|last| chunks.key_of(last));
                let (next, handed) = futures::join!(chunks.read(sql, after.as_deref(), None), run.rows(&tuples));
                handed?;
                tuples = next?;
            }
            run.rows(&tuples).await?;
        }
        None => {
            let chunk = config.snapshot_fetch_size;
            let (select, _) = select_all(&relation);
            let mut rows = sqlx::query(&select).fetch(&mut *sql);
            let mut tuples = Vec::with_capacity(chunk);
            while let Some(row) = rows.try_next().await.map_err(failed)? {
                tuples.push(tuple(&row)?);
                if tuples.len() == chunk {
                    run.rows(&tuples).await?;
                    tuples.clear();
                }
            }
            run.rows(&tuples).await?;
        }
    }
    run.finish().await
}

/// The last row read, not handed over yet: whether it is the table's last is known only later.
struct Held {
    record: SourceRecord,
    marker: Marker,
    key: Option<Vec<String>>,
}

/// The rows of one table on their way to the emitter.
struct TableRun<'a> {
    shared: &'a Shared,
    events: &'a Events,
    shape: &'a TableShape,
    table: String,
    chunks: Option<&'a TableChunks>,
    held: Option<Held>,
    started: bool,
}

impl TableRun<'_> {
    /// The primary key of `tuple` as text; `None` for a table without one.
    fn key_of(&self, tuple: &[Datum]) -> Option<Vec<String>> {
        self.chunks.map(|chunks| chunks.key_of(tuple))
    }

    fn record(&mut self, tuple: &[Datum]) -> Result<(SourceRecord, Marker)> {
        let start = self.shared.start;
        let info = SourceInfo {
            ts_us: start.ts_usec,
            snapshot: "true",
            tx_id: start.tx_id,
            lsn: Some(start.lsn as i64),
            sequence: Some(format!("[null,\"{}\"]", start.lsn)),
        };
        let change = Change {
            shape: self.shape,
            op: Op::Read,
            before: None,
            after: Some(tuple),
            info,
            offset: OffsetMap::new(),
        };
        let record = self
            .events
            .records(change)?
            .pop()
            .ok_or_else(|| ConnectError::Fatal("a snapshot row made no record".into()))?;
        let marker = if self.started {
            Marker::Plain
        } else {
            Marker::FirstInTable
        };
        self.started = true;
        Ok((record, marker))
    }

    /// Hands over the rows before the last of `tuples` (and the one held from before), holding
    /// the last back.
    async fn rows(&mut self, tuples: &[Vec<Datum>]) -> Result<()> {
        let Some((last, before_last)) = tuples.split_last() else {
            return Ok(());
        };
        let reached = match before_last.last() {
            Some(tuple) => self.key_of(tuple),
            None => self.held.as_ref().and_then(|held| held.key.clone()),
        };
        let mut batch = Vec::with_capacity(tuples.len());
        if let Some(held) = self.held.take() {
            batch.push((held.record, held.marker));
        }
        for tuple in before_last {
            batch.push(self.record(tuple)?);
        }
        let (record, marker) = self.record(last)?;
        self.held = Some(Held {
            record,
            marker,
            key: self.key_of(last),
        });
        if batch.is_empty() {
            return Ok(());
        }
        let reached = reached.map(TableState::At);
        self.shared.emitter.emit(&self.table, batch, reached).await
    }

    /// Hands over the table's last row, marked so, and records the table as read.
    async fn finish(mut self) -> Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let batch = vec![(held.record, Marker::LastInTable)];
        self.shared
            .emitter
            .emit(&self.table, batch, Some(TableState::Done))
            .await
    }
}
