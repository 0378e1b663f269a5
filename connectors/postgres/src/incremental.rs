//! Incremental snapshots, as Debezium's: an `execute-snapshot` row inserted into the signal table
//! (`signal.data.collection`) has the named tables read again while changes keep streaming. Each
//! chunk of `incremental.snapshot.chunk.size` rows in key order is read between a window-open and
//! a window-close row the connector writes into the signal table; when the stream reaches the
//! close, the chunk's rows that no change streamed meanwhile touched go out as `r` events marked
//! `incremental` (a row changed meanwhile has its newer event in the stream). The progress rides
//! in every offset (kconnect's own key), so a restarted task goes on with the next chunk.
//!
//! A change takes its row out from where the stream was when the chunk was read, not only from
//! the window-open row: PostgreSQL can write a transaction's commit to the WAL before the
//! window-open's and still hide it from the chunk's read for a moment (the committing backend
//! makes it visible only after its WAL flush), so such a change streams before the open row while
//! the chunk holds the row as it was before it. Taking out a row a change touched is always
//! safe: its event in the stream is as new as the row, or newer.

use std::collections::{HashMap, VecDeque};

use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord};
use serde_json::{Value, json};
use sqlx::postgres::PgConnection;

use crate::chunks::TableChunks;
use crate::client::{self, quote};
use crate::config::PostgresCdcConfig;
use crate::envelope::{SourceInfo, TableShape};
use crate::events::{Change, Events, Op};
use crate::pgoutput::{Datum, Tuple};
use kconnect_cdc::filters::table_id;
use kconnect_cdc::now_micros;
use kconnect_cdc::strings;

/// kconnect's offset key: the tables an incremental snapshot has still to read, and the key of
/// the last row it emitted of the first of them.
pub const OFFSET_KEY: &str = "kconnect_incremental";

/// The progress an offset carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncrementalProgress {
    /// `schema.table` of the tables left, the one being read first.
    pub tables: Vec<String>,
    /// The key of the last row emitted of the first table.
    pub after: Option<Vec<String>>,
}

impl IncrementalProgress {
    fn to_text(&self) -> String {
        json!({ "tables": self.tables, "after": self.after }).to_string()
    }

    /// The progress in an offset, when it has one.
    pub fn of(offset: &OffsetMap) -> Option<Self> {
        let value: Value = serde_json::from_str(offset.get(OFFSET_KEY)?.as_str()?).ok()?;
        Some(Self {
            tables: strings(value.get("tables")?)?,
            after: value.get("after").and_then(strings),
        })
    }
}

/// A row of the signal table: `(id, type, data)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signal {
    /// `id`.
    pub id: String,
    /// `type`: `execute-snapshot`, `stop-snapshot`, `snapshot-window-open`, …
    pub kind: String,
    /// `data`, JSON.
    pub data: String,
}

impl Signal {
    /// The signal an inserted row of the signal table carries.
    pub fn of(tuple: &[Datum]) -> Option<Self> {
        let text = |i: usize| match tuple.get(i) {
            Some(Datum::Text(text)) => Some(text.clone()),
            _ => None,
        };
        Some(Self {
            id: text(0)?,
            kind: text(1)?,
            data: text(2).unwrap_or_default(),
        })
    }

    /// The tables `data-collections` names (`schema.table`).
    fn tables(&self) -> Vec<String> {
        let data: Value = serde_json::from_str(&self.data).unwrap_or_default();
        let listed = data.get("data-collections").and_then(Value::as_array);
        listed
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }
}

/// The table being read.
struct Current {
    id: String,
    relation: u32,
    shape: TableShape,
    chunks: TableChunks,
    /// The key of the last row emitted.
    after: Option<Vec<String>>,
    /// The table's greatest key when its snapshot began: rows inserted later stream anyway.
    upto: Vec<String>,
}

/// A chunk read between the window's signals, waiting for the stream to reach the close.
struct Window {
    id: String,
    /// Rows by key, in key order; a row a change streamed since the read touched is taken out.
    rows: Vec<Option<(Vec<String>, Tuple)>>,
    index: HashMap<Vec<String>, usize>,
    /// Whether this is the table's last chunk.
    last: bool,
}

/// An incremental snapshot's state, driven by the stream.
#[derive(Default)]
pub struct Incremental {
    queue: VecDeque<String>,
    current: Option<Current>,
    window: Option<Window>,
    windows: u64,
    /// Where the first table goes on from, when resumed from an offset.
    resume_after: Option<Vec<String>>,
}

impl Incremental {
    /// Goes on where an offset's `progress` left off (nothing to do without one), reading the
    /// next chunk.
    pub async fn resume(
        progress: Option<IncrementalProgress>,
        sql: &mut PgConnection,
        config: &PostgresCdcConfig,
        events: &Events,
    ) -> Result<Self> {
        let Some(progress) = progress else {
            return Ok(Self::default());
        };
        let mut incremental = Self {
            queue: progress.tables.into_iter().collect(),
            resume_after: progress.after,
            ..Self::default()
        };
        incremental.next_chunk(sql, config, events).await?;
        Ok(incremental)
    }

    /// Whether tables are left to read.
    pub fn active(&self) -> bool {
        self.current.is_some() || !self.queue.is_empty()
    }

    /// Adds the progress to an offset of a record emitted now.
    pub fn stamp(&self, offset: &mut OffsetMap) {
        if let Some(progress) = self.progress() {
            offset.insert(OFFSET_KEY.into(), progress.to_text().into());
        }
    }

    fn progress(&self) -> Option<IncrementalProgress> {
        if !self.active() {
            return None;
        }
        let mut tables: Vec<String> = self.current.iter().map(|c| c.id.clone()).collect();
        tables.extend(self.queue.iter().cloned());
        Some(IncrementalProgress {
            tables,
            after: self.current.as_ref().and_then(|c| c.after.clone()),
        })
    }

    /// Acts on a row inserted into the signal table; returns the records of a closed window.
    pub async fn signal(
        &mut self,
        sql: &mut PgConnection,
        config: &PostgresCdcConfig,
        events: &Events,
        signal: Signal,
        at: SourceInfo,
        offset: &OffsetMap,
    ) -> Result<Vec<SourceRecord>> {
        match signal.kind.as_str() {
            "execute-snapshot" => {
                let captured = client::captured_tables(sql, &config.common.tables).await?;
                for wanted in signal.tables() {
                    let known = captured.iter().any(|(s, t)| table_id(s, t) == wanted);
                    if !known {
                        tracing::warn!(table = %wanted, "execute-snapshot names a table that is not captured; skipped");
                    } else if !self.queue.contains(&wanted) && self.current.as_ref().is_none_or(|c| c.id != wanted) {
                        tracing::info!(table = %wanted, "incremental snapshot requested");
                        self.queue.push_back(wanted);
                    }
                }
                if self.window.is_none() {
                    self.next_chunk(sql, config, events).await?;
                }
                Ok(Vec::new())
            }
            "stop-snapshot" => {
                let stopped = signal.tables();
                self.queue.retain(|t| !stopped.contains(t));
                if self.current.as_ref().is_some_and(|c| stopped.contains(&c.id)) {
                    tracing::info!(table = ?stopped, "incremental snapshot stopped");
                    self.current = None;
                    self.window = None;
                    self.next_chunk(sql, config, events).await?;
                }
                Ok(Vec::new())
            }
            "snapshot-window-close" => {
                let Some(window) = self.window.take_if(|w| signal.id == format!("{}-close", w.id)) else {
                    return Ok(Vec::new());
                };
                let records = self.close(window, events, at, offset)?;
                self.next_chunk(sql, config, events).await?;
                Ok(records)
            }
            _ => Ok(Vec::new()),
        }
    }

    /// Takes out of the window the rows a streamed change of `relation` touched.
    pub fn observe(&mut self, relation: u32, tuples: [Option<&[Datum]>; 2]) {
        let (Some(current), Some(window)) = (&self.current, self.window.as_mut()) else {
            return;
        };
        if current.relation != relation {
            return;
        }
        for tuple in tuples.into_iter().flatten() {
            if let Some(at) = window.index.remove(&current.chunks.key_of(tuple)) {
                window.rows[at] = None;
            }
        }
    }

    /// The window's rows left as `r` events at the stream's position `offset`; every one but the
    /// last carries the progress from before the chunk, the last the table's progress after it.
    fn close(
        &mut self,
        window: Window,
        events: &Events,
        at: SourceInfo,
        offset: &OffsetMap,
    ) -> Result<Vec<SourceRecord>> {
        let mut before = offset.clone();
        self.stamp(&mut before);
        let Some(current) = self.current.as_mut() else {
            return Ok(Vec::new());
        };
        let mut records = Vec::new();
        for (key, tuple) in window.rows.into_iter().flatten() {
            let change = Change {
                shape: &current.shape,
                op: Op::Read,
                before: None,
                after: Some(&tuple),
                info: SourceInfo {
                    snapshot: "incremental",
                    ..at.clone()
                },
                offset: before.clone(),
            };
            records.extend(events.records(change)?);
            current.after = Some(key);
        }
        if window.last {
            tracing::info!(table = %current.id, "incremental snapshot of the table complete");
            self.current = None;
        }
        if let Some(last) = records.last_mut() {
            last.source_offset = offset.clone();
            self.stamp(&mut last.source_offset);
        }
        Ok(records)
    }

    /// Reads the next chunk between a window's signals, moving to the next table when one is
    /// done; nothing when no table is left.
    async fn next_chunk(&mut self, sql: &mut PgConnection, config: &PostgresCdcConfig, events: &Events) -> Result<()> {
        loop {
            if self.current.is_none() {
                let Some(id) = self.queue.pop_front() else {
                    return Ok(());
                };
                let Some(current) = Self::begin_table(sql, config, events, &id, self.resume_after.take()).await? else {
                    continue;
                };
                self.current = Some(current);
            }
            let Some(signals) = config.common.signal_table.as_deref() else {
                // Resumed from an offset after signal.data.collection was removed: windows need it.
                tracing::warn!(
                    "an incremental snapshot was under way, but signal.data.collection is not set; it is dropped"
                );
                self.current = None;
                self.queue.clear();
                return Ok(());
            };
            let current = self.current.as_ref().expect("a table is being read");
            self.windows += 1;
            let id = format!("kconnect-{}-{}", now_micros(), self.windows);
            write_signal(sql, signals, &format!("{id}-open"), "snapshot-window-open").await?;
            let tuples = current
                .chunks
                .read(sql, current.after.as_deref(), Some(&current.upto))
                .await?;
            write_signal(sql, signals, &format!("{id}-close"), "snapshot-window-close").await?;
            let last = tuples.len() < current.chunks.size()
                || tuples.last().is_some_and(|t| current.chunks.key_of(t) == current.upto);
            let mut window = Window {
                id,
                rows: Vec::with_capacity(tuples.len()),
                index: HashMap::with_capacity(tuples.len()),
                last,
            };
            for tuple in tuples {
                let key = current.chunks.key_of(&tuple);
                window.index.insert(key.clone(), window.rows.len());
                window.rows.push(Some((key, tuple)));
            }
            self.window = Some(window);
            return Ok(());
        }
    }

    /// The table `id` (`schema.table`) ready to be read after `after`; `None` when it has no
    /// primary key or no row.
    async fn begin_table(
        sql: &mut PgConnection,
        config: &PostgresCdcConfig,
        events: &Events,
        id: &str,
        after: Option<Vec<String>>,
    ) -> Result<Option<Current>> {
        let Some((schema, table)) = id.split_once('.') else {
            return Ok(None);
        };
        let relation = client::relation_of(sql, schema, table).await?;
        let key = client::primary_key(sql, relation.id).await?;
        let Some(chunks) = TableChunks::new(&relation, &key, config.common.incremental_chunk_size) else {
            tracing::warn!(table = %id, "an incremental snapshot needs a primary key; the table is skipped");
            return Ok(None);
        };
        let Some(upto) = chunks.last_key(sql).await? else {
            return Ok(None);
        };
        let facts = client::column_facts(sql, relation.id).await?;
        let shape = TableShape::new(config, &relation, &facts, events.source_schema());
        let after = after.filter(|key| chunks.fits(key));
        tracing::info!(table = %id, ?after, "incremental snapshot of the table started");
        Ok(Some(Current {
            id: id.to_string(),
            relation: relation.id,
            shape,
            chunks,
            after,
            upto,
        }))
    }
}

/// Inserts a window signal into the signal table `table` (`schema.table`).
async fn write_signal(sql: &mut PgConnection, table: &str, id: &str, kind: &str) -> Result<()> {
    let (schema, name) = table.split_once('.').unwrap_or(("public", table));
    let statement = format!("INSERT INTO {}.{} VALUES ($1, $2, NULL)", quote(schema), quote(name));
    sqlx::query(&statement)
        .bind(id)
        .bind(kind)
        .execute(&mut *sql)
        .await
        .map_err(|err| ConnectError::Retriable(format!("writing to the signal table {table}: {err}")))?;
    Ok(())
}
