//! The snapshot: every captured table read inside one consistent-snapshot transaction, whose
//! binary log position is read under a global read lock (`snapshot.locking.mode=minimal`: only
//! while the position is read). Tables with a primary key are read in chunks of
//! `snapshot.fetch.size` rows in key order, and the progress goes into the offsets, so a task
//! killed in the middle resumes after the last committed chunk; streaming then starts at the
//! snapshot's position.

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
        reader
            .query_drop("SET SESSION time_zone = '+00:00'")
            .await
            .map_err(failed("setting the snapshot's time zone"))?;
        if config.locking != LockingMode::None {
            reader.query_drop("FLUSH TABLES WITH READ LOCK").await.map_err(|err| {
                ConnectError::config(
                    "snapshot.locking.mode",
                    format!("FLUSH TABLES WITH READ LOCK failed ({err}): grant the user RELOAD, or set snapshot.locking.mode=none"),
                )
            })?;
        }
        reader
            .query_drop("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            .await
            .map_err(failed("starting the snapshot"))?;
        reader
            .query_drop("START TRANSACTION WITH CONSISTENT SNAPSHOT")
            .await
            .map_err(failed("starting the snapshot"))?;
        let now = client::current_position(&mut reader, server).await?;
        let tables = config.common.tables.snapshot_order(
            catalog::tables(&mut reader, &config.common.tables, None).await?,
            TableDef::id,
        );
        let statements = self.create_statements(&mut reader, &tables).await?;
        if config.locking == LockingMode::Minimal {
            reader.query_drop("UNLOCK TABLES").await.map_err(failed("unlocking"))?;
        }
        let (start, progress) = resumed.unwrap_or((now, SnapshotProgress::default()));
        tracing::info!(file = %start.file, pos = start.pos, tables = tables.len(), "snapshot started");
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
        for def in tables.iter().filter(|def| !progress.is_done(&def.id())) {
            let shape = TableShape::new(config, def, events.source_schema());
            let after = progress.resume_key(&def.id()).map(<[String]>::to_vec);
            read_table(
                &mut reader,
                events,
                &emitter,
                &shape,
                def,
                &at,
                after,
                config.common.snapshot_fetch_size,
            )
            .await?;
        }
        if config.locking == LockingMode::Extended {
            reader.query_drop("UNLOCK TABLES").await.map_err(failed("unlocking"))?;
        }
        reader
            .query_drop("COMMIT")
            .await
            .map_err(failed("ending the snapshot"))?;
        emitter.finish().await?;
        tracing::info!("snapshot complete");
        let schemas = Schemas::new(tables);
        Ok((start, schemas))
    }
}

/// Reads one table's rows in chunks and hands them to `emitter`.
#[allow(clippy::too_many_arguments, reason = "one table's reading, its parts named")]
async fn read_table(
    reader: &mut Conn,
    events: &Events,
    emitter: &Emitter,
    shape: &TableShape,
    def: &TableDef,
    at: &BinlogSource,
    after: Option<Vec<String>>,
    fetch: usize,
) -> Result<()> {
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
