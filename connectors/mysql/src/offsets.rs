//! The connector's offsets in Debezium's MySQL format: one source partition
//! `{"server": <topic.prefix>}`, and per event the binary log position to restart from (`file`,
//! `pos`: the start of the event's transaction), how many of the transaction's events (`event`)
//! and of the next rows event's rows (`row`) were already emitted, the GTID set (`gtids`) and the
//! event's time (`ts_sec`). A snapshot's records carry `snapshot: true` until its last.

use kconnect_api::OffsetMap;
use kconnect_cdc::incremental::IncrementalProgress;
use kconnect_cdc::snapshot::SnapshotProgress;
use serde_json::Value;

/// kconnect's offset key: how far an unfinished snapshot got.
const SNAPSHOT_PROGRESS: &str = "kconnect_snapshot";

/// A place in the binary log to read from.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Restart {
    /// The binary log file.
    pub file: String,
    /// The position in it: the start of a transaction, or between transactions.
    pub pos: u64,
    /// The transaction's events already emitted in full, counted from `pos`.
    pub events: u64,
    /// The rows of the next rows event already emitted.
    pub rows: u64,
    /// The GTID set executed up to `pos`, when the server has GTIDs.
    pub gtids: Option<String>,
}

impl Restart {
    /// Whether this place comes no later than `other` in the binary log, as Debezium's history
    /// compares positions: by file (its number, when both files share a base name; a base name
    /// that changed puts this first), then position, events and rows.
    pub fn at_or_before(&self, other: &Restart) -> bool {
        let split = |file: &str| -> (String, u64) {
            match file.rsplit_once('.') {
                Some((base, number)) => (base.to_string(), number.parse().unwrap_or(0)),
                None => (file.to_string(), 0),
            }
        };
        let ((base, number), (other_base, other_number)) = (split(&self.file), split(&other.file));
        if base != other_base {
            return true;
        }
        (number, self.pos, self.events, self.rows) <= (other_number, other.pos, other.events, other.rows)
    }

    /// The offset of an event written at `ts_sec` by server `server_id`, restarting here.
    pub fn offset(&self, server_id: u32, ts_sec: i64) -> OffsetMap {
        let mut offset = OffsetMap::new();
        offset.insert("ts_sec".into(), ts_sec.into());
        offset.insert("file".into(), self.file.clone().into());
        offset.insert("pos".into(), self.pos.into());
        if let Some(gtids) = &self.gtids {
            offset.insert("gtids".into(), gtids.clone().into());
        }
        if self.rows > 0 {
            offset.insert("row".into(), self.rows.into());
        }
        offset.insert("server_id".into(), server_id.into());
        if self.events > 0 {
            offset.insert("event".into(), self.events.into());
        }
        offset
    }
}

/// The offset of a snapshot row read at the binary log position `start`, at `ts_sec`: the last
/// row's says the snapshot is complete; the others carry `snapshot: true` and the progress so far
/// (kconnect's own key), so that a task started again resumes the snapshot.
pub fn snapshot(start: &Restart, ts_sec: i64, last: bool, progress: Option<&SnapshotProgress>) -> OffsetMap {
    let mut offset = start.offset(0, ts_sec);
    offset.remove("server_id");
    if !last {
        offset.insert("snapshot".into(), true.into());
        if let Some(progress) = progress {
            offset.insert(SNAPSHOT_PROGRESS.into(), progress.to_text().into());
        }
    }
    offset
}

/// Where a committed offset leaves off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Position {
    /// Where reading the binary log starts again.
    pub restart: Restart,
    /// Whether the snapshot (if one was taken) is complete.
    pub snapshot_completed: bool,
    /// Where an unfinished snapshot that kconnect wrote stands: it resumes from there.
    pub unfinished_snapshot: Option<SnapshotProgress>,
    /// Where a running incremental snapshot stands: it goes on from there.
    pub incremental: Option<IncrementalProgress>,
}

impl Position {
    /// The position a committed offset describes; `None` when nothing was committed or the
    /// offset names no binary log file.
    pub fn of(offset: Option<&OffsetMap>) -> Option<Self> {
        let offset = offset?;
        let number = |key: &str| offset.get(key).and_then(Value::as_u64).unwrap_or(0);
        let file = offset.get("file").and_then(Value::as_str)?.to_string();
        let in_snapshot = offset
            .get("snapshot")
            .is_some_and(|v| v.as_bool() == Some(true) || v.is_string());
        let unfinished_snapshot = offset
            .get(SNAPSHOT_PROGRESS)
            .and_then(Value::as_str)
            .and_then(SnapshotProgress::parse)
            .filter(|_| in_snapshot);
        Some(Self {
            restart: Restart {
                file,
                pos: number("pos"),
                events: number("event"),
                rows: number("row"),
                gtids: offset.get("gtids").and_then(Value::as_str).map(str::to_string),
            },
            snapshot_completed: !in_snapshot,
            unfinished_snapshot,
            incremental: IncrementalProgress::of(offset),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_cdc::snapshot::TableState;

    #[test]
    fn offsets_survive_a_restart_in_debeziums_shape() {
        let restart = Restart {
            file: "mysql-bin.000003".into(),
            pos: 154,
            events: 2,
            rows: 1,
            gtids: Some("0-1-42".into()),
        };
        let offset = restart.offset(1, 1_700_000_000);
        let keys: Vec<&str> = offset.keys().map(String::as_str).collect();
        assert_eq!(keys, ["ts_sec", "file", "pos", "gtids", "row", "server_id", "event"]);
        let position = Position::of(Some(&offset)).unwrap();
        assert_eq!(position.restart, restart);
        assert!(position.snapshot_completed);

        let mut progress = SnapshotProgress::default();
        progress.update("shop.orders", TableState::At(vec!["7".into()]));
        let unfinished = snapshot(&restart, 5, false, Some(&progress));
        assert_eq!(unfinished.get("snapshot"), Some(&Value::Bool(true)));
        let position = Position::of(Some(&unfinished)).unwrap();
        assert!(!position.snapshot_completed);
        assert_eq!(position.unfinished_snapshot, Some(progress));
        let later = Restart {
            file: "mysql-bin.000010".into(),
            pos: 4,
            ..Restart::default()
        };
        assert!(restart.at_or_before(&later) && !later.at_or_before(&restart));
        assert!(restart.at_or_before(&restart));
        let last = snapshot(&restart, 5, true, None);
        assert!(Position::of(Some(&last)).unwrap().snapshot_completed);
        assert_eq!(Position::of(Some(&OffsetMap::new())), None);
    }
}
