//! The snapshot: every captured table read inside one consistent-snapshot transaction, whose
//! binary log position is read under a global read lock (`snapshot.locking.mode=minimal`: only
//! while the position is read). `snapshot.max.threads` readers share the tables, each on its own
//! connection whose transaction began under that lock, so all see the same data. Tables with a
//! primary key are read in chunks of `snapshot.fetch.size` rows in key order, and the progress goes
//! into the offsets, so a task killed in the middle resumes after the last committed chunk;
//! streaming then starts at the snapshot's position.

use std::collections::VecDeque;
use std::sync::Mutex;

use kconnect_api::{ConnectError, Result};
use kconnect_cdc::now_micros;
use kconnect_cdc::snapshot::{Emitter, KeyedRecord, SnapshotProgress, TableRun};
use mysql_async::prelude::Queryable;
use mysql_async::{Conn, Row, Value as Sql};

use crate::capture::{Capture, Events};
use crate::catalog::{self, TableDef, quote};
use crate::client::{self, Server, failed};
use crate::config::LockingMode;
use crate::offsets::{self, Restart};
use crate::schemas::Schemas;
use crate::table::{BinlogSource, TableShape};

/// The `SELECT` of one chunk of `def`'s rows: after `after` and up to and including `upto` (the
/// key columns' SQL literals) in key order, at most `rows`; a table without a key is read in one
/// pass.
pub(crate) fn chunk_query(def: &TableDef, after: Option<&[String]>, upto: Option<&[String]>, rows: usize) -> String {
    let columns: Vec<String> = def.columns.iter().map(|c| quote(&c.name)).collect();
    let from = format!("{}.{}", quote(&def.database), quote(&def.name));
    let mut query = format!("SELECT {} FROM {from}", columns.join(", "));
    if def.primary_key.is_empty() {
        return query;
    }
    let key: Vec<String> = def.primary_key.iter().map(|c| quote(c)).collect();
    let key = key.join(", ");
    let mut conditions = Vec::new();
    if let Some(after) = after {
        conditions.push(format!("({key}) > ({})", after.join(", ")));
    }
    if let Some(upto) = upto {
        conditions.push(format!("({key}) <= ({})", upto.join(", ")));
    }
    if !conditions.is_empty() {
        query.push_str(&format!(" WHERE {}", conditions.join(" AND ")));
    }
    query.push_str(&format!(" ORDER BY {key} LIMIT {rows}"));
    query
}

impl Capture {
    /// Reads the captured tables and hands each row to the task as an `r` event, resuming after
    /// `resume` (with the binary log position of the snapshot it continues, `from`); the binary
    /// log position streaming starts at, and the tables' shapes there. The shapes are recorded in
    /// the schema history before any row is handed over.
    pub(crate) async fn snapshot(
        &self,
        server: &Server,
        events: &Events,
        resumed: Option<(Restart, SnapshotProgress)>,
    ) -> Result<(Restart, Schemas)> {
        let config = &self.config;
        let mut reader = client::connect(&config.connection).await?;
        if config.locking != LockingMode::None {
            reader.query_drop("FLUSH TABLES WITH READ LOCK").await.map_err(|err| {
                ConnectError::config(
                    "snapshot.locking.mode",
                    format!("FLUSH TABLES WITH READ LOCK failed ({err}): grant the user RELOAD, or set snapshot.locking.mode=none"),
                )
            })?;
        }
        begin(&mut reader).await?;
        let now = client::current_position(&mut reader, server).await?;
        let tables = config.common.tables.snapshot_order(
            catalog::tables(&mut reader, &config.common.tables, None).await?,
            TableDef::id,
        );
        let statements = self.create_statements(&mut reader, &tables).await?;
        let (start, progress) = resumed.unwrap_or((now, SnapshotProgress::default()));
        let pending: VecDeque<&TableDef> = tables.iter().filter(|def| !progress.is_done(&def.id())).collect();
        let mut readers = vec![reader];
        for _ in 1..self.reader_count(pending.len()) {
            let mut reader = client::connect(&config.connection).await?;
            begin(&mut reader).await?;
            readers.push(reader);
        }
        if config.locking == LockingMode::Minimal {
            readers[0]
                .query_drop("UNLOCK TABLES")
                .await
                .map_err(failed("unlocking"))?;
        }
        tracing::info!(file = %start.file, pos = start.pos, tables = tables.len(), readers = readers.len(), "snapshot started");
        let ts_us = now_micros();
        let offset_start = start.clone();
        let emitter = Emitter::new(
            Box::new(move |last, progress| offsets::snapshot(&offset_start, ts_us / 1_000_000, last, progress)),
            progress.clone(),
            self.outbox.clone(),
        );
        let at = BinlogSource {
            ts_us,
            snapshot: "true",
            file: start.file.clone(),
            pos: start.pos,
            ..BinlogSource::default()
        };
        let offset = offsets::snapshot(&start, ts_us / 1_000_000, false, Some(&progress));
        self.record_tables(&tables, statements, events, &at, (&offset, &offset))
            .await?;
        let queue = Mutex::new(pending);
        let snapshot = Snapshot {
            events,
            emitter: &emitter,
            at: &at,
            progress: &progress,
            queue: &queue,
        };
        futures::future::try_join_all(readers.iter_mut().map(|reader| self.read_tables(reader, &snapshot))).await?;
        if config.locking == LockingMode::Extended {
            readers[0]
                .query_drop("UNLOCK TABLES")
                .await
                .map_err(failed("unlocking"))?;
        }
        for reader in &mut readers {
            reader
                .query_drop("COMMIT")
                .await
                .map_err(failed("ending the snapshot"))?;
        }
        emitter.finish().await?;
        tracing::info!("snapshot complete");
        let schemas = Schemas::new(tables);
        Ok((start, schemas))
    }
}

/// What every reader of one snapshot shares.
struct Snapshot<'a> {
    events: &'a Events,
    emitter: &'a Emitter,
    /// Where the rows were read, for their `source` blocks.
    at: &'a BinlogSource,
    /// Where an earlier run of the snapshot left off.
    progress: &'a SnapshotProgress,
    /// The tables no reader has taken yet.
    queue: &'a Mutex<VecDeque<&'a TableDef>>,
}

impl Capture {
    /// How many readers read `tables` tables: `snapshot.max.threads` at most, and one when no
    /// global read lock makes the readers' transactions begin at one point.
    fn reader_count(&self, tables: usize) -> usize {
        let wanted = self.config.common.snapshot_max_threads.min(tables).max(1);
        if wanted > 1 && self.config.locking == LockingMode::None {
            tracing::warn!(
                "snapshot.max.threads above 1 needs the global read lock to give every reader the same data: with snapshot.locking.mode=none one reader reads every table"
            );
            return 1;
        }
        wanted
    }

    /// One reader: takes tables until none is left.
    async fn read_tables(&self, reader: &mut Conn, snapshot: &Snapshot<'_>) -> Result<()> {
        loop {
            let next = snapshot.queue.lock().expect("the table queue").pop_front();
            let Some(def) = next else { return Ok(()) };
            let shape = TableShape::new(&self.config, def, snapshot.events.source_schema());
            let after = snapshot.progress.resume_key(&def.id()).map(<[String]>::to_vec);
            let table = TableRead {
                shape: &shape,
                def,
                at: snapshot.at,
                fetch: self.config.common.snapshot_fetch_size,
            };
            read_table(reader, snapshot.events, snapshot.emitter, table, after).await?;
        }
    }
}

/// Begins `reader`'s consistent-snapshot transaction, its times in UTC.
async fn begin(reader: &mut Conn) -> Result<()> {
    for statement in [
        "SET SESSION time_zone = '+00:00'",
        "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
        "START TRANSACTION WITH CONSISTENT SNAPSHOT",
    ] {
        reader
            .query_drop(statement)
            .await
            .map_err(failed("starting the snapshot"))?;
    }
    Ok(())
}

/// One table to read: its shape and definition, where it is read, how many rows a chunk has.
struct TableRead<'a> {
    shape: &'a TableShape,
    def: &'a TableDef,
    at: &'a BinlogSource,
    fetch: usize,
}

/// Reads one table's rows in chunks and hands them to `emitter`.
async fn read_table(
    reader: &mut Conn,
    events: &Events,
    emitter: &Emitter,
    table: TableRead<'_>,
    after: Option<Vec<String>>,
) -> Result<()> {
    let TableRead { shape, def, at, fetch } = table;
    let mut run = TableRun::new(emitter, def.id());
    let source = events.source(shape, at)?;
    let key_positions: Vec<usize> = def
        .primary_key
        .iter()
        .filter_map(|key| def.columns.iter().position(|c| &c.name == key))
        .collect();
    let keyed = |rows: Vec<Row>| -> Result<Vec<KeyedRecord>> {
        rows.into_iter()
            .map(|row| {
                let image: Vec<Sql> = row.unwrap();
                let key = (!key_positions.is_empty()).then(|| {
                    key_positions
                        .iter()
                        .map(|i| image[*i].as_sql(false))
                        .collect::<Vec<_>>()
                });
                Ok((events.snapshot_record(shape, image, &source)?, key))
            })
            .collect()
    };
    let mut rows = read_chunk(reader, def, after, fetch).await?;
    // A table with a key is read in chunks, the next read while this one is converted and handed
    // over; one without is read in one pass.
    while !key_positions.is_empty() && rows.len() == fetch {
        let records = keyed(rows)?;
        let after = records.last().and_then(|(_, key)| key.clone());
        let (next, handed) = futures::join!(read_chunk(reader, def, after, fetch), run.rows(records));
        handed?;
        rows = next?;
    }
    run.rows(keyed(rows)?).await?;
    run.finish().await
}

/// One chunk of `def`'s rows after `after`.
async fn read_chunk(reader: &mut Conn, def: &TableDef, after: Option<Vec<String>>, fetch: usize) -> Result<Vec<Row>> {
    let query = chunk_query(def, after.as_deref(), None, fetch);
    reader.exec(query, ()).await.map_err(failed("reading a table's rows"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ColumnDef;

    #[test]
    fn chunks_follow_the_primary_key() {
        let column = |name: &str| ColumnDef {
            name: name.into(),
            ..ColumnDef::default()
        };
        let mut def = TableDef {
            database: "shop".into(),
            name: "orders".into(),
            columns: vec![column("a"), column("b"), column("note")],
            primary_key: vec!["a".into(), "b".into()],
            ..TableDef::default()
        };
        assert_eq!(
            chunk_query(&def, Some(&["1".into(), "'x'".into()]), None, 100),
            "SELECT `a`, `b`, `note` FROM `shop`.`orders` WHERE (`a`, `b`) > (1, 'x') ORDER BY `a`, `b` LIMIT 100"
        );
        assert_eq!(
            chunk_query(&def, None, Some(&["9".into(), "'z'".into()]), 10),
            "SELECT `a`, `b`, `note` FROM `shop`.`orders` WHERE (`a`, `b`) <= (9, 'z') ORDER BY `a`, `b` LIMIT 10"
        );
        def.primary_key.clear();
        assert_eq!(
            chunk_query(&def, None, None, 100),
            "SELECT `a`, `b`, `note` FROM `shop`.`orders`"
        );
    }
}
