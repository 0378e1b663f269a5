//! How far an unfinished snapshot got, carried in its records' offsets (kconnect's own key,
//! `kconnect_snapshot`) so that a task started again reads only what was not committed: the tables
//! read to the end, and for each table read in part the primary key of its last committed row.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use crate::strings;

/// Where one table stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableState {
    /// Read up to and including the row with this primary key (the key columns' text, in index
    /// order).
    At(Vec<String>),
    /// Read to the end.
    Done,
}

/// The tables an unfinished snapshot read to the end, and where it stands in the others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SnapshotProgress {
    done: BTreeSet<String>,
    at: BTreeMap<String, Vec<String>>,
}

impl SnapshotProgress {
    /// Records that `table` reached `state`.
    pub fn update(&mut self, table: &str, state: TableState) {
        match state {
            TableState::Done => {
                self.at.remove(table);
                self.done.insert(table.to_string());
            }
            TableState::At(key) => {
                self.at.insert(table.to_string(), key);
            }
        }
    }

    /// Whether `table` was read to the end.
    pub fn is_done(&self, table: &str) -> bool {
        self.done.contains(table)
    }

    /// The key of the last row read of `table`, when it was read in part.
    pub fn resume_key(&self, table: &str) -> Option<&[String]> {
        self.at.get(table).map(Vec::as_slice)
    }

    /// The progress as the offset carries it: compact JSON text.
    pub fn to_text(&self) -> String {
        json!({ "done": self.done, "at": self.at }).to_string()
    }

    /// The progress an offset carried; `None` when the text is not one kconnect wrote.
    pub fn parse(text: &str) -> Option<Self> {
        let value: Value = serde_json::from_str(text).ok()?;
        let done = strings(value.get("done")?)?.into_iter().collect();
        let at = value
            .get("at")?
            .as_object()?
            .iter()
            .map(|(table, key)| Some((table.clone(), strings(key)?)))
            .collect::<Option<_>>()?;
        Some(Self { done, at })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_survives_its_text() {
        let mut progress = SnapshotProgress::default();
        progress.update("public.a", TableState::At(vec!["7".into()]));
        progress.update("public.b", TableState::At(vec!["x".into(), "2024-01-01".into()]));
        progress.update("public.a", TableState::Done);
        let again = SnapshotProgress::parse(&progress.to_text()).unwrap();
        assert_eq!(again, progress);
        assert!(again.is_done("public.a"));
        assert_eq!(again.resume_key("public.a"), None);
        assert_eq!(
            again.resume_key("public.b"),
            Some(&["x".to_string(), "2024-01-01".to_string()][..])
        );
        assert_eq!(SnapshotProgress::parse("not json"), None);
        assert_eq!(SnapshotProgress::parse(r#"{"done":[1]}"#), None);
    }
}
