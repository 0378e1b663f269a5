//! Streaming: the binary log read as a replica from a position, each committed row change of a
//! captured table turned into Debezium's events. A record's offset restarts at its transaction's
//! first event and counts the events and rows already emitted, so a task started again from any
//! committed offset emits nothing twice; the tables' shapes change with each DDL statement
//! (`ddl.rs`).

use std::collections::HashMap;
use std::time::Duration;

use futures::StreamExt;
use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord};
use kconnect_cdc::envelope::Op;
use kconnect_cdc::heartbeat::Heartbeats;
use kconnect_cdc::now_micros;
use kconnect_cdc::transactions::Transactions;
use mysql_async::binlog::events::{Event, EventData, RowsEventData, TableMapEvent};
use mysql_async::binlog::row::BinlogRow;
use mysql_async::prelude::Queryable;
use mysql_async::{BinlogStreamRequest, Conn, Value as Sql};

use crate::capture::{Capture, Events};
use crate::catalog::literal;
use crate::client::{self, ResumeBy, Server, failed};
use crate::ddl::Statement;
use crate::gtids::{GtidState, uuid_text};
use crate::incremental::{MySqlChunks, MySqlIncremental, SnapshotTable, signal_of};
use crate::offsets::Restart;
use crate::schemas::Schemas;
use crate::table::{BinlogSource, TableShape};
use crate::types::Origin;

/// MariaDB's GTID event, which starts each transaction.
const MARIADB_GTID_EVENT: u8 = 162;
/// How often the server sends a heartbeat when it has nothing to send, in nanoseconds.
const SERVER_HEARTBEAT_NANOS: u64 = 10_000_000_000;
/// How long a silent connection is trusted: three missed server heartbeats.
const SILENCE: Duration = Duration::from_secs(35);

/// A MariaDB GTID event's `domain-server-sequence`.
fn mariadb_gtid(event: &Event) -> Option<(u32, String)> {
    let data = event.data();
    let sequence = u64::from_le_bytes(data.get(..8)?.try_into().ok()?);
    let domain = u32::from_le_bytes(data.get(8..12)?.try_into().ok()?);
    Some((domain, format!("{domain}-{}-{sequence}", event.header().server_id())))
}

/// What the stream keeps besides its place: the tables' shapes (every captured table's, and the
/// event schemas of those met so far, `None` for a table not captured), the transaction
/// metadata when `provide.transaction.metadata` asks for it, and the incremental snapshot with
/// the connection it reads on.
struct StreamState {
    /// By table: the table id of the table map its shape was checked against, and the shape.
    shapes: HashMap<(String, String), (u64, Option<TableShape>)>,
    schemas: Schemas,
    transactions: Option<Transactions>,
    incremental: MySqlIncremental,
    chunks: Option<Conn>,
}

impl StreamState {
    /// The open transaction committed, the next starting at `end`: its `END` record when it had
    /// captured events and transaction metadata is on.
    fn commit(&mut self, cursor: &mut Cursor, end: u64, server_id: u32) -> Result<Vec<SourceRecord>> {
        let id = cursor.transaction_id();
        cursor.commit(end);
        let Some(transactions) = self.transactions.as_mut() else {
            return Ok(Vec::new());
        };
        let offset = cursor.committed.offset(server_id, cursor.ts_sec);
        Ok(transactions
            .end(id, cursor.ts_sec * 1_000, || offset)?
            .into_iter()
            .collect())
    }
}

/// Where the reader stands in the binary log.
struct Cursor {
    /// The file being read.
    file: String,
    /// Where the open transaction started (its restart point), and its events read so far.
    transaction: Restart,
    /// Whether a transaction is open, and whether it began with an explicit `BEGIN`.
    open: Option<bool>,
    /// The open transaction's GTID.
    gtid: Option<String>,
    /// The GTID state after the last commit (MariaDB's or MySQL's).
    gtids: GtidState,
    /// Where the next transaction starts: after the last commit.
    committed: Restart,
    /// Events and rows of the first transaction already emitted by an earlier run.
    skip: Option<(u64, u64)>,
    /// When the last event was written (seconds since the epoch).
    ts_sec: i64,
    /// Whether the rotate event at the stream's start still carries its checksum: it comes
    /// before the format description that says the events have one.
    checksummed_rotate: bool,
    /// Whether the stream started after a GTID state and has not committed since: the rotate
    /// event at its start names the file but not where in it the stream starts, so the
    /// committed place stays the start's, which a restart finds by its GTIDs again.
    from_gtids: bool,
}

impl Cursor {
    /// A cursor at `start` of a server whose events end with a checksum when `checksums`; the
    /// stream started after `start`'s GTID state when `from_gtids`.
    fn new(start: Restart, checksums: bool, from_gtids: bool) -> Self {
        let skip = (start.events > 0 || start.rows > 0).then_some((start.events, start.rows));
        Self {
            file: start.file.clone(),
            transaction: start.clone(),
            open: None,
            gtid: None,
            gtids: GtidState::parse(start.gtids.as_deref()),
            committed: Restart {
                events: 0,
                rows: 0,
                ..start
            },
            skip,
            ts_sec: 0,
            checksummed_rotate: checksums,
            from_gtids,
        }
    }

    /// A transaction starts at `pos`.
    fn begin(&mut self, pos: u64, explicit: bool) {
        self.transaction = Restart {
            file: self.file.clone(),
            pos,
            events: 0,
            rows: 0,
            gtids: self.gtids.text(),
        };
        self.open = Some(explicit);
    }

    /// The open transaction committed; the next starts at `next`.
    fn commit(&mut self, next: u64) {
        self.open = None;
        self.gtid = None;
        self.skip = None;
        self.from_gtids = false;
        self.committed = Restart {
            file: self.file.clone(),
            pos: next,
            events: 0,
            rows: 0,
            gtids: self.gtids.text(),
        };
    }

    /// Where reading again meets the statement starting at `start`: its transaction's start, or
    /// the statement itself outside one.
    fn statement_position(&self, start: u64) -> Restart {
        match self.open {
            Some(_) => self.transaction.clone(),
            None => Restart {
                file: self.file.clone(),
                pos: start,
                events: 0,
                rows: 0,
                gtids: self.gtids.text(),
            },
        }
    }

    /// Where reading starts again after the event just read: after its transaction when that
    /// committed, else after the event inside it.
    fn resume_after_event(&self) -> Restart {
        match self.open {
            Some(_) => Restart {
                events: self.transaction.events + 1,
                ..self.transaction.clone()
            },
            None => self.committed.clone(),
        }
    }

    /// The `source` block's place of the event at `pos`, written by server `server_id`.
    fn source(&self, server_id: u32, pos: u64) -> BinlogSource {
        BinlogSource {
            ts_us: self.ts_sec * 1_000_000,
            snapshot: "false",
            server_id,
            gtid: self.gtid.clone(),
            file: self.file.clone(),
            pos,
            row: 0,
        }
    }

    /// The open transaction's id, as Debezium's: its GTID, else where it starts.
    fn transaction_id(&self) -> String {
        match &self.gtid {
            Some(gtid) => gtid.clone(),
            None => format!("file={},pos={}", self.transaction.file, self.transaction.pos),
        }
    }

    /// How many of the rows of the rows event being read an earlier run emitted.
    fn rows_emitted(&self) -> u64 {
        match self.skip {
            Some((events, _)) if self.transaction.events < events => u64::MAX,
            Some((events, rows)) if self.transaction.events == events => rows,
            _ => 0,
        }
    }
}

impl Capture {
    /// Reads the binary log from `start` (by its file and position, or after its GTID state, as
    /// `by` says) until the task stops or the connection fails. The tables' shapes at `start` are
    /// `schemas`.
    pub(crate) async fn stream(
        &self,
        mut sql: Conn,
        server: &Server,
        events: &Events,
        (start, by): (Restart, ResumeBy),
        schemas: Schemas,
    ) -> Result<()> {
        let config = &self.config;
        let mut conn = client::connect(&config.connection).await?;
        if server.mariadb {
            conn.query_drop("SET @mariadb_slave_capability = 4")
                .await
                .map_err(failed("asking for MariaDB's events"))?;
        }
        conn.query_drop(format!("SET @master_heartbeat_period = {SERVER_HEARTBEAT_NANOS}"))
            .await
            .map_err(failed("asking for heartbeats"))?;
        let host = client::replica_host(&config.common.topic_prefix);
        let mut request = BinlogStreamRequest::new(config.server_id).with_hostname(host.as_bytes());
        let from_gtids = match by {
            ResumeBy::MySqlGtids(set) => {
                // MySQL sends the transactions that are not in the set.
                let text = set.text().unwrap_or_default();
                request = request.with_gtid().with_gtid_set(set.sids());
                tracing::info!(file = %start.file, gtids = %text, "the binary log file is not on the server: streaming the transactions not in the GTID set");
                true
            }
            ResumeBy::Gtids(gtids) => {
                // MariaDB starts after the connection's GTID state, whatever file it is asked for.
                let state = gtids.text().unwrap_or_default();
                conn.query_drop(format!("SET @slave_connect_state = {}", literal(&state)))
                    .await
                    .map_err(failed("asking for the binary log after a GTID state"))?;
                tracing::info!(file = %start.file, gtids = %state, "the binary log file is not on the server: streaming the binary log after the GTID state");
                true
            }
            ResumeBy::Position => {
                request = request.with_filename(start.file.as_bytes()).with_pos(start.pos);
                tracing::info!(file = %start.file, pos = start.pos, "streaming the binary log");
                false
            }
        };
        let mut stream = conn
            .get_binlog_stream(request)
            .await
            .map_err(failed("opening the binary log"))?;
        let mut cursor = Cursor::new(start, server.checksums, from_gtids);
        let common = &config.common;
        let progress = self.position.as_ref().and_then(|p| p.incremental.clone());
        let mut chunks = None;
        let incremental = MySqlIncremental::new(
            common.incremental_chunk_size,
            common.signal_table.is_some(),
            self.outbox.clone(),
        )
        .resume(progress, &mut self.chunks(&mut chunks, &schemas, events))
        .await?;
        let mut state = StreamState {
            shapes: HashMap::new(),
            schemas,
            transactions: common
                .transaction_topic
                .as_ref()
                .map(|topic| Transactions::new(topic, &common.topic_prefix)),
            incremental,
            chunks,
        };
        let heartbeats = Heartbeats::new(&config.common.heartbeat_topic_prefix, &config.common.topic_prefix);
        let mut beat = config.common.heartbeat_interval.map(tokio::time::interval);
        loop {
            let next = tokio::select! {
                next = tokio::time::timeout(SILENCE, stream.next()) => next,
                _ = async { beat.as_mut().expect("heartbeats on").tick().await }, if beat.is_some() => {
                    if cursor.open.is_none() {
                        if let Some(query) = &config.common.heartbeat_action_query {
                            sql.query_drop(query).await.map_err(failed("running heartbeat.action.query"))?;
                        }
                        let offset = cursor.committed.offset(server.server_id, cursor.ts_sec);
                        self.outbox.send(vec![heartbeats.record(now_micros() / 1_000, offset)?]).await?;
                        self.outbox.end_transaction().await?;
                    }
                    continue;
                }
            };
            let event = match next {
                Err(_) => {
                    return Err(ConnectError::Retriable(format!(
                        "the server sent nothing for {SILENCE:?}"
                    )));
                }
                Ok(None) => return Err(ConnectError::Retriable("the server ended the binary log stream".into())),
                Ok(Some(event)) => event.map_err(failed("reading the binary log"))?,
            };
            let records = self
                .event(&event, &stream, &mut cursor, &mut state, &mut sql, events)
                .await?;
            if !records.is_empty() {
                self.outbox.send(records).await?;
            }
            if cursor.open.is_none() {
                self.outbox.end_transaction().await?;
            }
        }
    }

    /// The records of one event, moving the cursor past it.
    async fn event(
        &self,
        event: &Event,
        stream: &mysql_async::BinlogStream,
        cursor: &mut Cursor,
        state: &mut StreamState,
        sql: &mut Conn,
        events: &Events,
    ) -> Result<Vec<SourceRecord>> {
        let header = event.header();
        let end = u64::from(header.log_pos());
        let start = end.saturating_sub(u64::from(header.event_size()));
        if header.timestamp() > 0 {
            cursor.ts_sec = i64::from(header.timestamp());
            if let Some(behind) = &self.behind {
                behind.set((now_micros() / 1_000 - cursor.ts_sec * 1_000).max(0) as f64);
            }
        }
        if header.event_type_raw() == MARIADB_GTID_EVENT {
            if let Some((domain, gtid)) = mariadb_gtid(event) {
                cursor.begin(start, false);
                cursor.gtids.maria.insert(domain, gtid.clone());
                cursor.gtid = Some(gtid);
            }
            return Ok(Vec::new());
        }
        let data = event
            .read_data()
            .map_err(|err| ConnectError::Retriable(format!("reading an event: {err}")))?;
        let mut records = Vec::new();
        match data {
            Some(EventData::FormatDescriptionEvent(_)) => cursor.checksummed_rotate = false,
            Some(EventData::RotateEvent(rotate)) => {
                let name = rotate.name_raw();
                let name = match name.len().checked_sub(4) {
                    Some(end) if cursor.checksummed_rotate => &name[..end],
                    _ => name,
                };
                cursor.file = String::from_utf8_lossy(name).into_owned();
                if cursor.open.is_none() && !cursor.from_gtids {
                    cursor.committed.file = cursor.file.clone();
                    cursor.committed.pos = rotate.position();
                }
            }
            Some(EventData::GtidEvent(gtid)) => {
                cursor.begin(start, false);
                cursor.gtids.mysql.insert(gtid.sid(), gtid.gno());
                cursor.gtid = Some(format!("{}:{}", uuid_text(gtid.sid()), gtid.gno()));
            }
            Some(EventData::QueryEvent(query)) => {
                let text = query.query();
                let statement = text.trim().to_ascii_uppercase();
                if statement == "BEGIN" {
                    if cursor.open.is_none() {
                        cursor.begin(start, true);
                    } else {
                        cursor.open = Some(true);
                    }
                } else if statement == "COMMIT" {
                    records = state.commit(cursor, end, header.server_id())?;
                } else {
                    // A DDL statement (or one of a non-transactional engine): it may change the
                    // tables' shapes; outside a BEGIN it is its own transaction.
                    let ddl = !statement.starts_with("SAVEPOINT") && !statement.starts_with("ROLLBACK");
                    let position = cursor.statement_position(start);
                    let at = cursor.source(header.server_id(), start);
                    if cursor.open != Some(true) {
                        records = state.commit(cursor, end, header.server_id())?;
                    }
                    if ddl {
                        let database = query.schema();
                        let statement = Statement {
                            database: &database,
                            ddl: &text,
                            position,
                            offset: cursor.resume_after_event().offset(header.server_id(), cursor.ts_sec),
                            at,
                        };
                        if self.ddl(sql, &mut state.schemas, statement, events).await? {
                            state.shapes.clear();
                        }
                    }
                }
            }
            Some(EventData::XidEvent(_)) => records = state.commit(cursor, end, header.server_id())?,
            Some(EventData::RowsEvent(rows)) if cursor.open.is_some() => {
                let table = stream
                    .get_tme(rows.table_id())
                    .ok_or_else(|| ConnectError::Retriable(format!("no table map for table id {}", rows.table_id())))?;
                let name = (table.database_name().into_owned(), table.table_name().into_owned());
                // A table's id changes when its definition does: its shape is checked again.
                if state.shapes.get(&name).is_none_or(|(id, _)| *id != rows.table_id()) {
                    let position = cursor.transaction.clone();
                    let at = cursor.source(header.server_id(), start);
                    let shape = self
                        .shape(sql, &mut state.schemas, table, (&position, &at), events)
                        .await?;
                    state.shapes.insert(name.clone(), (rows.table_id(), shape));
                }
                if let Some((_, Some(shape))) = state.shapes.get(&name) {
                    let incremental = &mut state.incremental;
                    let at = (start, header.server_id());
                    records = self.rows(&rows, table, shape, at, cursor, events, incremental)?;
                    if let Some(transactions) = state.transactions.as_mut()
                        && !records.is_empty()
                    {
                        let id = cursor.transaction_id();
                        // BEGIN's offset is the transaction's restart before this event: committed
                        // alone, it skips none of its rows.
                        let offset = cursor.transaction.offset(header.server_id(), cursor.ts_sec);
                        if let Some(begin) = transactions.begin(&id, id.clone(), cursor.ts_sec * 1_000, || offset)? {
                            records.insert(0, begin);
                        }
                        transactions.annotate(&format!("{}.{}", name.0, name.1), &id, &mut records)?;
                    }
                }
                let signals = self.config.common.signal_table.as_deref();
                if signals == Some(format!("{}.{}", name.0, name.1).as_str()) && op_of(&rows)? == Op::Create {
                    // The records before a signal carry the progress from before it.
                    self.outbox.send(std::mem::take(&mut records)).await?;
                    let at = cursor.source(header.server_id(), start);
                    let offset = cursor.resume_after_event().offset(header.server_id(), cursor.ts_sec);
                    records = self.signals(&rows, table, (&at, &offset), state, events).await?;
                }
            }
            _ => {}
        }
        if cursor.open.is_some() {
            cursor.transaction.events += 1;
        }
        Ok(records)
    }

    /// The database an incremental snapshot reads, through `conn` (opened when first needed),
    /// with the tables' shapes `schemas`.
    fn chunks<'a>(&'a self, conn: &'a mut Option<Conn>, schemas: &'a Schemas, events: &'a Events) -> MySqlChunks<'a> {
        MySqlChunks {
            conn,
            config: &self.config,
            schemas,
            events,
        }
    }

    /// Acts on the signals a rows event of the signal table inserts, read at `at` and resuming at
    /// `offset`: the records of a closed incremental snapshot window.
    async fn signals(
        &self,
        rows: &RowsEventData<'_>,
        table: &TableMapEvent<'_>,
        (at, offset): (&BinlogSource, &OffsetMap),
        state: &mut StreamState,
        events: &Events,
    ) -> Result<Vec<SourceRecord>> {
        let mut records = Vec::new();
        for images in rows.rows(table) {
            let (_, after) = images.map_err(|err| ConnectError::Retriable(format!("reading a signal: {err}")))?;
            let Some(signal) = image(after)?.as_deref().and_then(signal_of) else {
                continue;
            };
            let mut chunks = self.chunks(&mut state.chunks, &state.schemas, events);
            let build = |table: &SnapshotTable, row, offset| table.record(events, row, at, offset);
            records.extend(state.incremental.signal(&mut chunks, signal, offset, build).await?);
        }
        Ok(records)
    }

    /// The records of one rows event of a captured table, read at `(pos, server_id)`; the rows
    /// it changes are taken out of an incremental snapshot's open window.
    #[allow(clippy::too_many_arguments, reason = "one rows event, its parts named")]
    fn rows(
        &self,
        rows: &RowsEventData<'_>,
        table: &TableMapEvent<'_>,
        shape: &TableShape,
        (pos, server_id): (u64, u32),
        cursor: &Cursor,
        events: &Events,
        incremental: &mut MySqlIncremental,
    ) -> Result<Vec<SourceRecord>> {
        if table.columns_count() as usize != shape.width() {
            return Err(ConnectError::Fatal(format!(
                "{}.{} has {} columns in the binary log but {} in the catalog: its shape changed again after this event",
                shape.database,
                shape.table,
                table.columns_count(),
                shape.width()
            )));
        }
        let op = op_of(rows)?;
        let emitted = cursor.rows_emitted();
        let mut at = cursor.source(server_id, pos);
        let mut restart = cursor.transaction.clone();
        let mut records = Vec::new();
        for (index, images) in rows.rows(table).enumerate() {
            let index = index as u64;
            let (before, after) =
                images.map_err(|err| ConnectError::Retriable(format!("reading a row event: {err}")))?;
            if index < emitted {
                continue;
            }
            let (before, after) = (image(before)?, image(after)?);
            incremental.observe(|table| table.keys(shape, [before.as_ref(), after.as_ref()]).unwrap_or_default());
            at.row = index as usize;
            restart.rows = index + 1;
            let offset = restart.offset(server_id, cursor.ts_sec);
            records.extend(events.records(shape, op, before, after, Origin::Binlog, &at, offset)?);
        }
        Ok(records)
    }
}

/// The operation of a rows event.
fn op_of(rows: &RowsEventData<'_>) -> Result<Op> {
    match rows {
        RowsEventData::WriteRowsEvent(_) | RowsEventData::WriteRowsEventV1(_) => Ok(Op::Create),
        RowsEventData::UpdateRowsEvent(_) | RowsEventData::UpdateRowsEventV1(_) => Ok(Op::Update),
        RowsEventData::DeleteRowsEvent(_) | RowsEventData::DeleteRowsEventV1(_) => Ok(Op::Delete),
        RowsEventData::PartialUpdateRowsEvent(_) => Err(ConnectError::Fatal(
            "partial JSON updates (binlog_row_value_options=PARTIAL_JSON) are not supported".into(),
        )),
    }
}

/// A row image's values.
fn image(row: Option<BinlogRow>) -> Result<Option<Vec<Sql>>> {
    row.map(|row| {
        row.unwrap()
            .into_iter()
            .map(|value| {
                Sql::try_from(value).map_err(|err| ConnectError::data(format!("reading a row's value: {err}")))
            })
            .collect()
    })
    .transpose()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gtid_sets_and_skips_follow_the_transactions() {
        let mut cursor = Cursor::new(
            Restart {
                file: "mysql-bin.000001".into(),
                pos: 400,
                events: 2,
                rows: 3,
                gtids: Some("0-1-5".into()),
            },
            true,
            false,
        );
        cursor.begin(400, false);
        cursor.transaction.events = 1;
        assert_eq!(cursor.rows_emitted(), u64::MAX);
        cursor.transaction.events = 2;
        assert_eq!(cursor.rows_emitted(), 3);
        cursor.commit(900);
        assert_eq!(cursor.rows_emitted(), 0);
        assert_eq!(cursor.committed.pos, 900);
    }
}
