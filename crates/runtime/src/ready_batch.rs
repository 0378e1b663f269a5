//! How many consumed records one `put` gets: what the consumer has ready, up to a count and a
//! size, so that a batch of large records stays small in memory while small records still come
//! in batches large enough for a sink's round trips to its system to be few.

use futures::{FutureExt, Stream, StreamExt};
use rdkafka::Message;
use rdkafka::error::KafkaResult;
use rdkafka::message::BorrowedMessage;

/// The most records given to one `put`.
pub const MAX_BATCH: usize = 10_000;
/// The most key and value bytes given to one `put` (a batch takes records until it reaches it).
pub const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024;

/// Waits for a first item, then takes what else is ready until `MAX_BATCH` items or
/// `MAX_BATCH_BYTES` of them (as `size` counts); `None` once the stream ended. Cancel-safe: the
/// only wait is for the first item.
pub async fn ready_batch<S>(stream: &mut S, size: impl Fn(&S::Item) -> usize) -> Option<Vec<S::Item>>
where
    S: Stream + Unpin,
{
    let first = stream.next().await?;
    let mut bytes = size(&first);
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH && bytes < MAX_BATCH_BYTES {
        match stream.next().now_or_never() {
            Some(Some(item)) => {
                bytes += size(&item);
                batch.push(item);
            }
            _ => break,
        }
    }
    Some(batch)
}

/// A consumed message's key and value bytes (an error counts none).
pub fn message_size(message: &KafkaResult<BorrowedMessage<'_>>) -> usize {
    message.as_ref().map_or(0, |message| {
        message.payload_len() + message.key().map_or(0, <[u8]>::len)
    })
}

#[cfg(test)]
mod tests {
    use futures::stream;

    use super::*;

    #[tokio::test]
    async fn a_batch_stops_at_the_count_the_size_or_what_is_ready() {
        let mut many = stream::iter(0..MAX_BATCH + 5);
        assert_eq!(ready_batch(&mut many, |_| 1).await.unwrap().len(), MAX_BATCH);
        assert_eq!(ready_batch(&mut many, |_| 1).await.unwrap().len(), 5);
        assert!(ready_batch(&mut many, |_| 1).await.is_none());

        let mut large = stream::iter(0..10);
        let half = MAX_BATCH_BYTES / 2;
        assert_eq!(ready_batch(&mut large, |_| half).await.unwrap().len(), 2);

        let (sender, mut receiver) = futures::channel::mpsc::unbounded();
        sender.unbounded_send(1).unwrap();
        sender.unbounded_send(2).unwrap();
        assert_eq!(
            ready_batch(&mut receiver, |_| 1).await.unwrap(),
            vec![1, 2],
            "what was ready"
        );
    }
}
