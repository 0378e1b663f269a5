//! Incremental snapshots, as Debezium's, for every CDC connector: an `execute-snapshot` row
//! inserted into the signal table (`signal.data.collection`) has the named tables read again while
//! changes keep streaming. Each chunk of `incremental.snapshot.chunk.size` rows in key order is read
//! between a window-open and a window-close row the connector writes into the signal table; when
//! the stream reaches the close, the chunk's rows that no change streamed meanwhile touched go out
//! as `r` events marked `incremental` (a row changed meanwhile has its newer event in the stream).
//! The progress rides in every offset (kconnect's own key, put in each record the capture's outbox
//! sends), so a restarted task goes on with the next chunk.
//!
//! A change takes its row out from where the stream was when the chunk was read, not only from
//! the window-open row: a database can write a transaction's commit to its log before the
//! window-open's and still hide it from the chunk's read for a moment (PostgreSQL makes it visible
//! after its WAL flush, InnoDB after the binary log's write), so such a change streams before the
//! open row while the chunk holds the row as it was before it. Taking out a row a change touched is
//! always safe: its event in the stream is as new as the row, or newer.
//!
//! The database's part (which tables are captured, reading a chunk, writing a window's signals) is
//! a [`ChunkSource`] each connector implements; the state here is the same for all.

use std::collections::{HashMap, VecDeque};
use std::future::Future;

use kconnect_api::{OffsetMap, Result, SourceRecord};
use serde_json::{Value, json};

use crate::pump::Outbox;
use crate::{now_micros, strings};

/// kconnect's offset key: the tables an incremental snapshot has still to read, and the key of
/// the last row it emitted of the first of them.
pub const OFFSET_KEY: &str = "kconnect_incremental";

/// A row's primary key, one text per key column.
pub type Key = Vec<String>;

/// The progress an offset carries.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncrementalProgress {
    /// The tables left, the one being read first.
    pub tables: Vec<String>,
    /// The key of the last row read of the first table.
    pub after: Option<Key>,
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
    /// The signal of a row of the signal table whose columns' texts `text` gives by index (`id`,
    /// `type`, `data`); `None` without an id or a type.
    pub fn of_row(text: impl Fn(usize) -> Option<String>) -> Option<Self> {
        Some(Self {
            id: text(0)?,
            kind: text(1)?,
            data: text(2).unwrap_or_default(),
        })
    }

    /// The tables `data-collections` names.
    pub fn tables(&self) -> Vec<String> {
        let data: Value = serde_json::from_str(&self.data).unwrap_or_default();
        let listed = data.get("data-collections").and_then(Value::as_array);
        listed
            .into_iter()
            .flatten()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect()
    }
}

/// A table an incremental snapshot is about to read.
pub struct OpenTable<T> {
    /// The connector's handle on it (its shape and how to read it).
    pub table: T,
    /// Its greatest key when the snapshot began: rows inserted later stream anyway.
    pub upto: Key,
    /// How many columns its key has: a resumed key of another width is not its own.
    pub key_width: usize,
}

/// One row of a chunk.
pub struct ChunkRow<R> {
    /// Where a read after this row goes on from, as [`ChunkSource::read`] takes it.
    pub key: Key,
    /// The row's key as [`Incremental::observe`] is given the keys of streamed changes.
    pub matches: Key,
    /// The row.
    pub row: R,
}

/// A database's part in an incremental snapshot.
pub trait ChunkSource: Send {
    /// A table being read: its shape and how to read it.
    type Table: Send + Sync;
    /// One row of a chunk.
    type Row: Send;

    /// Whether `table` (as `data-collections` names it) is captured.
    fn captured(&mut self, table: &str) -> impl Future<Output = Result<bool>> + Send;

    /// `table` ready to be read; `None` when it has no primary key or no row.
    fn open(&mut self, table: &str) -> impl Future<Output = Result<Option<OpenTable<Self::Table>>>> + Send;

    /// A chunk of `table`'s rows (`incremental.snapshot.chunk.size` of them, or fewer at its end)
    /// after `after` (from its first without it) and up to and including `upto`, in key order.
    fn read(
        &mut self,
        table: &Self::Table,
        after: Option<&[String]>,
        upto: &[String],
    ) -> impl Future<Output = Result<Vec<ChunkRow<Self::Row>>>> + Send;

    /// Inserts a window's signal, `(id, kind, NULL)`, into the signal table.
    fn signal(&mut self, id: &str, kind: &str) -> impl Future<Output = Result<()>> + Send;
}

/// The table being read.
struct Current<T> {
    id: String,
    table: T,
    /// The key of the last row read.
    after: Option<Key>,
    upto: Key,
}

/// A chunk read between the window's signals, waiting for the stream to reach the close.
struct Window<R> {
    id: String,
    /// Rows in key order; a row a change streamed since the read touched is taken out.
    rows: Vec<Option<R>>,
    index: HashMap<Key, usize>,
    /// The key of the chunk's last row.
    last_key: Option<Key>,
    /// Whether this is the table's last chunk.
    last: bool,
}

/// An incremental snapshot's state, driven by the stream.
pub struct Incremental<T, R> {
    queue: VecDeque<String>,
    current: Option<Current<T>>,
    window: Option<Window<R>>,
    windows: u64,
    /// Where the first table goes on from, when resumed from an offset.
    resume_after: Option<Key>,
    /// `incremental.snapshot.chunk.size`.
    chunk_rows: usize,
    /// Whether `signal.data.collection` is set: windows need it.
    signals: bool,
    /// Where the capture's records go: each carries the progress.
    outbox: Outbox,
}

impl<T: Send + Sync, R: Send> Incremental<T, R> {
    /// Nothing to read yet: chunks of `chunk_rows`, windows in the signal table when `signals`,
    /// the progress in the offsets of the records sent through `outbox`.
    pub fn new(chunk_rows: usize, signals: bool, outbox: Outbox) -> Self {
        Self {
            queue: VecDeque::new(),
            current: None,
            window: None,
            windows: 0,
            resume_after: None,
            chunk_rows: chunk_rows.max(1),
            signals,
            outbox,
        }
    }

    /// Goes on where an offset's `progress` left off (nothing to do without one), reading the
    /// next chunk.
    pub async fn resume<D>(mut self, progress: Option<IncrementalProgress>, source: &mut D) -> Result<Self>
    where
        D: ChunkSource<Table = T, Row = R>,
    {
        if let Some(progress) = progress {
            self.queue = progress.tables.into_iter().collect();
            self.resume_after = progress.after;
            self.next_chunk(source).await?;
            self.publish();
        }
        Ok(self)
    }

    /// Whether tables are left to read.
    pub fn active(&self) -> bool {
        self.current.is_some() || !self.queue.is_empty()
    }

    /// Adds the progress to an offset of a record emitted now.
    fn stamp(&self, offset: &mut OffsetMap) {
        if let Some(progress) = self.progress() {
            offset.insert(OFFSET_KEY.into(), progress.to_text().into());
        }
    }

    /// Has the records sent from now on carry the progress.
    fn publish(&self) {
        let mut entries = OffsetMap::new();
        self.stamp(&mut entries);
        self.outbox.stamp_offsets(entries);
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

    /// Acts on a row inserted into the signal table, read at the stream's position `offset`;
    /// returns the records of a closed window, each of its rows made into records by `build`
    /// (with the offset the record resumes at). Records the capture built before this call must
    /// be sent before it: the ones sent after carry the progress it leaves.
    pub async fn signal<D, B>(
        &mut self,
        source: &mut D,
        signal: Signal,
        offset: &OffsetMap,
        build: B,
    ) -> Result<Vec<SourceRecord>>
    where
        D: ChunkSource<Table = T, Row = R>,
        B: FnMut(&T, R, OffsetMap) -> Result<Vec<SourceRecord>>,
    {
        let mut records = Vec::new();
        match signal.kind.as_str() {
            "execute-snapshot" => self.execute(source, signal.tables()).await?,
            "stop-snapshot" => self.stop(source, signal.tables()).await?,
            "snapshot-window-close" => {
                if let Some(window) = self.window.take_if(|w| signal.id == format!("{}-close", w.id)) {
                    records = self.close(window, offset, build)?;
                    self.next_chunk(source).await?;
                }
            }
            _ => {}
        }
        self.publish();
        Ok(records)
    }

    /// Queues the captured tables of `tables` not queued yet, and starts reading when idle.
    async fn execute<D>(&mut self, source: &mut D, tables: Vec<String>) -> Result<()>
    where
        D: ChunkSource<Table = T, Row = R>,
    {
        for wanted in tables {
            if !source.captured(&wanted).await? {
                tracing::warn!(table = %wanted, "execute-snapshot names a table that is not captured; skipped");
            } else if !self.queue.contains(&wanted) && self.current.as_ref().is_none_or(|c| c.id != wanted) {
                tracing::info!(table = %wanted, "incremental snapshot requested");
                self.queue.push_back(wanted);
            }
        }
        if self.window.is_none() {
            self.next_chunk(source).await?;
        }
        Ok(())
    }

    /// Drops `tables` from the snapshot, going on with the next table when the current one is.
    async fn stop<D>(&mut self, source: &mut D, tables: Vec<String>) -> Result<()>
    where
        D: ChunkSource<Table = T, Row = R>,
    {
        self.queue.retain(|t| !tables.contains(t));
        if self.current.as_ref().is_some_and(|c| tables.contains(&c.id)) {
            tracing::info!(table = ?tables, "incremental snapshot stopped");
            self.current = None;
            self.window = None;
            self.next_chunk(source).await?;
        }
        Ok(())
    }

    /// Takes out of the open window the rows a streamed change touched: `keys` gives the keys of
    /// the change's row images when the change is of the table being read, and none otherwise.
    pub fn observe(&mut self, keys: impl FnOnce(&T) -> Vec<Key>) {
        let (Some(current), Some(window)) = (&self.current, self.window.as_mut()) else {
            return;
        };
        for key in keys(&current.table) {
            if let Some(at) = window.index.remove(&key) {
                window.rows[at] = None;
            }
        }
    }

    /// The window's rows left as records at the stream's position `offset`; every one but the
    /// last carries the progress from before the chunk, the last the table's progress after it.
    fn close<B>(&mut self, window: Window<R>, offset: &OffsetMap, mut build: B) -> Result<Vec<SourceRecord>>
    where
        B: FnMut(&T, R, OffsetMap) -> Result<Vec<SourceRecord>>,
    {
        let mut before = offset.clone();
        self.stamp(&mut before);
        let Some(current) = self.current.as_mut() else {
            return Ok(Vec::new());
        };
        let mut records = Vec::new();
        for row in window.rows.into_iter().flatten() {
            records.extend(build(&current.table, row, before.clone())?);
        }
        if window.last_key.is_some() {
            current.after = window.last_key;
        }
        if window.last {
            tracing::info!(table = %current.id, "incremental snapshot of the table complete");
            self.current = None;
        }
        if let Some(last) = records.last_mut() {
            let mut offset = offset.clone();
            self.stamp(&mut offset);
            last.source_offset = offset.into();
        }
        Ok(records)
    }

    /// Reads the next chunk between a window's signals, moving to the next table when one is
    /// done; nothing when no table is left.
    async fn next_chunk<D>(&mut self, source: &mut D) -> Result<()>
    where
        D: ChunkSource<Table = T, Row = R>,
    {
        loop {
            if self.current.is_none() {
                let Some(id) = self.queue.pop_front() else {
                    return Ok(());
                };
                let Some(opened) = source.open(&id).await? else {
                    tracing::warn!(table = %id, "an incremental snapshot needs a primary key and rows; the table is skipped");
                    continue;
                };
                let after = self.resume_after.take().filter(|key| key.len() == opened.key_width);
                tracing::info!(table = %id, ?after, "incremental snapshot of the table started");
                self.current = Some(Current {
                    id,
                    table: opened.table,
                    after,
                    upto: opened.upto,
                });
            }
            if !self.signals {
                // Resumed from an offset after signal.data.collection was removed: windows need it.
                tracing::warn!(
                    "an incremental snapshot was under way, but signal.data.collection is not set; it is dropped"
                );
                self.current = None;
                self.queue.clear();
                return Ok(());
            }
            let current = self.current.as_ref().expect("a table is being read");
            self.windows += 1;
            let id = format!("kconnect-{}-{}", now_micros(), self.windows);
            source.signal(&format!("{id}-open"), "snapshot-window-open").await?;
            let rows = source
                .read(&current.table, current.after.as_deref(), &current.upto)
                .await?;
            source.signal(&format!("{id}-close"), "snapshot-window-close").await?;
            let last_key = rows.last().map(|row| row.key.clone());
            let last = rows.len() < self.chunk_rows || rows.last().is_some_and(|row| row.key == current.upto);
            let mut window = Window {
                id,
                rows: Vec::with_capacity(rows.len()),
                index: HashMap::with_capacity(rows.len()),
                last_key,
                last,
            };
            for row in rows {
                window.index.insert(row.matches, window.rows.len());
                window.rows.push(Some(row.row));
            }
            self.window = Some(window);
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_rides_in_an_offset() {
        let progress = IncrementalProgress {
            tables: vec!["shop.orders".into(), "shop.items".into()],
            after: Some(vec!["42".into()]),
        };
        let mut offset = OffsetMap::new();
        offset.insert(OFFSET_KEY.into(), progress.to_text().into());
        assert_eq!(IncrementalProgress::of(&offset), Some(progress));
        assert_eq!(IncrementalProgress::of(&OffsetMap::new()), None);
    }

    #[test]
    fn a_signal_names_its_tables() {
        let signal = Signal {
            id: "1".into(),
            kind: "execute-snapshot".into(),
            data: r#"{"data-collections": ["shop.orders", "shop.items"], "type": "incremental"}"#.into(),
        };
        assert_eq!(signal.tables(), ["shop.orders", "shop.items"]);
        assert!(
            Signal {
                data: String::new(),
                ..signal
            }
            .tables()
            .is_empty()
        );
    }
}
