//! Where an aborted transaction's markers landed in each partition it wrote: tansu writes them
//! inside its storage, so they are found by reading what the partition gained meanwhile.

use std::collections::BTreeMap;

use tansu_sans_io::IsolationLevel;
use tansu_storage::{Error, Storage, Topition};

use super::state::{AbortedSpan, OpenTxn, Partition};

/// How much of a partition one read for a marker asks for.
const SCAN_BYTES: u32 = 1024 * 1024;
/// How many reads a partition gets before its end is taken as the marker.
const SCAN_READS: usize = 64;

fn topition((topic, partition): &Partition) -> Topition {
    Topition::new(topic.clone(), *partition)
}

/// The end of each partition `open` wrote, taken before its transaction ends.
pub(super) async fn log_ends<S: Storage>(storage: &S, open: &OpenTxn) -> Result<BTreeMap<Partition, i64>, Error> {
    let mut ends = BTreeMap::new();
    for partition in open.first_offsets.keys() {
        let stage = storage.offset_stage(&topition(partition)).await?;
        ends.insert(partition.clone(), stage.high_watermark());
    }
    Ok(ends)
}

/// The spans of `open` once aborted: in each partition, from its first record to the first
/// control batch of its producer at or after the end taken before (`ends`).
pub(super) async fn aborted_spans<S: Storage>(
    storage: &S,
    open: &OpenTxn,
    ends: &BTreeMap<Partition, i64>,
) -> Result<Vec<(Partition, AbortedSpan)>, Error> {
    let mut spans = Vec::with_capacity(open.first_offsets.len());
    for (partition, first_offset) in &open.first_offsets {
        let from = ends.get(partition).copied().unwrap_or(*first_offset);
        let last_offset = match marker(storage, partition, from, open.producer_id).await? {
            Some(offset) => offset,
            None => {
                let end = storage.offset_stage(&topition(partition)).await?.high_watermark() - 1;
                tracing::warn!(
                    topic = %partition.0, partition = partition.1, producer_id = open.producer_id,
                    "no abort marker found; the transaction is taken to end at {end}"
                );
                end
            }
        };
        spans.push((
            partition.clone(),
            AbortedSpan {
                producer_id: open.producer_id,
                first_offset: *first_offset,
                last_offset,
            },
        ));
    }
    Ok(spans)
}

/// The offset of the first control batch of `producer_id` in `partition` from `from`.
async fn marker<S: Storage>(
    storage: &S,
    partition: &Partition,
    from: i64,
    producer_id: i64,
) -> Result<Option<i64>, Error> {
    let tp = topition(partition);
    let mut offset = from;
    for _ in 0..SCAN_READS {
        let batches = storage
            .fetch(&tp, offset, 0, SCAN_BYTES, IsolationLevel::ReadUncommitted)
            .await?;
        if batches.is_empty() {
            return Ok(None);
        }
        if let Some(found) = batches
            .iter()
            .find(|b| b.is_control() && b.producer_id == producer_id && b.base_offset >= from)
        {
            return Ok(Some(found.base_offset));
        }
        let next = batches
            .iter()
            .map(|b| b.base_offset + i64::from(b.last_offset_delta) + 1)
            .max()
            .unwrap_or(offset);
        if next <= offset {
            return Ok(None);
        }
        offset = next;
    }
    Ok(None)
}
