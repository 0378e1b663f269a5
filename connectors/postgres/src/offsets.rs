//! The connector's offsets in Debezium's format: one source partition `{"server": <topic.prefix>}`,
//! and per event the LSN it was read at, so a restart (or a Debezium connector's successor)
//! resumes exactly after the last committed event.

use kconnect_api::OffsetMap;
use serde_json::Value;

use crate::snapshot::SnapshotProgress;
use kconnect_cdc::incremental::IncrementalProgress;

/// The facts every offset of one snapshot shares: where it stands in the WAL, its transaction
/// and when it started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SnapshotStart {
    /// The WAL position the snapshot is consistent with.
    pub lsn: u64,
    /// The snapshot transaction's id, when the server gave one.
    pub tx_id: Option<i64>,
    /// When the snapshot started, in microseconds since the epoch.
    pub ts_usec: i64,
}

/// The offset of a snapshot row: `last_snapshot_record` marks the snapshot's final row; the rows
/// before it carry the snapshot's `progress` (kconnect's own key), so that a task started again
/// resumes the snapshot instead of starting over.
pub fn snapshot(start: SnapshotStart, last: bool, progress: Option<&SnapshotProgress>) -> OffsetMap {
    let mut offset = OffsetMap::new();
    offset.insert("last_snapshot_record".into(), last.into());
    offset.insert("lsn".into(), start.lsn.into());
    offset.insert("txId".into(), start.tx_id.into());
    offset.insert("ts_usec".into(), start.ts_usec.into());
    offset.insert("snapshot".into(), true.into());
    if let Some(progress) = progress {
        offset.insert(SNAPSHOT_PROGRESS.into(), progress.to_text().into());
    }
    offset
}

/// kconnect's offset key: how far an unfinished snapshot got.
const SNAPSHOT_PROGRESS: &str = "kconnect_snapshot";

/// The offset of a streamed change at `lsn`, in the transaction whose commit record is at
/// `commit_lsn`, after the transaction that ended at `last_commit_end` (Debezium's `lsn_commit`;
/// `None` before the first commit of a session). `lsn_txn_commit` is kconnect's own, for an exact
/// resume inside a transaction.
pub fn streamed(
    lsn: u64,
    last_commit_end: Option<u64>,
    commit_lsn: u64,
    tx_id: i64,
    ts_usec: i64,
    message_type: &str,
) -> OffsetMap {
    let mut offset = OffsetMap::new();
    offset.insert("lsn_proc".into(), lsn.into());
    offset.insert("messageType".into(), message_type.into());
    if let Some(end) = last_commit_end {
        offset.insert("lsn_commit".into(), end.into());
    }
    offset.insert("lsn".into(), lsn.into());
    offset.insert("txId".into(), tx_id.into());
    offset.insert("ts_usec".into(), ts_usec.into());
    offset.insert(TXN_COMMIT.into(), commit_lsn.into());
    offset
}

/// kconnect's offset key: the commit LSN of the last event's transaction.
const TXN_COMMIT: &str = "lsn_txn_commit";

/// Where a committed offset leaves off.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Position {
    /// Whether the snapshot (if one was taken) is complete.
    pub snapshot_completed: bool,
    /// Where an unfinished snapshot that kconnect wrote stands: it resumes from there.
    pub unfinished_snapshot: Option<(SnapshotStart, SnapshotProgress)>,
    /// Where a running incremental snapshot stands: it goes on from there.
    pub incremental: Option<IncrementalProgress>,
    /// Where the last transaction completely emitted ended (`lsn_commit`).
    pub last_commit_end: u64,
    /// The commit LSN of the last event's transaction, when kconnect wrote the offset.
    pub txn_commit: Option<u64>,
    /// The last event's transaction (`txId`).
    pub tx_id: Option<i64>,
    /// The last event's LSN.
    pub lsn: u64,
}

impl Position {
    /// The position a committed offset describes; `None` when nothing was committed.
    pub fn of(offset: Option<&OffsetMap>) -> Option<Self> {
        let offset = offset?;
        let number = |key: &str| offset.get(key).and_then(Value::as_u64);
        let in_snapshot = offset.get("snapshot").and_then(Value::as_bool).unwrap_or(false);
        let last_snapshot_record = offset
            .get("last_snapshot_record")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let lsn = number("lsn_proc").or_else(|| number("lsn")).unwrap_or(0);
        let snapshot_completed = !in_snapshot || last_snapshot_record;
        let progress = offset
            .get(SNAPSHOT_PROGRESS)
            .and_then(Value::as_str)
            .and_then(SnapshotProgress::parse)
            .filter(|_| !snapshot_completed);
        let unfinished_snapshot = progress.map(|progress| {
            let start = SnapshotStart {
                lsn,
                tx_id: offset.get("txId").and_then(Value::as_i64),
                ts_usec: offset.get("ts_usec").and_then(Value::as_i64).unwrap_or(0),
            };
            (start, progress)
        });
        Some(Self {
            snapshot_completed,
            unfinished_snapshot,
            incremental: IncrementalProgress::of(offset),
            last_commit_end: number("lsn_commit").unwrap_or(0),
            txn_commit: number(TXN_COMMIT),
            tx_id: offset.get("txId").and_then(Value::as_i64),
            lsn: if in_snapshot { 0 } else { lsn },
        })
    }

    /// Whether a change at `lsn` of transaction `xid`, committed at `commit_lsn`, was emitted
    /// before this position (the server streams a transaction again when a restart lands inside
    /// it). A Debezium offset names the transaction it stopped in by its id: the events of it up
    /// to the offset's are skipped, as Debezium skips them.
    pub fn already_emitted(&self, commit_lsn: u64, xid: i64, lsn: u64) -> bool {
        match self.txn_commit {
            Some(last) => commit_lsn < last || (commit_lsn == last && lsn <= self.lsn),
            None => commit_lsn < self.last_commit_end || (self.tx_id == Some(xid) && lsn <= self.lsn),
        }
    }

    /// The LSN the server may forget the WAL before: the last committed event's.
    pub fn flushable(&self) -> u64 {
        self.lsn
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_resumed_transaction_skips_only_what_was_emitted() {
        let committed = streamed(200, Some(120), 300, 7, 0, "INSERT");
        let position = Position::of(Some(&committed)).unwrap();
        assert!(position.snapshot_completed);
        assert!(position.already_emitted(300, 7, 150));
        assert!(position.already_emitted(300, 7, 200));
        assert!(!position.already_emitted(300, 7, 250), "later in the same transaction");
        assert!(!position.already_emitted(400, 8, 100), "a later transaction");
        assert!(position.already_emitted(250, 6, 240), "an earlier transaction");
    }

    #[test]
    fn a_debezium_offset_resumes_after_its_last_event() {
        let mut debezium = streamed(200, Some(120), 300, 7, 0, "INSERT");
        debezium.remove(TXN_COMMIT);
        let position = Position::of(Some(&debezium)).unwrap();
        assert!(
            position.already_emitted(100, 5, 90),
            "a transaction that ended before lsn_commit"
        );
        assert!(
            position.already_emitted(300, 7, 150),
            "the transaction it stopped in, up to its event"
        );
        assert!(!position.already_emitted(300, 7, 250), "the rest of that transaction");
        assert!(!position.already_emitted(400, 8, 130), "the next transaction");
    }

    #[test]
    fn an_interrupted_snapshot_is_not_complete() {
        let start = SnapshotStart {
            lsn: 100,
            tx_id: Some(3),
            ts_usec: 5,
        };
        let debeziums = Position::of(Some(&snapshot(start, false, None))).unwrap();
        assert!(!debeziums.snapshot_completed);
        assert_eq!(debeziums.unfinished_snapshot, None, "Debezium's: taken again");
        let mut progress = SnapshotProgress::default();
        progress.update("public.t", crate::snapshot::TableState::At(vec!["9".into()]));
        let kconnects = Position::of(Some(&snapshot(start, false, Some(&progress)))).unwrap();
        assert_eq!(kconnects.unfinished_snapshot, Some((start, progress.clone())));
        assert_eq!(kconnects.lsn, 0, "nothing streamed yet");
        let last = Position::of(Some(&snapshot(start, true, Some(&progress)))).unwrap();
        assert!(last.snapshot_completed);
        assert_eq!(last.unfinished_snapshot, None);
        assert_eq!(Position::of(None), None);
    }
}
