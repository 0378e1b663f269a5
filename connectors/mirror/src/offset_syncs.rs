//! The offset syncs a source task writes: where replicated records landed, so that consumer
//! group offsets can be translated. As Apache's `OffsetSyncWriter`, a sync is written at once when
//! a partition has none yet this run, when records were skipped upstream, when the remote
//! partition went back, or when it ran `offset.lag.max` past the last sync; otherwise it waits for
//! the next offset commit. At most ten syncs are in flight; the rest wait their turn.

use std::collections::BTreeMap;
use std::sync::Arc;

use futures::stream::FuturesUnordered;
use futures::{FutureExt, StreamExt};
use kconnect_api::kafka_cluster::PendingSend;
use kconnect_api::{KafkaWriter, TopicPartition};

use crate::formats::OffsetSync;

/// The most offset syncs in flight at once.
const MAX_IN_FLIGHT: usize = 10;

/// What was last seen of one source partition.
#[derive(Debug, Clone, Copy)]
struct PartitionState {
    previous_upstream: i64,
    previous_downstream: i64,
    last_sync_downstream: i64,
    should_sync: bool,
}

impl Default for PartitionState {
    fn default() -> Self {
        Self {
            previous_upstream: -1,
            previous_downstream: -1,
            last_sync_downstream: -1,
            should_sync: false,
        }
    }
}

impl PartitionState {
    /// Records that `upstream` landed at `downstream`; whether a sync is due.
    fn update(&mut self, upstream: i64, downstream: i64, max_lag: i64) -> bool {
        let first = self.last_sync_downstream == -1;
        // A translated offset lands one past the last sync, hence the + 1.
        let stale = downstream - (self.last_sync_downstream + 1) >= max_lag;
        let skipped = upstream - self.previous_upstream != 1;
        let truncated = downstream < self.previous_downstream;
        if first || stale || skipped || truncated {
            self.last_sync_downstream = downstream;
            self.should_sync = true;
        }
        self.previous_upstream = upstream;
        self.previous_downstream = downstream;
        self.should_sync
    }
}

/// Writes one task's offset syncs.
pub(crate) struct OffsetSyncWriter {
    writer: Arc<dyn KafkaWriter>,
    topic: String,
    max_lag: i64,
    states: BTreeMap<TopicPartition, PartitionState>,
    /// Due now.
    pending: BTreeMap<TopicPartition, OffsetSync>,
    /// Due at the next offset commit.
    delayed: BTreeMap<TopicPartition, OffsetSync>,
    in_flight: FuturesUnordered<PendingSend>,
}

impl OffsetSyncWriter {
    /// Writes to partition 0 of `topic` through `writer`.
    pub fn new(writer: Arc<dyn KafkaWriter>, topic: String, max_lag: i64) -> Self {
        Self {
            writer,
            topic,
            max_lag,
            states: BTreeMap::new(),
            pending: BTreeMap::new(),
            delayed: BTreeMap::new(),
            in_flight: FuturesUnordered::new(),
        }
    }

    /// Notes that upstream offset `upstream` of `tp` landed at `downstream`.
    pub fn record(&mut self, tp: TopicPartition, upstream: i64, downstream: i64) {
        let sync = OffsetSync {
            topic: tp.topic.clone(),
            partition: tp.partition,
            upstream,
            downstream,
        };
        let state = self.states.entry(tp.clone()).or_default();
        if state.update(upstream, downstream, self.max_lag) {
            state.should_sync = false;
            self.delayed.remove(&tp);
            self.pending.insert(tp, sync);
        } else {
            self.delayed.insert(tp, sync);
        }
    }

    /// Makes the delayed syncs due (at an offset commit, so that a quiet partition's last sync is
    /// not held back forever).
    pub fn promote_delayed(&mut self) {
        self.pending.append(&mut self.delayed);
    }

    /// Sends due syncs while fewer than ten are in flight.
    pub fn fire(&mut self) {
        while let Some(Some(result)) = self.in_flight.next().now_or_never() {
            if let Err(err) = result {
                tracing::error!(%err, "could not write an offset sync");
            }
        }
        while self.in_flight.len() < MAX_IN_FLIGHT
            && let Some((_, sync)) = self.pending.pop_first()
        {
            let send = self.writer.send(&self.topic, 0, Some(&sync.key()), Some(&sync.value()));
            self.in_flight.push(send);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_partition_syncs_first_then_on_gaps_lag_or_truncation() {
        let mut state = PartitionState::default();
        let due = |state: &mut PartitionState, up, down| {
            let due = state.update(up, down, 100);
            state.should_sync = false;
            due
        };
        assert!(due(&mut state, 0, 0), "first of this run");
        assert!(!due(&mut state, 1, 1));
        assert!(due(&mut state, 5, 2), "records skipped upstream");
        assert!(!due(&mut state, 6, 3));
        assert!(due(&mut state, 7, 103), "100 past the last sync");
        assert!(due(&mut state, 8, 50), "the remote partition went back");
    }
}
