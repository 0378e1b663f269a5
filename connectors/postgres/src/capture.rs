//! What a task runs in the background: the snapshot (`snapshot.rs`), read inside the slot's
//! exported snapshot so that streaming continues exactly where it ends, then the stream of
//! committed changes. Records go to the task through a bounded channel; the LSN the task's last
//! offset commit covers goes back to the server as the slot's confirmed position.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use kconnect_api::metrics::Gauge;
use kconnect_api::{ConnectError, Result, SourceRecord};
use pgwire_replication::{Lsn, ReplicationClient, ReplicationEvent};
use sqlx::postgres::PgConnection;

use crate::client;
use crate::config::PostgresCdcConfig;
use crate::envelope::{SourceInfo, TableShape};
use crate::events::{Change, Events, Op};
use crate::incremental::{PgChunks, PgIncremental, SnapshotTable, signal_of};
use crate::offsets::{self, Position};
use crate::pgoutput::{self, Message, Tuple};
use crate::snapshot::SnapshotFrom;
use kconnect_cdc::filters::table_id;
use kconnect_cdc::heartbeat::Heartbeats;
use kconnect_cdc::modes::SnapshotMode;
use kconnect_cdc::now_micros;
use kconnect_cdc::pump::Outbox;
use kconnect_cdc::transactions::Transactions;

/// Microseconds between the Unix epoch and PostgreSQL's (2000-01-01).
const POSTGRES_EPOCH_MICROS: i64 = 946_684_800_000_000;
/// How often the confirmed LSN is reported while changes stream.
const FEEDBACK_EVERY: Duration = Duration::from_secs(1);
/// How often the slot's lag is measured (`slot-lag-bytes`) and checked against
/// `slot.max.lag.bytes`.
const LAG_CHECK_EVERY: Duration = Duration::from_secs(10);

/// Where a capture sends its records, and where the task says how far Kafka has them.
pub struct Capture {
    /// The task's config.
    pub config: PostgresCdcConfig,
    /// Where the last committed offset left off.
    pub position: Option<Position>,
    /// Where the records go, in order.
    pub outbox: Outbox,
    /// The LSN up to which events are committed to Kafka.
    pub confirmed: Arc<AtomicU64>,
    /// Where the slot's lag in bytes is reported (`slot-lag-bytes`), when the worker shows it.
    pub slot_lag: Option<Arc<Gauge>>,
}

impl Capture {
    /// Hands `batch` to the task, in order; an error once the task stopped.
    pub(crate) async fn send(&self, batch: Vec<SourceRecord>) -> Result<()> {
        self.outbox.send(batch).await
    }

    /// Runs until the task stops it or the capture fails.
    pub async fn capture(self) -> Result<()> {
        let mut sql = client::connect_sql(&self.config.connection).await?;
        client::check_server(&mut sql).await?;
        let tables = client::captured_tables(&mut sql, &self.config.common.tables).await?;
        if self.config.common.tables.has_includes() && tables.is_empty() {
            return Err(ConnectError::config(
                "table.include.list",
                "no table of the database matches schema.include.list, table.include.list and the exclude lists",
            ));
        }
        client::ensure_publication(&mut sql, &self.config, &tables).await?;
        let slot_exists = client::slot_exists(&mut sql, &self.config.slot_name).await?;
        let completed = self.position.as_ref().is_some_and(|p| p.snapshot_completed);
        let snapshots = self.config.common.snapshot_mode.snapshots(completed);
        let mut session = client::replication_session(&self.config).await?;
        let events = Events::new(&self.config);
        if !slot_exists {
            let (lsn, name) = client::create_slot(&mut session, &self.config.slot_name).await?;
            if snapshots {
                self.snapshot(SnapshotFrom::Exported { name: &name, lsn }).await?;
            }
        } else if snapshots {
            let unfinished = self.position.as_ref().and_then(|p| p.unfinished_snapshot.clone());
            match unfinished.filter(|_| self.config.common.snapshot_mode != SnapshotMode::Always) {
                Some((start, progress)) => self.snapshot(SnapshotFrom::Resumed(start, progress)).await?,
                None => self.snapshot(SnapshotFrom::Now).await?,
            }
        }
        if !self.config.common.snapshot_mode.streams() {
            tracing::info!("snapshot.mode=initial_only: the snapshot is complete and nothing is streamed");
            std::future::pending::<()>().await;
        }
        session
            .start()
            .await
            .map_err(|err| ConnectError::Retriable(format!("starting replication: {err}")))?;
        session
            .wait_started()
            .await
            .map_err(|err| ConnectError::Retriable(format!("starting replication: {err}")))?;
        tracing::info!(slot = %self.config.slot_name, "streaming changes");
        self.stream(session, sql, &events).await
    }

    /// Streams committed changes, skipping those a resumed transaction had emitted already, and
    /// reports the committed position every second.
    async fn stream(&self, mut session: ReplicationClient, mut sql: PgConnection, events: &Events) -> Result<()> {
        let mut shapes: HashMap<u32, Option<TableShape>> = HashMap::new();
        let mut signal_relation: Option<u32> = None;
        let mut metadata = self
            .config
            .common
            .transaction_topic
            .as_ref()
            .map(|topic| Transactions::new(topic, &self.config.common.topic_prefix));
        let progress = self.position.as_ref().and_then(|p| p.incremental.clone());
        let common = &self.config.common;
        let chunk_rows = common.incremental_chunk_size;
        let mut incremental = PgIncremental::new(chunk_rows, common.signal_table.is_some(), self.outbox.clone())
            .resume(progress, &mut self.chunks(&mut sql, events))
            .await?;
        let mut transaction = (0u64, 0i64, 0i64); // commit LSN, xid, commit time (Unix µs)
        let mut last_commit_end: Option<u64> = None;
        // Where the stream is when no transaction is open: heartbeats' offsets carry it.
        let mut open_transaction = false;
        let mut quiet_at = 0u64;
        // The position of the last event handed to the task.
        let mut last_emitted = self.position.as_ref().map_or(0, Position::flushable);
        let heartbeats = Heartbeats::new(
            &self.config.common.heartbeat_topic_prefix,
            &self.config.common.topic_prefix,
        );
        let mut feedback = tokio::time::interval(FEEDBACK_EVERY);
        let mut beat = self.config.common.heartbeat_interval.map(tokio::time::interval);
        let measures_lag = self.config.slot_max_lag_bytes.is_some() || self.slot_lag.is_some();
        let mut lag_check = measures_lag.then(|| tokio::time::interval(LAG_CHECK_EVERY));
        loop {
            let event = tokio::select! {
                _ = feedback.tick() => {
                    // With every emitted event committed and no transaction open, the WAL up to the
                    // quiet position holds nothing more to emit: confirming it lets the server move
                    // on (and shut down, which waits for its walsenders' clients to confirm).
                    let committed = self.confirmed.load(Ordering::Relaxed);
                    let confirmable = if committed >= last_emitted && !open_transaction {
                        committed.max(quiet_at)
                    } else {
                        committed
                    };
                    session.update_applied_lsn(Lsn::from_u64(confirmable));
                    continue;
                }
                () = tick(&mut beat) => {
                    let quiet = (quiet_at, last_commit_end, transaction.1);
                    self.heartbeat(&mut sql, &heartbeats, quiet).await?;
                    if !open_transaction {
                        self.outbox.end_transaction().await?;
                    }
                    continue;
                }
                () = tick(&mut lag_check) => {
                    self.check_lag(&mut sql).await?;
                    continue;
                }
                event = session.recv() => event,
            };
            let event = event
                .map_err(|err| ConnectError::Retriable(format!("the replication stream failed: {err}")))?
                .ok_or_else(|| ConnectError::Retriable("the replication stream ended".into()))?;
            let (lsn, data) = match event {
                ReplicationEvent::Begin {
                    final_lsn,
                    xid,
                    commit_time_micros,
                } => {
                    transaction = (
                        final_lsn.as_u64(),
                        i64::from(xid),
                        commit_time_micros + POSTGRES_EPOCH_MICROS,
                    );
                    open_transaction = true;
                    continue;
                }
                ReplicationEvent::Commit { end_lsn, .. } => {
                    last_commit_end = Some(end_lsn.as_u64());
                    open_transaction = false;
                    quiet_at = quiet_at.max(end_lsn.as_u64());
                    let (commit_lsn, xid, committed_at) = transaction;
                    if let Some(metadata) = metadata.as_mut()
                        && !self
                            .position
                            .as_ref()
                            .is_some_and(|p| p.already_emitted(commit_lsn, xid, u64::MAX))
                    {
                        let end = end_lsn.as_u64();
                        let offset = || offsets::streamed(end, Some(end), end, xid, committed_at, "COMMIT");
                        if let Some(record) = metadata.end(transaction_id(xid, end), committed_at / 1_000, offset)? {
                            self.send(vec![record]).await?;
                        }
                    }
                    self.outbox.end_transaction().await?;
                    continue;
                }
                ReplicationEvent::KeepAlive { wal_end, .. } if !open_transaction => {
                    quiet_at = quiet_at.max(wal_end.as_u64());
                    continue;
                }
                ReplicationEvent::XLogData { wal_start, data, .. } => (wal_start.as_u64(), data),
                _ => continue,
            };
            let (commit_lsn, xid, committed_at) = transaction;
            let (relation, op, before, after, kind) = match pgoutput::decode(&data)? {
                Message::Relation(mut relation) => {
                    if self.config.common.signal_table.as_deref()
                        == Some(table_id(&relation.namespace, &relation.name).as_str())
                    {
                        signal_relation = Some(relation.id);
                    }
                    let captured = self.config.common.tables.captures(&relation.namespace, &relation.name);
                    let shape = if captured {
                        // pgoutput flags the replica identity's columns (every one with
                        // REPLICA IDENTITY FULL); events are keyed by the primary key.
                        let key = client::primary_key(&mut sql, relation.id).await?;
                        for column in &mut relation.columns {
                            column.in_key = key.iter().any(|k| k.name == column.name);
                        }
                        let facts = client::column_facts(&mut sql, relation.id).await?;
                        Some(TableShape::new(&self.config, &relation, &facts, events.source_schema()))
                    } else {
                        None
                    };
                    shapes.insert(relation.id, shape);
                    continue;
                }
                Message::Insert { relation, new } => (relation, Op::Create, None, Some(new), "INSERT"),
                Message::Update { relation, old, new } => (relation, Op::Update, old, Some(new), "UPDATE"),
                Message::Delete { relation, old } => (relation, Op::Delete, Some(old), None, "DELETE"),
                Message::Truncate { .. } | Message::Other => continue,
            };
            if self
                .position
                .as_ref()
                .is_some_and(|p| p.already_emitted(commit_lsn, xid, lsn))
            {
                continue;
            }
            let info = SourceInfo {
                ts_us: committed_at,
                snapshot: "false",
                tx_id: Some(xid),
                lsn: Some(lsn as i64),
                sequence: Some(match last_commit_end {
                    Some(end) => format!("[\"{end}\",\"{lsn}\"]"),
                    None => format!("[null,\"{lsn}\"]"),
                }),
            };
            let position = offsets::streamed(lsn, last_commit_end, commit_lsn, xid, committed_at, kind);
            if signal_relation == Some(relation)
                && let Some(signal) = after.as_deref().filter(|_| op == Op::Create).and_then(signal_of)
            {
                let build = |table: &SnapshotTable, tuple: Tuple, offset| {
                    events.records(Change {
                        shape: &table.shape,
                        op: Op::Read,
                        before: None,
                        after: Some(&tuple),
                        info: SourceInfo {
                            snapshot: "incremental",
                            ..info.clone()
                        },
                        offset,
                    })
                };
                let records = incremental
                    .signal(&mut self.chunks(&mut sql, events), signal, &position, build)
                    .await?;
                if !records.is_empty() {
                    self.send(records).await?;
                    last_emitted = lsn;
                }
            }
            incremental.observe(|table| {
                if table.relation == relation {
                    table.keys([before.as_deref(), after.as_deref()])
                } else {
                    Vec::new()
                }
            });
            let Some(Some(shape)) = shapes.get(&relation) else {
                continue;
            };
            let change = Change {
                shape,
                op,
                before: before.as_deref(),
                after: after.as_deref(),
                info,
                offset: position,
            };
            let mut records = events.records(change)?;
            if let Some(metadata) = metadata.as_mut() {
                // BEGIN's offset is the one before this event: committed alone, it skips nothing.
                let offset = || {
                    let before = last_commit_end.unwrap_or(0);
                    offsets::streamed(before, last_commit_end, before, xid, committed_at, "BEGIN")
                };
                let id = transaction_id(xid, lsn);
                if let Some(begin) = metadata.begin(&xid.to_string(), id.clone(), committed_at / 1_000, offset)? {
                    records.insert(0, begin);
                }
                metadata.annotate(&shape.data_collection, &id, &mut records)?;
            }
            self.send(records).await?;
            last_emitted = lsn;
        }
    }

    /// The database an incremental snapshot reads, through `sql`.
    fn chunks<'a>(&'a self, sql: &'a mut PgConnection, events: &'a Events) -> PgChunks<'a> {
        PgChunks {
            sql,
            config: &self.config,
            events,
        }
    }

    /// Runs `heartbeat.action.query` and sends a heartbeat whose offset is where the stream was
    /// when no transaction was open (`quiet_at`), if it got that far.
    async fn heartbeat(
        &self,
        sql: &mut PgConnection,
        heartbeats: &Heartbeats,
        (quiet_at, last_commit_end, tx_id): (u64, Option<u64>, i64),
    ) -> Result<()> {
        if let Some(query) = &self.config.common.heartbeat_action_query {
            let ran = sqlx::query(query).execute(&mut *sql).await;
            if let Err(err) = ran {
                tracing::warn!(error = %err, "heartbeat.action.query failed");
            }
        }
        if quiet_at == 0 {
            return Ok(());
        }
        let now = now_micros();
        let offset = offsets::streamed(quiet_at, last_commit_end, quiet_at, tx_id, now, "COMMIT");
        self.send(vec![heartbeats.record(now / 1_000, offset)?]).await
    }

    /// Reports the slot's lag, and fails the capture when the slot holds more WAL than
    /// `slot.max.lag.bytes`.
    async fn check_lag(&self, sql: &mut PgConnection) -> Result<()> {
        let slot = &self.config.slot_name;
        let lag = client::slot_lag_bytes(sql, slot).await?;
        tracing::debug!(%slot, lag, "replication slot lag in bytes");
        if let Some(gauge) = &self.slot_lag {
            gauge.set(lag as f64);
        }
        if let Some(limit) = self.config.slot_max_lag_bytes
            && lag > limit
        {
            return Err(ConnectError::config(
                "slot.max.lag.bytes",
                format!(
                    "the replication slot {slot} holds {lag} bytes of WAL, more than {limit}: the connector falls behind \
                     or its offsets are not committed, and the server's disk would fill"
                ),
            ));
        }
        Ok(())
    }
}

/// Waits for `interval`'s next tick, or forever without one.
async fn tick(interval: &mut Option<tokio::time::Interval>) {
    match interval {
        Some(interval) => {
            interval.tick().await;
        }
        None => std::future::pending().await,
    }
}

/// The id Debezium's PostgreSQL connector writes for transaction `xid` at `lsn`: the first
/// event's for `BEGIN`, each event's for its block, the commit's end for `END`.
fn transaction_id(xid: i64, lsn: u64) -> String {
    format!("{xid}:{lsn}")
}
