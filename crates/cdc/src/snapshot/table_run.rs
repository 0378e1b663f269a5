//! One table's snapshot rows on their way to the emitter: each table's first row is marked, its
//! last is held back until the table is read to the end (then marked as the table's last), and
//! each batch says how far the table got, the key of the last row handed over.

use kconnect_api::{Result, SourceRecord};

use super::emitter::{Emitter, Marker};
use super::progress::TableState;

/// A row's record and its primary key as text (`None` for a table without one).
pub type KeyedRecord = (SourceRecord, Option<Vec<String>>);

/// The last row read, not handed over yet: whether it is the table's last is known only later.
struct Held {
    record: SourceRecord,
    marker: Marker,
    key: Option<Vec<String>>,
}

/// The rows of one table on their way to the emitter.
pub struct TableRun<'a> {
    emitter: &'a Emitter,
    table: String,
    held: Option<Held>,
    started: bool,
}

impl<'a> TableRun<'a> {
    /// The run of `table` (`namespace.table`), handing rows to `emitter`.
    pub fn new(emitter: &'a Emitter, table: String) -> Self {
        Self {
            emitter,
            table,
            held: None,
            started: false,
        }
    }

    fn marker(&mut self) -> Marker {
        let marker = if self.started {
            Marker::Plain
        } else {
            Marker::FirstInTable
        };
        self.started = true;
        marker
    }

    /// Hands over the rows before the last of `rows` (and the one held from before), holding the
    /// last back.
    pub async fn rows(&mut self, rows: Vec<KeyedRecord>) -> Result<()> {
        let mut rows = rows.into_iter();
        let Some((last, last_key)) = rows.next_back() else {
            return Ok(());
        };
        let mut batch = Vec::with_capacity(rows.len() + 1);
        let mut reached = self.held.as_ref().and_then(|held| held.key.clone());
        if let Some(held) = self.held.take() {
            batch.push((held.record, held.marker));
        }
        for (record, key) in rows {
            let marker = self.marker();
            batch.push((record, marker));
            reached = key;
        }
        let marker = self.marker();
        self.held = Some(Held {
            record: last,
            marker,
            key: last_key,
        });
        if batch.is_empty() {
            return Ok(());
        }
        self.emitter.emit(&self.table, batch, reached.map(TableState::At)).await
    }

    /// Hands over the table's last row, marked so, and records the table as read.
    pub async fn finish(mut self) -> Result<()> {
        let Some(held) = self.held.take() else {
            return Ok(());
        };
        let batch = vec![(held.record, Marker::LastInTable)];
        self.emitter.emit(&self.table, batch, Some(TableState::Done)).await
    }
}
