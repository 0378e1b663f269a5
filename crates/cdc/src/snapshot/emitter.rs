//! Where every snapshot reader hands its rows: one at a time, so that the records reach the task
//! in one order and each record's offset describes everything before it. Debezium's markers are
//! set here (`first` on the very first row, `last` on the very last, which is held back until
//! every reader is done), and the progress a record's offset carries only ever grows along the
//! records: a task started again from any committed offset reads nothing it had committed.

use std::sync::Arc;

use kconnect_api::{OffsetMap, Result, SourceRecord, Value};
use tokio::sync::Mutex;

use super::progress::{SnapshotProgress, TableState};
use crate::pump::Outbox;

/// A connector's offset of a snapshot row: `last` for the snapshot's final row (which carries no
/// progress), else with the progress so far.
pub type SnapshotOffsets = Box<dyn Fn(bool, Option<&SnapshotProgress>) -> OffsetMap + Send + Sync>;

/// Where a row stands in its table, as Debezium's `source.snapshot` marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    /// `true`: a row in the middle.
    Plain,
    /// `first_in_data_collection`: a table's first row.
    FirstInTable,
    /// `last_in_data_collection`: a table's last row.
    LastInTable,
}

struct State {
    progress: SnapshotProgress,
    /// The offset of a record that follows the progress so far, shared by every such record.
    offset: Arc<OffsetMap>,
    /// The last record handed over, kept back until another follows (the snapshot's last is
    /// marked), and whether its offset covers it and every record before (a chunk's last row).
    held: Option<(SourceRecord, bool)>,
    started: bool,
}

/// The snapshot's single way to the task.
pub struct Emitter {
    offsets: SnapshotOffsets,
    outbox: Outbox,
    state: Mutex<State>,
}

impl Emitter {
    /// Hands records to `outbox` with the offsets `offsets` gives, resuming from `progress`.
    pub fn new(offsets: SnapshotOffsets, progress: SnapshotProgress, outbox: Outbox) -> Self {
        let offset = Arc::new(offsets(false, Some(&progress)));
        Self {
            offsets,
            outbox,
            state: Mutex::new(State {
                progress,
                offset,
                held: None,
                started: false,
            }),
        }
    }

    /// Hands over one table's `rows`, in order, after which the table stands at `reached` (`None`:
    /// where it stood before, for a table whose rows cannot be resumed in the middle). Every row
    /// but the last carries the progress from before them: started again there, the snapshot
    /// reads these rows again, never skips one. The last, which carries `reached`, ends a
    /// transaction (see [`Outbox::end_transaction`]) once it is handed over.
    pub async fn emit(
        &self,
        table: &str,
        rows: Vec<(SourceRecord, Marker)>,
        reached: Option<TableState>,
    ) -> Result<()> {
        let mut state = self.state.lock().await;
        let count = rows.len();
        let mut ready = Vec::with_capacity(count);
        let mut first_ends_transaction = false;
        for (n, (mut record, marker)) in rows.into_iter().enumerate() {
            let mut covering = false;
            if n + 1 == count
                && let Some(reached) = reached.clone()
            {
                state.progress.update(table, reached);
                state.offset = Arc::new((self.offsets)(false, Some(&state.progress)));
                covering = true;
            }
            record.source_offset = state.offset.clone();
            let marker = if state.started {
                match marker {
                    Marker::Plain => None,
                    Marker::FirstInTable => Some("first_in_data_collection"),
                    Marker::LastInTable => Some("last_in_data_collection"),
                }
            } else {
                Some("first")
            };
            state.started = true;
            if let Some(marker) = marker {
                record = with_snapshot_marker(record, marker);
            }
            if let Some((released, ends)) = state.held.replace((record, covering)) {
                // Only a chunk's last row ends a transaction, and it is held until the next row.
                first_ends_transaction |= ready.is_empty() && ends;
                ready.push(released);
            }
        }
        if first_ends_transaction {
            let rest = ready.split_off(1);
            self.outbox.send(ready).await?;
            self.outbox.end_transaction().await?;
            ready = rest;
        }
        self.outbox.send(ready).await
    }

    /// Hands over the record held back, marked as the snapshot's last, once every reader is done.
    pub async fn finish(&self) -> Result<()> {
        let last = self.state.lock().await.held.take();
        if let Some((mut last, _)) = last {
            last.source_offset = Arc::new((self.offsets)(true, None));
            self.outbox.send(vec![with_snapshot_marker(last, "last")]).await?;
            self.outbox.end_transaction().await?;
        }
        Ok(())
    }
}

/// `record` with `source.snapshot` set to `marker`.
fn with_snapshot_marker(mut record: SourceRecord, marker: &str) -> SourceRecord {
    let Value::Struct(envelope) = &record.core.value.value else {
        return record;
    };
    let Some(Value::Struct(source)) = envelope.get("source").cloned() else {
        return record;
    };
    let marked = source
        .put("snapshot", Value::String(marker.into()))
        .and_then(|source| envelope.clone().put("source", Value::Struct(source)));
    if let Ok(envelope) = marked {
        record.core.value.value = Value::Struct(envelope);
    }
    record
}
