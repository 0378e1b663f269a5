//! The checkpoints a checkpoint task emitted last, per consumer group and target partition: read
//! back from the checkpoints topic at start, so that a restarted task emits only newer ones and
//! knows what to commit on the target.

use std::collections::{BTreeMap, HashMap, HashSet};

use kconnect_api::TopicPartition;

use crate::formats::Checkpoint;

/// The last checkpoint of each group's partitions.
#[derive(Debug, Default)]
pub(crate) struct CheckpointStore {
    last: HashMap<String, BTreeMap<TopicPartition, Checkpoint>>,
}

impl CheckpointStore {
    /// Takes in a checkpoint read back from the topic, when it is of one of `groups`.
    pub fn restore(&mut self, checkpoint: Checkpoint, groups: &HashSet<String>) {
        if groups.contains(&checkpoint.group) {
            self.update(checkpoint);
        }
    }

    fn update(&mut self, checkpoint: Checkpoint) {
        let tp = TopicPartition::new(checkpoint.topic.clone(), checkpoint.partition);
        self.last
            .entry(checkpoint.group.clone())
            .or_default()
            .insert(tp, checkpoint);
    }

    /// Whether `checkpoint` says something new: the group went back upstream, or moved on
    /// downstream.
    pub fn is_news(&self, checkpoint: &Checkpoint) -> bool {
        let tp = TopicPartition::new(checkpoint.topic.clone(), checkpoint.partition);
        match self.last.get(&checkpoint.group).and_then(|last| last.get(&tp)) {
            None => true,
            Some(last) => checkpoint.upstream < last.upstream || checkpoint.downstream > last.downstream,
        }
    }

    /// Keeps `checkpoints` as the latest.
    pub fn record(&mut self, checkpoints: &[Checkpoint]) {
        for checkpoint in checkpoints {
            self.update(checkpoint.clone());
        }
    }

    /// Where `group` resumes on the target: each partition's last downstream offset.
    pub fn target_offsets(&self, group: &str) -> BTreeMap<TopicPartition, i64> {
        self.last
            .get(group)
            .map(|last| last.iter().map(|(tp, c)| (tp.clone(), c.downstream)).collect())
            .unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checkpoint(upstream: i64, downstream: i64) -> Checkpoint {
        Checkpoint {
            group: "g".into(),
            topic: "A.t".into(),
            partition: 0,
            upstream,
            downstream,
            metadata: String::new(),
        }
    }

    #[test]
    fn only_movement_is_news() {
        let mut store = CheckpointStore::default();
        assert!(store.is_news(&checkpoint(10, 10)));
        store.record(&[checkpoint(10, 10)]);
        assert!(!store.is_news(&checkpoint(10, 10)));
        assert!(store.is_news(&checkpoint(12, 11)), "downstream moved on");
        assert!(store.is_news(&checkpoint(5, 5)), "the group went back");
        assert_eq!(store.target_offsets("g")[&TopicPartition::new("A.t", 0)], 10);
    }

    #[test]
    fn restored_checkpoints_of_other_groups_are_ignored() {
        let mut store = CheckpointStore::default();
        let groups = HashSet::from(["other".to_string()]);
        store.restore(checkpoint(1, 1), &groups);
        assert!(store.target_offsets("g").is_empty());
    }
}
