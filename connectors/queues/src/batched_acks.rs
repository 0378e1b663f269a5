//! Acknowledgements sent in the background, many per round trip: a record's acknowledgement only
//! queues its message's id, so `commit_record` never waits for the queue server. For the systems
//! that acknowledge by id over their own connection (Redis XACK, STOMP ACK frames).

use std::future::Future;

use async_trait::async_trait;
use kconnect_api::Result;
use tokio::sync::{mpsc, oneshot};

use crate::inbox::Acknowledge;

/// Ids one send takes, at most.
const IDS_PER_SEND: usize = 1000;

enum Request {
    Acknowledge(String),
    /// Answered once everything queued before it was sent.
    Flush(oneshot::Sender<()>),
}

/// The queue of ids to acknowledge, drained by a background task.
#[derive(Clone)]
pub(crate) struct BatchedAcks(mpsc::UnboundedSender<Request>);

impl BatchedAcks {
    /// Starts sending queued ids with `send`, which gets them in queue order, many at a time. A
    /// failed send loses nothing the system does not deliver again: a message that is never
    /// acknowledged comes again after a reconnect or restart.
    pub fn start<F, Fut>(mut send: F) -> Self
    where
        F: FnMut(Vec<String>) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send,
    {
        let (sender, mut requests) = mpsc::unbounded_channel();
        tokio::spawn(async move {
            let mut batch = Vec::with_capacity(IDS_PER_SEND);
            while requests.recv_many(&mut batch, IDS_PER_SEND).await > 0 {
                let mut ids = Vec::with_capacity(batch.len());
                let mut flushes = Vec::new();
                for request in batch.drain(..) {
                    match request {
                        Request::Acknowledge(id) => ids.push(id),
                        Request::Flush(done) => flushes.push(done),
                    }
                }
                if !ids.is_empty() {
                    send(ids).await;
                }
                for done in flushes {
                    let _ = done.send(());
                }
            }
        });
        Self(sender)
    }

    /// The acknowledgement of message `id`.
    pub fn ack(&self, id: String) -> BatchedAck {
        BatchedAck(Some((self.clone(), id)))
    }

    /// Waits until every id queued so far was sent.
    pub async fn flush(&self) {
        let (done, sent) = oneshot::channel();
        if self.0.send(Request::Flush(done)).is_ok() {
            let _ = sent.await;
        }
    }
}

/// Acknowledges one message through [`BatchedAcks`]; [`BatchedAck::NONE`] for a message nothing
/// acknowledges (read without acknowledgement).
pub(crate) struct BatchedAck(Option<(BatchedAcks, String)>);

impl BatchedAck {
    /// Nothing to acknowledge.
    pub const NONE: Self = Self(None);
}

#[async_trait]
impl Acknowledge for BatchedAck {
    async fn acknowledge(self) -> Result<()> {
        if let Some((acks, id)) = self.0 {
            let _ = acks.0.send(Request::Acknowledge(id));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[tokio::test]
    async fn ids_are_sent_in_order_and_flush_waits_for_them() {
        let sent = Arc::new(Mutex::new(Vec::new()));
        let log = sent.clone();
        let acks = BatchedAcks::start(move |ids| {
            log.lock().unwrap().extend(ids);
            async {}
        });
        for id in ["1", "2", "3"] {
            acks.ack(id.into()).acknowledge().await.unwrap();
        }
        BatchedAck::NONE.acknowledge().await.unwrap();
        acks.flush().await;
        assert_eq!(*sent.lock().unwrap(), ["1", "2", "3"]);
    }
}
