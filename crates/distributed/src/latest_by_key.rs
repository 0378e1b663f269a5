//! The records a worker has yet to write to a compacted topic, keeping only the latest value of
//! each key: a compacted topic keeps no more, so memory is bounded by the number of keys (this
//! worker's connectors, tasks and topics) however long the broker is away.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use tokio::sync::Notify;

use crate::config_records::Record;

#[derive(Default)]
struct Queued {
    /// Keys in the order they were first queued.
    order: VecDeque<Vec<u8>>,
    values: HashMap<Vec<u8>, Option<Vec<u8>>>,
    /// Records taken and not yet reported done.
    in_flight: usize,
}

/// Records waiting to be written, the latest per key.
#[derive(Default)]
pub struct LatestByKey {
    queued: Mutex<Queued>,
    ready: Notify,
}

impl LatestByKey {
    fn queued(&self) -> std::sync::MutexGuard<'_, Queued> {
        self.queued.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queues `value` for `key`, replacing a value queued before and not yet taken.
    pub fn put(&self, key: Vec<u8>, value: Option<Vec<u8>>) {
        let mut queued = self.queued();
        if queued.values.insert(key.clone(), value).is_none() {
            queued.order.push_back(key);
        }
        drop(queued);
        self.ready.notify_one();
    }

    /// The oldest queued record, waiting for one; report it with [`LatestByKey::done`].
    pub async fn take(&self) -> Record {
        loop {
            let ready = self.ready.notified();
            {
                let mut queued = self.queued();
                while let Some(key) = queued.order.pop_front() {
                    if let Some(value) = queued.values.remove(&key) {
                        queued.in_flight += 1;
                        return (key, value);
                    }
                }
            }
            ready.await;
        }
    }

    /// Reports a taken record: one that was not written is queued again first, unless a newer
    /// value for its key was queued meanwhile.
    pub fn done(&self, (key, value): Record, written: bool) {
        let mut queued = self.queued();
        queued.in_flight -= 1;
        if !written && !queued.values.contains_key(&key) {
            queued.values.insert(key.clone(), value);
            queued.order.push_front(key);
        }
    }

    /// Records queued or being written.
    pub fn pending(&self) -> usize {
        let queued = self.queued();
        queued.values.len() + queued.in_flight
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn put(queue: &LatestByKey, key: &str, value: &str) {
        queue.put(key.as_bytes().to_vec(), Some(value.as_bytes().to_vec()));
    }

    async fn take(queue: &LatestByKey) -> (String, String) {
        let (key, value) = queue.take().await;
        (
            String::from_utf8(key).unwrap(),
            String::from_utf8(value.unwrap()).unwrap(),
        )
    }

    #[tokio::test]
    async fn keeps_the_latest_value_of_each_key_in_first_queued_order() {
        let queue = LatestByKey::default();
        for (key, value) in [("a", "1"), ("b", "1"), ("a", "2"), ("a", "3")] {
            put(&queue, key, value);
        }
        assert_eq!(queue.pending(), 2, "bounded by the keys, not the changes");
        assert_eq!(take(&queue).await, ("a".into(), "3".into()));
        assert_eq!(take(&queue).await, ("b".into(), "1".into()));
        assert_eq!(queue.pending(), 2, "both in flight");
    }

    #[tokio::test]
    async fn a_record_not_written_comes_back_unless_a_newer_one_was_queued() {
        let queue = LatestByKey::default();
        put(&queue, "a", "1");
        put(&queue, "b", "1");
        let a = queue.take().await;
        queue.done(a, false);
        let a = queue.take().await;
        assert_eq!(a.1.as_deref(), Some(&b"1"[..]), "retried first");
        put(&queue, "a", "2");
        queue.done(a, false);
        let b = queue.take().await;
        queue.done(b, true);
        assert_eq!(
            take(&queue).await,
            ("a".into(), "2".into()),
            "the newer value, not the failed one"
        );
        assert_eq!(queue.pending(), 1, "in flight");
    }
}
