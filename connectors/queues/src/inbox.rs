//! Where a queue source's messages wait between its consumer and `poll`, and where each waits for
//! Kafka before the queue is told it may forget it.
//!
//! The consumer (a background task per source task) turns each message into a record and sends it
//! with its acknowledgement through a bounded channel: a slow Kafka fills the channel, the consumer
//! stops reading, and the queue's own in-flight limit (prefetch, receive maximum) holds the rest on
//! the server. `poll` takes what is ready; the runtime hands each record back through
//! `commit_record` once Kafka acknowledged it (or a transformation dropped it), and only then is
//! the message acknowledged to the queue. A message whose record never came back is redelivered by
//! the queue after a crash or reconnect: at least once, duplicates bounded by the in-flight window.

use std::collections::HashMap;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::{ConnectError, Result, SourceRecord};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// The source offset key carrying a record's number among the task's deliveries, by which
/// `commit_record` finds its acknowledgement.
const DELIVERY_FIELD: &str = "delivery";

/// Tells the queue it may forget one message.
#[async_trait]
pub(crate) trait Acknowledge: Send + 'static {
    /// Acknowledges the message. A failure means the queue will deliver it again.
    async fn acknowledge(self) -> Result<()>;
}

/// A message as a record (its source offset still to be numbered), with what acknowledges it.
pub(crate) struct Received<A> {
    /// The record the message becomes.
    pub record: SourceRecord,
    /// Acknowledges the message once Kafka has the record.
    pub ack: A,
}

/// The consumer's end of the channel: messages, or the error that ended consuming.
pub(crate) type Deliveries<A> = mpsc::Sender<Result<Received<A>>>;

/// Hands `received` to the task unless `stop` comes first; false when consuming should end
/// (stopped, or the task is gone).
pub(crate) async fn deliver<A>(deliveries: &Deliveries<A>, received: Received<A>, stop: &CancellationToken) -> bool {
    tokio::select! {
        () = stop.cancelled() => false,
        sent = deliveries.send(Ok(received)) => sent.is_ok(),
    }
}

/// The task's end: messages not yet polled, and those polled but not yet in Kafka.
pub(crate) struct Inbox<A> {
    receiver: mpsc::Receiver<Result<Received<A>>>,
    unacked: HashMap<u64, A>,
    next: u64,
    /// An error met after some records of a batch, given at the next poll.
    failed: Option<ConnectError>,
}

impl<A: Acknowledge> Inbox<A> {
    /// A channel holding up to `capacity` messages between consumer and task.
    pub fn new(capacity: usize) -> (Deliveries<A>, Self) {
        let (sender, receiver) = mpsc::channel(capacity.max(1));
        let inbox = Self {
            receiver,
            unacked: HashMap::new(),
            next: 0,
            failed: None,
        };
        (sender, inbox)
    }

    /// Waits up to `wait` for a first message, then takes what else is ready, up to `max` records.
    /// Cancel-safe: a dropped call loses no message.
    pub async fn poll(&mut self, max: usize, wait: Duration) -> Result<Vec<SourceRecord>> {
        if let Some(error) = self.failed.take() {
            return Err(error);
        }
        let mut records = Vec::new();
        let first = match tokio::time::timeout(wait, self.receiver.recv()).await {
            Err(_) => return Ok(records),
            Ok(None) => return Err(ConnectError::Fatal("the queue consumer stopped".into())),
            Ok(Some(first)) => first?,
        };
        self.take(first, &mut records);
        while records.len() < max {
            match self.receiver.try_recv() {
                Ok(Ok(received)) => self.take(received, &mut records),
                Ok(Err(error)) => {
                    self.failed = Some(error);
                    break;
                }
                Err(_) => break,
            }
        }
        Ok(records)
    }

    fn take(&mut self, received: Received<A>, records: &mut Vec<SourceRecord>) {
        let number = self.next;
        self.next += 1;
        let mut record = received.record;
        record.source_offset_mut().insert(DELIVERY_FIELD.into(), number.into());
        self.unacked.insert(number, received.ack);
        records.push(record);
    }

    /// Acknowledges the message of a record Kafka has (or that the task's chain dropped).
    pub async fn acknowledge(&mut self, record: &SourceRecord) -> Result<()> {
        let number = record.source_offset.get(DELIVERY_FIELD).and_then(|n| n.as_u64());
        match number.and_then(|n| self.unacked.remove(&n)) {
            Some(ack) => ack.acknowledge().await,
            None => Ok(()),
        }
    }

    /// Messages polled whose records Kafka has not acknowledged yet.
    pub fn unacknowledged(&self) -> usize {
        self.unacked.len()
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use kconnect_api::{RecordCore, SchemaAndValue, Value};

    use super::*;

    /// Records which numbers were acknowledged.
    struct Noted(u32, Arc<Mutex<Vec<u32>>>);

    #[async_trait]
    impl Acknowledge for Noted {
        async fn acknowledge(self) -> Result<()> {
            self.1.lock().unwrap().push(self.0);
            Ok(())
        }
    }

    fn message(n: u32, log: &Arc<Mutex<Vec<u32>>>) -> Result<Received<Noted>> {
        let core = RecordCore::new("t", SchemaAndValue::new(None, Value::Int32(n as i32)));
        Ok(Received {
            record: SourceRecord::new(kconnect_api::OffsetMap::new(), kconnect_api::OffsetMap::new(), core),
            ack: Noted(n, log.clone()),
        })
    }

    #[tokio::test]
    async fn a_message_is_acknowledged_only_when_its_record_comes_back() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (sender, mut inbox) = Inbox::new(8);
        for n in 0..3 {
            sender.send(message(n, &log)).await.unwrap();
        }
        let records = inbox.poll(2, Duration::from_millis(10)).await.unwrap();
        assert_eq!(records.len(), 2);
        assert_eq!(inbox.unacknowledged(), 2);
        inbox.acknowledge(&records[1]).await.unwrap();
        assert_eq!(*log.lock().unwrap(), vec![1]);
        inbox.acknowledge(&records[1]).await.unwrap();
        assert_eq!(*log.lock().unwrap(), vec![1], "acknowledged once");
        let rest = inbox.poll(10, Duration::from_millis(10)).await.unwrap();
        assert_eq!(rest.len(), 1);
        inbox.acknowledge(&records[0]).await.unwrap();
        inbox.acknowledge(&rest[0]).await.unwrap();
        assert_eq!(*log.lock().unwrap(), vec![1, 0, 2]);
        assert!(inbox.poll(10, Duration::from_millis(10)).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn an_error_after_some_messages_comes_at_the_next_poll() {
        let log = Arc::new(Mutex::new(Vec::new()));
        let (sender, mut inbox) = Inbox::new(8);
        sender.send(message(0, &log)).await.unwrap();
        sender.send(Err(ConnectError::Fatal("gone".into()))).await.unwrap();
        assert_eq!(inbox.poll(10, Duration::from_millis(10)).await.unwrap().len(), 1);
        assert!(inbox.poll(10, Duration::from_millis(10)).await.is_err());
        drop(sender);
        assert!(
            inbox.poll(10, Duration::from_millis(10)).await.is_err(),
            "consumer gone"
        );
    }
}
