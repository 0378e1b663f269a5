//! What a task runs in the background: checks the server, takes the snapshot when
//! `snapshot.mode` says so (`snapshot.rs`), then reads the binary log from where the snapshot or
//! the last committed offset left off (`binlog.rs`). Records go to the task through the pump's
//! bounded outbox.

use std::sync::Arc;

use kconnect_api::metrics::Gauge;
use kconnect_api::schema::SchemaRef;
use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord, Value};
use kconnect_cdc::changes::{ChangeRecords, RowChange};
use kconnect_cdc::envelope::Op;
use kconnect_cdc::modes::SnapshotMode;
use kconnect_cdc::now_micros;
use kconnect_cdc::pump::Outbox;
use kconnect_cdc::schema_change::SchemaChanges;
use mysql_async::{Conn, Value as Sql};

use crate::catalog::{self, TableDef};
use crate::client::{self, ResumeBy, Server};
use crate::config::{Flavor, HistoryStore, MySqlCdcConfig};
use crate::history::{HistoryEntry, SchemaHistory};
use crate::offsets::{self, Position, Restart};
use crate::schemas::Schemas;
use crate::table::{BinlogSource, TableShape, source_block, source_schema};
use crate::table_change::{ChangeType, change_document, table_names};
use crate::types::Origin;

/// Builds the records of a connector's changes.
pub struct Events {
    flavor: Flavor,
    server: String,
    source_schema: SchemaRef,
    changes: ChangeRecords,
    /// `None` when `include.schema.changes` is off.
    schema_changes: Option<SchemaChanges>,
}

impl Events {
    /// The builder of `config`'s records.
    pub fn new(config: &MySqlCdcConfig) -> Self {
        let server = config.common.topic_prefix.clone();
        let source_schema = source_schema(config.flavor);
        Self {
            flavor: config.flavor,
            schema_changes: config
                .include_schema_changes
                .then(|| SchemaChanges::new(config.flavor.connector(), &server, source_schema.clone())),
            server,
            source_schema,
            changes: ChangeRecords::of(&config.common),
        }
    }

    /// The schema change event of `entry`, read at `at`, resuming after it at `offset`; `None`
    /// when `include.schema.changes` is off.
    pub fn schema_change(
        &self,
        entry: &HistoryEntry,
        at: &BinlogSource,
        offset: OffsetMap,
    ) -> Result<Option<SourceRecord>> {
        let Some(schema_changes) = &self.schema_changes else {
            return Ok(None);
        };
        let tables = table_names(&entry.changes);
        let source = source_block(
            &self.source_schema,
            self.flavor,
            &self.server,
            (&entry.database, &tables),
            at,
        )?;
        schema_changes
            .record(
                &entry.database,
                &entry.ddl,
                &entry.changes,
                source,
                offset,
                now_micros() / 1_000,
            )
            .map(Some)
    }

    /// The `source` block's schema, which every table's envelope embeds.
    pub fn source_schema(&self) -> SchemaRef {
        self.source_schema.clone()
    }

    /// The records of one change of a row of `shape`, from its row images as `origin` gives them,
    /// read at `at`, resuming after it at `offset`.
    #[allow(clippy::too_many_arguments, reason = "one change, its parts named")]
    pub fn records(
        &self,
        shape: &TableShape,
        op: Op,
        before: Option<Vec<Sql>>,
        after: Option<Vec<Sql>>,
        origin: Origin,
        at: &BinlogSource,
        offset: OffsetMap,
    ) -> Result<Vec<SourceRecord>> {
        let before = before.map(|image| shape.row_and_key(image, origin)).transpose()?;
        let after = after.map(|image| shape.row_and_key(image, origin)).transpose()?;
        let change = RowChange::new(op, before, after);
        let source = self.source(shape, at)?;
        self.changes
            .records(shape.schemas(), change, source, offset, now_micros())
    }

    /// The `source` block of an event of `shape`'s table read at `at`.
    pub fn source(&self, shape: &TableShape, at: &BinlogSource) -> Result<Value> {
        shape.source(&self.source_schema, self.flavor, &self.server, at)
    }

    /// The `r` record of a row a snapshot query read (`image`) of `shape`'s table, with `source`
    /// (built once for every row read at one place) as its `source` block.
    pub fn snapshot_record(&self, shape: &TableShape, image: Vec<Sql>, source: &Value) -> Result<SourceRecord> {
        let change = RowChange::new(Op::Read, None, Some(shape.row_and_key(image, Origin::Query)?));
        self.changes
            .records(shape.schemas(), change, source.clone(), OffsetMap::new(), now_micros())?
            .pop()
            .ok_or_else(|| ConnectError::Fatal("a snapshot row made no record".into()))
    }
}

/// Where a capture sends its records, and what it starts from.
pub struct Capture {
    /// The task's config.
    pub config: MySqlCdcConfig,
    /// Where the last committed offset left off.
    pub position: Option<Position>,
    /// Where the records go, in order.
    pub outbox: Outbox,
    /// Where the tables' shapes are recorded.
    pub history: SchemaHistory,
    /// How far behind the server the binary log is read, in milliseconds: the time between an
    /// event's writing and its reading.
    pub behind: Option<Arc<Gauge>>,
}

impl Capture {
    /// Runs until the task stops it or the capture fails.
    pub async fn capture(self) -> Result<()> {
        let config = &self.config;
        let mut sql = client::connect(&config.connection).await?;
        let server = client::check_server(&mut sql, config.server_id, &config.common.topic_prefix).await?;
        let events = Events::new(config);
        let mode = config.common.snapshot_mode;
        let committed = self.position.clone();
        let resume = match &committed {
            Some(position) => client::resume_by(&mut sql, &server, &position.restart).await?,
            None => None,
        };
        let readable = resume.is_some();
        let committed_restart = committed.as_ref().map(|p| p.restart.clone());
        let completed = committed.as_ref().is_some_and(|p| p.snapshot_completed);
        let (start, schemas) = match committed {
            Some(position) if !readable && mode != SnapshotMode::WhenNeeded => {
                return Err(ConnectError::config(
                    "snapshot.mode",
                    format!(
                        "the committed binary log position {}:{} is no longer on the server (purged): snapshot.mode=when_needed takes a new snapshot",
                        position.restart.file, position.restart.pos
                    ),
                ));
            }
            Some(position) if readable && !mode.snapshots(completed) => {
                let schemas = self.recover(&mut sql, &server, &events, &position.restart).await?;
                (position.restart, schemas)
            }
            Some(position) if readable && mode != SnapshotMode::Always => {
                let resumed = position
                    .unfinished_snapshot
                    .map(|progress| (position.restart, progress));
                self.snapshot(&server, &events, resumed).await?
            }
            _ if mode.snapshots(false) => self.snapshot(&server, &events, None).await?,
            _ => {
                let now = client::current_position(&mut sql, &server).await?;
                let schemas = self.record_catalog(&mut sql, &server, &events, &now).await?;
                (now, schemas)
            }
        };
        if !mode.streams() {
            tracing::info!("snapshot.mode=initial_only: the snapshot is complete and nothing is streamed");
            std::future::pending::<()>().await;
        }
        // A stream from the committed position starts as that position can be read; one from a
        // position the server just gave, by it.
        let by = match resume {
            Some(by) if committed_restart.as_ref() == Some(&start) => by,
            _ => ResumeBy::Position,
        };
        self.stream(sql, &server, &events, (start, by), schemas).await
    }

    /// The captured tables as they were at `at`, from the schema history; when it holds none (a
    /// history kept in memory, or lost), from the catalog now, recorded at `at`.
    async fn recover(&self, sql: &mut Conn, server: &Server, events: &Events, at: &Restart) -> Result<Schemas> {
        if let Some(schemas) = self.history.recover(at, &self.config.common.tables).await? {
            return Ok(schemas);
        }
        if self.config.history != HistoryStore::Memory {
            tracing::warn!(
                "the schema history holds nothing of this connector: the tables' shapes are read from the server as they are now"
            );
        }
        self.record_catalog(sql, server, events, at).await
    }

    /// Reads the captured tables from the catalog and records them at `at`, outside a snapshot.
    async fn record_catalog(&self, sql: &mut Conn, server: &Server, events: &Events, at: &Restart) -> Result<Schemas> {
        let tables = catalog::tables(sql, &self.config.common.tables, None).await?;
        let source = BinlogSource {
            ts_us: now_micros(),
            snapshot: "false",
            server_id: server.server_id,
            file: at.file.clone(),
            pos: at.pos,
            ..BinlogSource::default()
        };
        let ts_sec = source.ts_us / 1_000_000;
        let offset = at.offset(server.server_id, ts_sec);
        // Recorded as a snapshot's shapes: before any statement at `at`.
        let position = offsets::snapshot(at, ts_sec, false, None);
        let statements = self.create_statements(sql, &tables).await?;
        self.record_tables(&tables, statements, events, &source, (&position, &offset))
            .await?;
        Ok(Schemas::new(tables))
    }

    /// The `CREATE TABLE` statement of each of `tables`.
    pub(crate) async fn create_statements(&self, sql: &mut Conn, tables: &[TableDef]) -> Result<Vec<String>> {
        let mut statements = Vec::with_capacity(tables.len());
        for def in tables {
            statements.push(catalog::create_statement(sql, def).await?);
        }
        Ok(statements)
    }

    /// Records each of `tables` (created by its statement of `statements`) in the schema history
    /// at `position`, with their schema change events read at `at`, resuming at `offset`.
    pub(crate) async fn record_tables(
        &self,
        tables: &[TableDef],
        statements: Vec<String>,
        events: &Events,
        at: &BinlogSource,
        (position, offset): (&OffsetMap, &OffsetMap),
    ) -> Result<()> {
        let entries = tables
            .iter()
            .zip(statements)
            .map(|(def, ddl)| HistoryEntry {
                position: position.clone(),
                database: def.database.clone(),
                ddl,
                changes: vec![change_document(ChangeType::Create, def)],
            })
            .collect();
        self.record_schema(entries, events, at, offset).await
    }

    /// Records `entries` in the schema history, then hands their schema change events (read at
    /// `at`, resuming at `offset`) over.
    pub(crate) async fn record_schema(
        &self,
        entries: Vec<HistoryEntry>,
        events: &Events,
        at: &BinlogSource,
        offset: &OffsetMap,
    ) -> Result<()> {
        self.history.record(&entries).await?;
        self.announce(&entries, events, at, offset).await
    }

    /// Hands the schema change events of `entries` (read at `at`, resuming at `offset`) over.
    pub(crate) async fn announce(
        &self,
        entries: &[HistoryEntry],
        events: &Events,
        at: &BinlogSource,
        offset: &OffsetMap,
    ) -> Result<()> {
        let mut records = Vec::new();
        for entry in entries {
            records.extend(events.schema_change(entry, at, offset.clone())?);
        }
        if !records.is_empty() {
            self.outbox.send(records).await?;
        }
        Ok(())
    }
}
