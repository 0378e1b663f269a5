//! One table of the snapshot: read in chunks of `snapshot.fetch.size` rows in primary key order,
//! after the key an earlier run had committed, so that the progress each record's offset carries
//! says exactly which rows are behind it. A table without a primary key is read in one pass and
//! counts as read only once it was read to the end.

use futures::TryStreamExt;
use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

use super::Shared;
use super::emitter::Marker;
use super::progress::{TableState, table_id};
use crate::client::{self, quote};
use crate::envelope::{SourceInfo, TableShape};
use crate::events::{Change, Events, Op};
use crate::pgoutput::{Datum, RelationColumn};

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
    let shape = TableShape::new(
        &config.topic_prefix,
        &relation,
        &facts,
        config.modes,
        events.source_schema(),
    );
    let columns: Vec<String> = relation.columns.iter().map(snapshot_text).collect();
    let from = format!("{}.{}", quote(schema), quote(table));
    let select = format!("SELECT {} FROM {from}", columns.join(", "));
    let key_positions: Option<Vec<usize>> = key
        .iter()
        .map(|k| relation.columns.iter().position(|c| c.name == k.name))
        .collect::<Option<Vec<_>>>()
        .filter(|positions| !positions.is_empty());
    let mut run = TableRun {
        shared,
        events,
        shape: &shape,
        table: table_id(schema, table),
        key_positions: key_positions.as_deref(),
        held: None,
        started: false,
    };
    let chunk = shared.config.snapshot_fetch_size;
    match run.key_positions {
        Some(positions) => {
            // Qualified: a bare name would order by the selected text of the column.
            let order: Vec<String> = key.iter().map(|k| format!("{from}.{}", quote(&k.name))).collect();
            let order = order.join(", ");
            let casts: Vec<String> = key
                .iter()
                .enumerate()
                .map(|(n, k)| format!("${}::text::{}", n + 1, k.type_name))
                .collect();
            let first = format!("{select} ORDER BY {order} LIMIT {chunk}");
            let next = format!(
                "{select} WHERE ({order}) > ({}) ORDER BY {order} LIMIT {chunk}",
                casts.join(", ")
            );
            let mut after = shared
                .resume
                .resume_key(&run.table)
                .filter(|key| key.len() == positions.len())
                .map(<[String]>::to_vec);
            if let Some(key) = &after {
                tracing::info!(table = %run.table, ?key, "resuming the table's snapshot after the last committed row");
            }
            loop {
                let rows = match &after {
                    None => sqlx::query(&first).fetch_all(&mut *sql).await,
                    Some(key) => {
                        let query = key.iter().fold(sqlx::query(&next), |query, value| query.bind(value));
                        query.fetch_all(&mut *sql).await
                    }
                }
                .map_err(failed)?;
                let tuples = rows.iter().map(tuple).collect::<Result<Vec<_>>>()?;
                let complete = tuples.len() < chunk;
                if let Some(last) = tuples.last() {
                    after = run.key_of(last);
                }
                run.rows(&tuples).await?;
                if complete {
                    break;
                }
            }
        }
        None => {
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

/// A row's columns, as text.
fn tuple(row: &PgRow) -> Result<Vec<Datum>> {
    (0..row.len())
        .map(|i| {
            let text: Option<String> = row.try_get(i).map_err(failed)?;
            Ok(text.map_or(Datum::Null, Datum::Text))
        })
        .collect()
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
    key_positions: Option<&'a [usize]>,
    held: Option<Held>,
    started: bool,
}

impl TableRun<'_> {
    /// The primary key of `tuple` as text; `None` for a table without one.
    fn key_of(&self, tuple: &[Datum]) -> Option<Vec<String>> {
        let positions = self.key_positions?;
        Some(
            positions
                .iter()
                .map(|at| match &tuple[*at] {
                    Datum::Text(text) => text.clone(),
                    Datum::Null | Datum::UnchangedToast => String::new(),
                })
                .collect(),
        )
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

/// The column as the snapshot selects it: its text output, as pgoutput sends it (a `char(n)`
/// keeps its padding, which a cast to text drops).
fn snapshot_text(column: &RelationColumn) -> String {
    let name = quote(&column.name);
    match (column.type_oid, column.type_modifier) {
        (1042, modifier) if modifier > 4 => format!("rpad({name}::text, {})", modifier - 4),
        _ => format!("{name}::text"),
    }
}
