//! The topics each connector has used since it was created or last reset (KIP-558).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, OnceLock, RwLock};

/// Told of the changes this worker makes, to share them with other workers (distributed mode
/// writes them to the status topic).
pub trait TopicListener: Send + Sync {
    /// Task `task` of `connector` used `topic` for the first time.
    fn discovered(&self, connector: &str, task: u32, topic: &str);
    /// `connector`'s `topics` were forgotten.
    fn reset(&self, connector: &str, topics: &[String]);
}

/// Topics by connector name.
#[derive(Default)]
pub struct ActiveTopics {
    topics: RwLock<BTreeMap<String, BTreeSet<String>>>,
    listener: OnceLock<Arc<dyn TopicListener>>,
}

impl ActiveTopics {
    /// Tells `listener` of every later change made on this worker.
    pub fn set_listener(&self, listener: Arc<dyn TopicListener>) {
        let _ = self.listener.set(listener);
    }

    /// Records that task `task` of `connector` uses `topic`.
    pub fn record(&self, connector: &str, task: u32, topic: &str) {
        if self.learn(connector, topic)
            && let Some(listener) = self.listener.get()
        {
            listener.discovered(connector, task, topic);
        }
    }

    /// Adds `topic` to `connector`'s topics without telling the listener (another worker found
    /// it); returns whether it is new.
    pub fn learn(&self, connector: &str, topic: &str) -> bool {
        let known =
            |topics: &BTreeMap<String, BTreeSet<String>>| topics.get(connector).is_some_and(|t| t.contains(topic));
        if known(&self.topics.read().unwrap_or_else(|e| e.into_inner())) {
            return false;
        }
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        let added = topics
            .entry(connector.to_string())
            .or_default()
            .insert(topic.to_string());
        if added {
            tracing::debug!(connector, topic, "active topic recorded");
        }
        added
    }

    /// Removes `topic` from `connector`'s topics without telling the listener.
    pub fn forget(&self, connector: &str, topic: &str) {
        let mut topics = self.topics.write().unwrap_or_else(|e| e.into_inner());
        if let Some(used) = topics.get_mut(connector) {
            used.remove(topic);
            if used.is_empty() {
                topics.remove(connector);
            }
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
        let removed = self.topics.write().unwrap_or_else(|e| e.into_inner()).remove(connector);
        let removed: Vec<String> = removed.into_iter().flatten().collect();
        if !removed.is_empty()
            && let Some(listener) = self.listener.get()
        {
            listener.reset(connector, &removed);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use super::*;

    #[derive(Default)]
    struct Heard(Mutex<Vec<String>>);

    impl TopicListener for Heard {
        fn discovered(&self, connector: &str, task: u32, topic: &str) {
            self.0.lock().unwrap().push(format!("{connector}-{task} uses {topic}"));
        }

        fn reset(&self, connector: &str, topics: &[String]) {
            self.0.lock().unwrap().push(format!("{connector} reset {topics:?}"));
        }
    }

    #[test]
    fn records_sorted_and_resets() {
        let active = ActiveTopics::default();
        active.record("c", 0, "b");
        active.record("c", 1, "a");
        active.record("c", 0, "b");
        assert_eq!(active.of("c"), ["a", "b"]);
        active.reset("c");
        assert!(active.of("c").is_empty());
    }

    #[test]
    fn the_listener_hears_local_discoveries_and_resets_but_not_what_others_found() {
        let active = ActiveTopics::default();
        let heard = Arc::new(Heard::default());
        active.set_listener(heard.clone());
        active.record("c", 2, "orders");
        active.record("c", 3, "orders");
        assert!(active.learn("c", "payments"));
        active.forget("c", "nothing");
        active.reset("c");
        active.reset("c");
        assert_eq!(
            *heard.0.lock().unwrap(),
            ["c-2 uses orders", "c reset [\"orders\", \"payments\"]"]
        );
    }
}
