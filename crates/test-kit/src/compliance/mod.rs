//! The connector compliance harness: what every connector family must pass, run against a real
//! broker and a real worker process.
//!
//! A connector crate gives [`check_source`] or [`check_sink`] its connector configuration and a
//! way to write to (a [`SourceSystem`]) or read from (a [`SinkSystem`]) its external system. The
//! harness then checks, in one worker after another on one broker:
//! - validation: a missing required key, a value of the wrong type and an unknown enum value each
//!   get an error on that key, in the REST validate shape;
//! - exactly the records written arrive, in order per partition, with their keys and headers;
//! - `/metrics` counts the records moved;
//! - a graceful restart (SIGTERM) resumes with nothing lost and nothing duplicated;
//! - a SIGKILL between offset commits loses nothing (duplicates are counted in the [`Report`]);
//! - sinks: a record the external system rejects reaches the dead letter queue through the errant
//!   record reporter, with Apache's context headers, and the task keeps running;
//! - connectors that panic or hang in `start` or `poll` (the scripted test plugins) beside the one
//!   under test fail alone: the REST API answers and the connector under test keeps moving records.
//!
//! The worker runs from the test binary itself (see [`crate::child_worker`]): the test file must
//! name its plugin table with [`worker_entry!`](crate::worker_entry).

pub mod file_stream;
mod harness;
mod isolation;
mod sink;
mod source;
mod validation;

use std::time::Duration;

use kconnect_api::PluginTable;

pub use sink::{SinkCase, SinkSystem, check_sink};
pub use source::{Expected, SourceCase, SourceSystem, check_source};
pub use validation::Validation;

/// How long the harness waits for records to arrive unless a case says otherwise.
pub const DEFAULT_ARRIVAL: Duration = Duration::from_secs(60);

/// The table a harness worker runs: the connector family's, with every converter, transformation,
/// predicate and scripted test plugin.
pub fn worker_plugins(family: PluginTable) -> PluginTable {
    kconnect_test_plugins::with_core_plugins().merge(family)
}

/// What a harness run found.
#[derive(Debug, Default)]
pub struct Report {
    /// Each check that failed, with what it saw.
    pub failures: Vec<String>,
    /// Records that arrived more than once after the SIGKILL (allowed: at-least-once).
    pub duplicates_after_kill: usize,
    /// Checks that did not apply to this connector (a sink whose system rejects nothing).
    pub not_applicable: Vec<String>,
    /// The end of the last worker's log, for a failure message.
    pub log_tail: String,
}

impl Report {
    fn fail(&mut self, failure: String) {
        eprintln!("compliance: FAILED {failure}");
        self.failures.push(failure);
    }

    /// Whether a failure mentions `text`.
    pub fn failed_on(&self, text: &str) -> bool {
        self.failures.iter().any(|f| f.contains(text))
    }

    /// Panics with every failure and the worker's log unless every check passed.
    pub fn assert_passed(&self) {
        assert!(
            self.failures.is_empty(),
            "compliance failures:\n- {}\n\nworker log (end):\n{}",
            self.failures.join("\n- "),
            self.log_tail
        );
        eprintln!(
            "compliance: passed ({} duplicates after SIGKILL; not applicable: {:?})",
            self.duplicates_after_kill, self.not_applicable
        );
    }
}

/// Compares what arrived with what was expected, in order: `None` when equal, else a description
/// naming the first lost, duplicated or out-of-order entry.
fn compare<T: PartialEq + std::fmt::Debug>(arrived: &[T], expected: &[T]) -> Option<String> {
    if arrived == expected {
        return None;
    }
    if let Some(lost) = expected.iter().find(|e| !arrived.contains(e)) {
        return Some(format!(
            "lost {lost:?} ({} of {} arrived)",
            arrived.len(),
            expected.len()
        ));
    }
    let duplicates = arrived.len().saturating_sub(distinct(arrived).len());
    if duplicates > 0 {
        let duplicate = arrived.iter().find(|a| arrived.iter().filter(|b| b == a).count() > 1);
        return Some(format!("duplicated {duplicate:?} ({duplicates} duplicates)"));
    }
    let unexpected: Vec<_> = arrived.iter().filter(|a| !expected.contains(a)).take(3).collect();
    if !unexpected.is_empty() {
        return Some(format!("unexpected records {unexpected:?}"));
    }
    Some(format!("out of order: {arrived:?}"))
}

/// The entries of `items` without repeats, in order of first appearance.
fn distinct<T: PartialEq>(items: &[T]) -> Vec<&T> {
    let mut seen: Vec<&T> = Vec::new();
    for item in items {
        if !seen.contains(&item) {
            seen.push(item);
        }
    }
    seen
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comparison_names_loss_duplication_and_order() {
        assert_eq!(compare(&[1, 2, 3], &[1, 2, 3]), None);
        assert!(compare(&[1, 3], &[1, 2, 3]).unwrap().starts_with("lost 2"));
        assert!(
            compare(&[1, 2, 2, 3], &[1, 2, 3])
                .unwrap()
                .starts_with("duplicated Some(2)")
        );
        assert!(compare(&[2, 1, 3], &[1, 2, 3]).unwrap().starts_with("out of order"));
        assert!(compare(&[1, 2, 3, 9], &[1, 2, 3]).unwrap().starts_with("unexpected"));
    }
}
