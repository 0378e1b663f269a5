//! The snapshot: every captured table read inside one repeatable-read snapshot (the slot's
//! exported one when the slot was just created), each row an `r` event marked as Debezium marks
//! them. `snapshot.max.threads` readers share the tables, each on its own connection importing
//! the same snapshot; tables are read in primary key chunks (`table.rs`), and the progress goes
//! into the offsets (`kconnect_cdc::snapshot`), so a task killed in the middle resumes after the last
//! committed chunk instead of starting over.

mod table;

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};

use kconnect_api::{ConnectError, Result};
use sqlx::postgres::PgConnection;
use tokio::task::JoinSet;

pub use kconnect_cdc::snapshot::{SnapshotProgress, TableState};

use crate::capture::Capture;
use crate::client;
use crate::config::PostgresCdcConfig;
use crate::events::Events;
use crate::offsets::SnapshotStart;
use kconnect_cdc::filters::table_id;
use kconnect_cdc::now_micros;
use kconnect_cdc::snapshot::Emitter;

fn failed(err: sqlx::Error) -> ConnectError {
    ConnectError::Retriable(format!("reading the snapshot: {err}"))
}

/// What the readers of one snapshot share.
struct Shared {
    config: PostgresCdcConfig,
    start: SnapshotStart,
    /// What an earlier run had committed: the tables and rows not read again.
    resume: SnapshotProgress,
    /// The tables no reader took yet.
    tables: Mutex<VecDeque<(String, String)>>,
    emitter: Emitter,
}

/// Where a snapshot starts from.
pub(crate) enum SnapshotFrom<'a> {
    /// The slot was just created: its exported snapshot, consistent with its position.
    Exported { name: &'a str, lsn: u64 },
    /// A new snapshot of the database as it is now; the slot already exists, so changes the
    /// stream also carries may be read twice, never missed.
    Now,
    /// Where an earlier run of a snapshot stopped (in a snapshot of the database as it is now).
    Resumed(SnapshotStart, SnapshotProgress),
}

impl Capture {
    /// Reads the captured tables and hands each row to the task as an `r` event; the last
    /// carries `last_snapshot_record`.
    pub(crate) async fn snapshot(&self, from: SnapshotFrom<'_>) -> Result<()> {
        let mut first = client::connect_sql(&self.config.connection).await?;
        begin(&mut first).await?;
        let snapshot_name = match &from {
            SnapshotFrom::Exported { name, .. } => {
                import(&mut first, name).await?;
                name.to_string()
            }
            SnapshotFrom::Now | SnapshotFrom::Resumed(..) => sqlx::query_scalar("SELECT pg_export_snapshot()")
                .fetch_one(&mut first)
                .await
                .map_err(failed)?,
        };
        let (start, resume) = match from {
            SnapshotFrom::Resumed(start, progress) => (start, progress),
            SnapshotFrom::Exported { lsn, .. } => {
                (started_at(&mut first, Some(lsn)).await?, SnapshotProgress::default())
            }
            SnapshotFrom::Now => (started_at(&mut first, None).await?, SnapshotProgress::default()),
        };
        let tables: VecDeque<(String, String)> = client::captured_tables(&mut first, &self.config.common.tables)
            .await?
            .into_iter()
            .filter(|(schema, table)| !resume.is_done(&table_id(schema, table)))
            .collect();
        let readers = self.config.common.snapshot_max_threads.min(tables.len()).max(1);
        tracing::info!(tables = tables.len(), readers, "snapshot started");
        let mut connections = vec![first];
        for _ in 1..readers {
            let mut sql = client::connect_sql(&self.config.connection).await?;
            begin(&mut sql).await?;
            import(&mut sql, &snapshot_name).await?;
            connections.push(sql);
        }
        let shared = Arc::new(Shared {
            config: self.config.clone(),
            start,
            emitter: Emitter::new(
                Box::new(move |last, progress| crate::offsets::snapshot(start, last, progress)),
                resume.clone(),
                self.outbox.clone(),
            ),
            resume,
            tables: Mutex::new(tables),
        });
        let mut running = JoinSet::new();
        for sql in connections {
            running.spawn(read_tables(shared.clone(), sql));
        }
        // The first failure ends the snapshot; dropping the set stops the other readers.
        while let Some(ended) = running.join_next().await {
            ended.map_err(|err| ConnectError::Fatal(format!("a snapshot reader failed: {err}")))??;
        }
        shared.emitter.finish().await?;
        tracing::info!("snapshot complete");
        Ok(())
    }
}

/// One reader: takes tables until none is left, then ends its transaction.
async fn read_tables(shared: Arc<Shared>, mut sql: PgConnection) -> Result<()> {
    let events = Events::new(&shared.config);
    loop {
        let next = shared.tables.lock().expect("the table queue").pop_front();
        let Some((schema, table)) = next else { break };
        table::read_table(&shared, &events, &mut sql, &schema, &table).await?;
    }
    sqlx::query("COMMIT").execute(&mut sql).await.map_err(failed)?;
    Ok(())
}

async fn begin(sql: &mut PgConnection) -> Result<()> {
    sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .execute(&mut *sql)
        .await
        .map_err(failed)?;
    Ok(())
}

/// Makes the open transaction on `sql` see the snapshot `name`.
async fn import(sql: &mut PgConnection, name: &str) -> Result<()> {
    sqlx::query(&format!("SET TRANSACTION SNAPSHOT '{}'", name.replace('\'', "''")))
        .execute(&mut *sql)
        .await
        .map_err(failed)?;
    Ok(())
}

/// The facts of a new snapshot: its transaction, now, and `lsn` (the server's current position
/// when the slot gave none).
async fn started_at(sql: &mut PgConnection, lsn: Option<u64>) -> Result<SnapshotStart> {
    let tx_id: Option<i64> = sqlx::query_scalar("SELECT txid_current()")
        .fetch_one(&mut *sql)
        .await
        .ok();
    let lsn = match lsn {
        Some(lsn) => lsn,
        None => {
            let current: i64 = sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8")
                .fetch_one(&mut *sql)
                .await
                .map_err(failed)?;
            current as u64
        }
    };
    Ok(SnapshotStart {
        lsn,
        tx_id,
        ts_usec: now_micros(),
    })
}
