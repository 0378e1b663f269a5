//! Exactly-once delivery of a source task (KIP-618). In a distributed worker with
//! `exactly.once.source.support=enabled` the task's producer is transactional, with Apache's
//! `transactional.id` (`<group.id>-<connector>-<task>`), and each transaction holds the records of
//! one `poll` (`transaction.boundary=poll`, the default), of an interval (`interval`) or up to
//! where the task says (`connector`, through its transaction context) together with their source
//! offsets, which the same producer writes to the offsets topic. Records become
//! readable to `read_committed` consumers only when their offsets are committed with them; a task
//! killed mid-transaction leaves it open, and the next producer of its id (the task started again)
//! aborts it and fences the old one.

use std::sync::Arc;
use std::time::Duration;

use kconnect_api::ConfigMap;
use kconnect_storage::OffsetStore;
use rdkafka::ClientConfig;

use crate::error::RuntimeError;
use crate::transaction_boundaries::WorkerTransactionContext;
use crate::worker::{TaskSpec, Worker};

/// When a task's transactions commit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Boundary {
    /// After each batch the task polled.
    Poll,
    /// Every so often.
    Interval(Duration),
    /// Where the task asks, through its transaction context.
    Connector,
}

/// The transactional side of an exactly-once source task.
#[derive(Debug)]
pub(crate) struct SourceTransactions {
    /// The producer's `transactional.id`.
    pub id: String,
    /// The topic the task's offsets are written to.
    pub offsets_topic: String,
    /// When transactions commit.
    pub boundary: Boundary,
    /// Whether a transaction is open.
    pub open: bool,
    /// Records sent in the open transaction.
    pub records: u64,
    /// Where the task asks for its transactions to end, with `transaction.boundary=connector`.
    pub context: Option<Arc<WorkerTransactionContext>>,
}

impl SourceTransactions {
    /// The transactions of task `spec`, whose offsets live in `offsets`, when its worker delivers
    /// exactly once; `None` when it does not.
    pub fn of(worker: &Worker, spec: &TaskSpec, offsets: &dyn OffsetStore) -> Result<Option<Self>, RuntimeError> {
        let Some(group) = worker.config.exactly_once_group() else {
            return Ok(None);
        };
        let refused = |message: String| RuntimeError::InvalidConfig {
            context: format!("Exactly-once source task {}", spec.name()),
            errors: vec![message],
        };
        let offsets_topic = offsets
            .kafka_topic()
            .ok_or_else(|| refused("its offsets are not kept in a Kafka topic".to_string()))?;
        let boundary = boundary(&spec.connector_config, worker.config.offset_flush_interval()).map_err(refused)?;
        Ok(Some(Self {
            id: transactional_id(group, &spec.connector, spec.id),
            offsets_topic,
            boundary,
            open: false,
            records: 0,
            context: (boundary == Boundary::Connector).then(Arc::default),
        }))
    }

    /// How often the task commits on its own: after each poll or where the task asks (and every
    /// `flush`, which then finds nothing to commit), or at the end of each interval.
    pub fn commit_interval(&self, flush: Duration) -> Duration {
        match self.boundary {
            Boundary::Poll | Boundary::Connector => flush,
            Boundary::Interval(interval) => interval,
        }
    }
}

/// How long a transactional producer may take to start, flush or commit, and its
/// `transaction.timeout.ms` unless set (Apache's default).
pub const TRANSACTION_TIMEOUT: Duration = Duration::from_secs(60);

/// `producer` made the transactional producer `id`: with Apache's `transaction.timeout.ms` unless
/// the settings give one, and every record to be delivered within it (librdkafka refuses a
/// `delivery.timeout.ms` longer than the transaction's).
pub fn transactional_producer(mut producer: ClientConfig, id: &str) -> ClientConfig {
    let timeout = producer
        .get("transaction.timeout.ms")
        .map_or_else(|| TRANSACTION_TIMEOUT.as_millis().to_string(), str::to_string);
    producer
        .set("transactional.id", id)
        .set("transaction.timeout.ms", &timeout)
        .set("delivery.timeout.ms", &timeout);
    producer
}

/// Apache's `transactional.id` of a source task: `<group.id>-<connector>-<task>`.
pub fn transactional_id(group: &str, connector: &str, task: u32) -> String {
    format!("{group}-{connector}-{task}")
}

/// The boundary `connector` configures: `transaction.boundary` and, for `interval`,
/// `transaction.boundary.interval.ms` (the worker's `offset.flush.interval.ms` by default);
/// `connector` was accepted by validate only for a connector that defines boundaries.
fn boundary(connector: &ConfigMap, flush: Duration) -> Result<Boundary, String> {
    match connector
        .get("transaction.boundary")
        .map(|b| b.trim())
        .unwrap_or("poll")
    {
        "poll" => Ok(Boundary::Poll),
        "interval" => {
            let interval =
                match connector.get("transaction.boundary.interval.ms") {
                    Some(ms) => Duration::from_millis(ms.trim().parse().map_err(|_| {
                        format!("transaction.boundary.interval.ms: {ms} is not a number of milliseconds")
                    })?),
                    None => flush,
                };
            Ok(Boundary::Interval(interval))
        }
        "connector" => Ok(Boundary::Connector),
        other => Err(format!("transaction.boundary: unknown boundary {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(pairs: &[(&str, &str)]) -> ConfigMap {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn transactions_end_at_each_poll_unless_configured_otherwise() {
        let flush = Duration::from_secs(60);
        assert_eq!(boundary(&config(&[]), flush), Ok(Boundary::Poll));
        assert_eq!(
            boundary(&config(&[("transaction.boundary", "interval")]), flush),
            Ok(Boundary::Interval(flush))
        );
        assert_eq!(
            boundary(
                &config(&[
                    ("transaction.boundary", "interval"),
                    ("transaction.boundary.interval.ms", "250")
                ]),
                flush
            ),
            Ok(Boundary::Interval(Duration::from_millis(250)))
        );
        assert_eq!(
            boundary(&config(&[("transaction.boundary", "connector")]), flush),
            Ok(Boundary::Connector)
        );
        let refused = boundary(&config(&[("transaction.boundary", "sometimes")]), flush).unwrap_err();
        assert!(refused.starts_with("transaction.boundary: "), "{refused}");
    }

    #[test]
    fn transactional_ids_are_apaches() {
        assert_eq!(
            transactional_id("connect-cluster", "orders", 3),
            "connect-cluster-orders-3"
        );
    }
}
