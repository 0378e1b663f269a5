//! What every connector's snapshot shares: the progress an unfinished snapshot carries in its
//! offsets (`progress.rs`), and the one way its readers hand rows to the task (`emitter.rs`),
//! which sets Debezium's `source.snapshot` markers, one table's rows at a time (`table_run.rs`).

mod emitter;
mod progress;
mod table_run;

pub use emitter::{Emitter, Marker, SnapshotOffsets};
pub use progress::{SnapshotProgress, TableState};
pub use table_run::{KeyedRecord, TableRun};
