//! What the offset syncs say, kept per source partition as a short history, to translate a
//! consumer group's upstream offset to the target: the latest sync at or before the offset gives
//! its downstream offset, plus one when the group is past that sync (records between syncs may
//! have been filtered, so the translation never runs ahead: a failed-over consumer may see a few
//! records again, never miss one). The history keeps the newest sync and, for each k, the newest
//! sync at least 2^k upstream offsets older, so it stays small (at most 64 syncs) while a group far
//! behind still translates close to its position, as Apache's `OffsetSyncStore` guarantees.

use std::collections::{HashMap, HashSet};

use kconnect_api::TopicPartition;

use crate::formats::OffsetSync;

/// Offset syncs by source partition, newest first.
#[derive(Debug, Default)]
pub(crate) struct OffsetSyncStore {
    syncs: HashMap<TopicPartition, Vec<(i64, i64)>>,
}

impl OffsetSyncStore {
    /// Takes in `sync`. With `latest_only` (reading old syncs while no earlier checkpoint is known)
    /// only the newest sync is kept, so that no translation is made from a sync older than what
    /// the syncs topic ends with.
    pub fn add(&mut self, sync: &OffsetSync, latest_only: bool) {
        let tp = TopicPartition::new(sync.topic.clone(), sync.partition);
        let newest = (sync.upstream, sync.downstream);
        let history = self.syncs.entry(tp).or_default();
        let rewound = history.first().is_some_and(|(upstream, _)| sync.upstream < *upstream);
        if latest_only || rewound || history.is_empty() {
            *history = vec![newest];
            return;
        }
        history.insert(0, newest);
        // The oldest sync of each age class (0, 1, 2–3, 4–7, …, by bit length of the age).
        let mut classes = HashSet::new();
        let mut kept: Vec<(i64, i64)> = history
            .iter()
            .rev()
            .filter(|(upstream, _)| classes.insert(64 - (sync.upstream - upstream).leading_zeros()))
            .copied()
            .collect();
        kept.reverse();
        *history = kept;
    }

    /// The downstream offset at which a consumer at `upstream` of `tp` resumes on the target;
    /// `None` when no sync is at or before it.
    pub fn translate(&self, tp: &TopicPartition, upstream: i64) -> Option<i64> {
        let (synced_upstream, downstream) = self.syncs.get(tp)?.iter().find(|(u, _)| *u <= upstream)?;
        Some(downstream + i64::from(upstream != *synced_upstream))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sync(upstream: i64, downstream: i64) -> OffsetSync {
        OffsetSync {
            topic: "t".into(),
            partition: 0,
            upstream,
            downstream,
        }
    }

    #[test]
    fn an_offset_translates_from_the_latest_sync_at_or_before_it() {
        let mut store = OffsetSyncStore::default();
        let tp = TopicPartition::new("t", 0);
        assert_eq!(store.translate(&tp, 5), None);
        store.add(&sync(10, 100), false);
        store.add(&sync(20, 110), false);
        assert_eq!(store.translate(&tp, 20), Some(110), "exactly at a sync");
        assert_eq!(
            store.translate(&tp, 25),
            Some(111),
            "past it: one past its downstream offset"
        );
        assert_eq!(store.translate(&tp, 15), Some(101));
        assert_eq!(store.translate(&tp, 9), None, "before every sync");
    }

    #[test]
    fn the_history_stays_short_and_spaced() {
        let mut store = OffsetSyncStore::default();
        let tp = TopicPartition::new("t", 0);
        for n in 0..100_000 {
            store.add(&sync(n, n + 7), false);
        }
        assert!(store.syncs[&tp].len() <= 64);
        for behind in [1, 10, 1000, 50_000] {
            let upstream = 99_999 - behind;
            let translated = store.translate(&tp, upstream).unwrap();
            assert!(translated <= upstream + 7, "never ahead");
            assert!(
                upstream + 7 - translated <= 2 * behind,
                "close: {behind} behind gives {translated}"
            );
        }
    }

    #[test]
    fn a_rewind_or_latest_only_keeps_one_sync() {
        let mut store = OffsetSyncStore::default();
        let tp = TopicPartition::new("t", 0);
        store.add(&sync(10, 10), false);
        store.add(&sync(20, 20), false);
        store.add(&sync(5, 30), false);
        assert_eq!(store.syncs[&tp], [(5, 30)]);
        store.add(&sync(8, 33), true);
        assert_eq!(store.syncs[&tp], [(8, 33)]);
    }
}
