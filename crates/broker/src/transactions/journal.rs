//! The transactions' state on disk, for a broker whose storage outlives the process: one JSON
//! line per change, replayed at start and then written afresh with what is still needed. Without
//! it, a transaction open when the broker was killed (the embedded broker dies with its worker)
//! would be aborted at the next start with nothing telling `read_committed` consumers to skip it.

use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::state::{AbortedSpan, TxnState};

/// One change to the transactions' state.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum Entry {
    /// A transaction wrote to a partition from an offset.
    Wrote {
        txn: String,
        producer_id: i64,
        producer_epoch: i16,
        topic: String,
        partition: i32,
        offset: i64,
    },
    /// A transaction ended (committed, or aborted with its spans written before).
    Ended { txn: String },
    /// An aborted transaction's span in a partition.
    Aborted {
        topic: String,
        partition: i32,
        span: AbortedSpan,
    },
}

impl Entry {
    /// Applies this change to `state`.
    fn apply(self, state: &mut TxnState) {
        match self {
            Entry::Wrote {
                txn,
                producer_id,
                producer_epoch,
                topic,
                partition,
                offset,
            } => {
                state.wrote(&txn, producer_id, producer_epoch, (topic, partition), offset);
            }
            Entry::Ended { txn } => state.ended(&txn),
            Entry::Aborted { topic, partition, span } => state.aborted((topic, partition), span),
        }
    }
}

/// The file changes are appended to.
#[derive(Debug)]
pub(crate) struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Replays the journal at `path` (none yet is an empty state), then starts it afresh with the
    /// state alone: ended transactions are dropped.
    pub fn open(path: &Path) -> io::Result<(Self, TxnState)> {
        let mut state = TxnState::default();
        match File::open(path) {
            Ok(file) => {
                for line in BufReader::new(file).lines() {
                    // A line cut short by a kill ends the journal.
                    match serde_json::from_str::<Entry>(&line?) {
                        Ok(entry) => entry.apply(&mut state),
                        Err(_) => break,
                    }
                }
            }
            Err(err) if err.kind() == io::ErrorKind::NotFound => {}
            Err(err) => return Err(err),
        }
        let fresh = path.with_extension("new");
        let mut file = File::create(&fresh)?;
        for ((topic, partition), span) in state.aborted_spans() {
            let entry = Entry::Aborted {
                topic: topic.clone(),
                partition: *partition,
                span: *span,
            };
            writeln!(file, "{}", line(&entry))?;
        }
        for (txn, open) in state.open_transactions() {
            for ((topic, partition), offset) in &open.first_offsets {
                let entry = Entry::Wrote {
                    txn: txn.clone(),
                    producer_id: open.producer_id,
                    producer_epoch: open.producer_epoch,
                    topic: topic.clone(),
                    partition: *partition,
                    offset: *offset,
                };
                writeln!(file, "{}", line(&entry))?;
            }
        }
        file.sync_all()?;
        std::fs::rename(&fresh, path)?;
        let file = OpenOptions::new().append(true).open(path)?;
        Ok((
            Self {
                path: path.to_path_buf(),
                file,
            },
            state,
        ))
    }

    /// Appends `entries`; a failure is logged (the broker goes on, as it would without a journal).
    pub fn record(&mut self, entries: &[Entry]) {
        let text: String = entries.iter().map(|e| format!("{}\n", line(e))).collect();
        if let Err(err) = self.file.write_all(text.as_bytes()) {
            tracing::warn!(path = %self.path.display(), %err, "could not write the transactions journal");
        }
    }
}

/// `entry` as one JSON line.
fn line(entry: &Entry) -> String {
    serde_json::to_string(entry).expect("a journal entry is plain data")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::transactions::state::Partition;

    fn partition(topic: &str, n: i32) -> Partition {
        (topic.to_string(), n)
    }

    fn wrote(txn: &str, partition: i32, offset: i64) -> Entry {
        Entry::Wrote {
            txn: txn.to_string(),
            producer_id: 3,
            producer_epoch: 0,
            topic: "t".to_string(),
            partition,
            offset,
        }
    }

    #[test]
    fn a_reopened_journal_holds_open_and_aborted_transactions_only() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("transactions.jsonl");
        let span = AbortedSpan {
            producer_id: 3,
            first_offset: 4,
            last_offset: 9,
        };
        {
            let (mut journal, state) = Journal::open(&path).expect("open");
            assert!(state.open("a").is_none());
            journal.record(&[wrote("a", 0, 4), wrote("b", 1, 6), wrote("c", 0, 11)]);
            journal.record(&[
                Entry::Aborted {
                    topic: "t".to_string(),
                    partition: 0,
                    span,
                },
                Entry::Ended { txn: "a".to_string() },
                Entry::Ended { txn: "b".to_string() },
            ]);
        }
        // A kill in the middle of a line.
        std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(b"{\"wrote\":{\"txn\":"))
            .expect("append");
        let (_, state) = Journal::open(&path).expect("reopen");
        assert!(state.open("a").is_none() && state.open("b").is_none());
        assert_eq!(state.open("c").expect("c").first_offsets[&partition("t", 0)], 11);
        assert_eq!(state.aborted_from(&partition("t", 0), 0), vec![span]);
        let text = std::fs::read_to_string(&path).expect("read");
        assert_eq!(text.lines().count(), 2, "{text}");
        let (_, again) = Journal::open(&path).expect("third open");
        assert_eq!(again.aborted_from(&partition("t", 0), 0), vec![span]);
        assert!(again.open("c").is_some());
    }
}
