//! One table of the snapshot: read in chunks of `snapshot.fetch.size` rows in primary key order
//! (the next read while the last is converted), after the key an earlier run had committed, so that the progress each record's offset carries
//! says exactly which rows are behind it. A table without a primary key is read in one pass and
//! counts as read only once it was read to the end.

use futures::TryStreamExt;
use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord};
use sqlx::postgres::PgConnection;

use super::Shared;
use crate::chunks::{TableChunks, select_all, tuple};
use crate::client;
use crate::envelope::{SourceInfo, TableShape};
use crate::events::{Change, Events, Op};
use crate::pgoutput::Datum;
use kconnect_cdc::snapshot::{KeyedRecord, TableRun};

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
    let chunks = TableChunks::new(&relation, &key, config.common.snapshot_fetch_size);
    let records = Rows {
        shared,
        events,
        shape: &shape,
        chunks: chunks.as_ref(),
    };
    let mut run = TableRun::new(&shared.emitter, shape.data_collection.clone());
    match &chunks {
        Some(chunks) => {
            let mut after = shared
                .resume
                .resume_key(&shape.data_collection)
                .filter(|key| chunks.fits(key))
                .map(<[String]>::to_vec);
            if let Some(key) = &after {
                tracing::info!(table = %shape.data_collection, ?key, "resuming the table's snapshot after the last committed row");
            }
            // The next chunk is read while this one is converted and handed over.
            let mut tuples = chunks.read(sql, after.as_deref(), None).await?;
            while tuples.len() == chunks.size() {
                after = tuples.last().map(|last| chunks.key_of(last));
                let (next, handed) = futures::join!(chunks.read(sql, after.as_deref(), None), async {
                    run.rows(records.keyed(&tuples)?).await
                });
                handed?;
                tuples = next?;
            }
            run.rows(records.keyed(&tuples)?).await?;
        }
        None => {
            let chunk = config.common.snapshot_fetch_size;
            let (select, _) = select_all(&relation);
            let mut rows = sqlx::query(&select).fetch(&mut *sql);
            let mut tuples = Vec::with_capacity(chunk);
            while let Some(row) = rows.try_next().await.map_err(failed)? {
                tuples.push(tuple(&row)?);
                if tuples.len() == chunk {
                    run.rows(records.keyed(&tuples)?).await?;
                    tuples.clear();
                }
            }
            run.rows(records.keyed(&tuples)?).await?;
        }
    }
    run.finish().await
}

/// How one table's rows become records.
struct Rows<'a> {
    shared: &'a Shared,
    events: &'a Events,
    shape: &'a TableShape,
    chunks: Option<&'a TableChunks>,
}

impl Rows<'_> {
    /// The record of each of `tuples` with its primary key as text (none without a key).
    fn keyed(&self, tuples: &[Vec<Datum>]) -> Result<Vec<KeyedRecord>> {
        tuples
            .iter()
            .map(|tuple| Ok((self.record(tuple)?, self.chunks.map(|chunks| chunks.key_of(tuple)))))
            .collect()
    }

    fn record(&self, tuple: &[Datum]) -> Result<SourceRecord> {
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
        self.events
            .records(change)?
            .pop()
            .ok_or_else(|| ConnectError::Fatal("a snapshot row made no record".into()))
    }
}
