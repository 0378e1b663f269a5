//! The topics each connector has used since it was created or last reset (KIP-558).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::RwLock;

/// Topics by connector name.
#[derive(Debug, Default)]
pub struct ActiveTopics {
    topics: RwLock<BTreeMap<String, BTreeSet<String>>>,
}

impl ActiveTopics {
    /// Records that `connector` uses `topic`.
    pub fn record(&self, connector: &str, topic: &str) {
        let known =
            |topics: &BTreeMap<String, BTreeSet<String>>| topics.get(connector).is_some_and(|t| t.contains(topic));
        if known(&self.topics.read().unwrap_or_else(|e| e.into_inner())) {
            return;
        }
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        if !known(&topics) {
            tracing::debug!(connector, topic, "active topic recorded");
            topics
                .entry(connector.to_string())
                .or_default()
                .insert(topic.to_string());
        }
    }

    /// The topics `connector` used, sorted.
    pub fn of(&self, connector: &str) -> Vec<String> {
        let topics = self.topics.read().unwrap_or_else(|e| e.into_inner());
        topics
            .get(connector)
            .map(|t| t.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Forgets `connector`'s topics.
    pub fn reset(&self, connector: &str) {
        self.topics.write().unwrap_or_else(|e| e.into_inner()).remove(connector);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_sorted_and_resets() {
        let active = ActiveTopics::default();
        active.record("c", "b");
        active.record("c", "a");
        active.record("c", "b");
        assert_eq!(active.of("c"), ["a", "b"]);
        active.reset("c");
        assert!(active.of("c").is_empty());
    }
}
