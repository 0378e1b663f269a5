//! Statuses in the status topic, as Apache's `KafkaStatusBackingStore`: this worker's changes are
//! written there, and every worker's are read back into the worker's status store, so any worker
//! answers `GET /connectors/{c}/status` for the whole cluster.

use std::sync::Arc;
use std::sync::atomic::{AtomicI32, AtomicUsize, Ordering};
use std::time::Duration;

use kconnect_runtime::Worker;
use kconnect_runtime::status::{State, Status, StatusListener, StatusUpdate};
use rdkafka::ClientConfig;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use crate::kafka_log::{KafkaLog, LogError, TopicSpec};

/// The key of an update: `status-connector-<c>` or `status-task-<c>-<n>`.
pub fn status_key(update: &StatusUpdate) -> String {
    match update.task {
        None => format!("status-connector-{}", update.connector),
        Some(id) => format!("status-task-{}-{id}", update.connector),
    }
}

fn state_name(state: State) -> String {
    serde_json::to_value(state)
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .unwrap_or_default()
}

/// The value of an update: `{"state":…,"trace":…,"worker_id":…,"generation":…}`, `None` for a
/// deletion.
pub fn status_value(update: &StatusUpdate, generation: i32) -> Option<Vec<u8>> {
    let status = update.status.as_ref()?;
    let value = json!({
        "state": state_name(status.state),
        "trace": status.trace,
        "worker_id": status.worker_id,
        "generation": generation,
    });
    Some(serde_json::to_vec(&value).expect("serialises"))
}

/// Parses a status record.
pub fn parse_status(key: &str, value: Option<&[u8]>) -> Option<StatusUpdate> {
    let (connector, task) = if let Some(connector) = key.strip_prefix("status-connector-") {
        (connector.to_string(), None)
    } else {
        let rest = key.strip_prefix("status-task-")?;
        let (connector, id) = rest.rsplit_once('-')?;
        (connector.to_string(), Some(id.parse().ok()?))
    };
    let status = match value {
        None => None,
        Some(bytes) => {
            let json: Value = serde_json::from_slice(bytes).ok()?;
            Some(Status {
                state: serde_json::from_value(json.get("state")?.clone()).ok()?,
                worker_id: json.get("worker_id")?.as_str()?.to_string(),
                trace: json.get("trace").and_then(Value::as_str).map(str::to_string),
            })
        }
    };
    Some(StatusUpdate {
        connector,
        task,
        status,
    })
}

/// Writes this worker's status changes to the topic, in order, tagged with the group generation.
pub struct StatusPublisher {
    queue: mpsc::UnboundedSender<StatusUpdate>,
    pending: Arc<AtomicUsize>,
}

impl StatusListener for StatusPublisher {
    fn changed(&self, update: &StatusUpdate) {
        self.pending.fetch_add(1, Ordering::SeqCst);
        if self.queue.send(update.clone()).is_err() {
            self.pending.fetch_sub(1, Ordering::SeqCst);
        }
    }
}

/// The status topic: read into the worker's statuses, written from this worker's changes.
pub struct StatusLog {
    log: Arc<KafkaLog>,
    pending: Arc<AtomicUsize>,
}

impl StatusLog {
    /// Starts reading the topic into the worker's statuses and writing the worker's own changes
    /// to it.
    pub async fn start(
        client: &ClientConfig,
        topic: TopicSpec,
        worker: Arc<Worker>,
        generation: Arc<AtomicI32>,
    ) -> Result<Self, LogError> {
        let reader = worker.clone();
        let log = Arc::new(
            KafkaLog::start(client, topic, move |record| {
                let key = record.key.as_deref().and_then(|k| std::str::from_utf8(k).ok());
                if let Some(update) = key.and_then(|k| parse_status(k, record.value.as_deref())) {
                    reader.statuses.apply(update);
                }
            })
            .await?,
        );
        let (queue, mut updates) = mpsc::unbounded_channel::<StatusUpdate>();
        let pending = Arc::new(AtomicUsize::new(0));
        let writer = log.clone();
        let written = pending.clone();
        tokio::spawn(async move {
            while let Some(update) = updates.recv().await {
                let generation = generation.load(Ordering::Relaxed);
                let record = (status_key(&update).into_bytes(), status_value(&update, generation));
                if let Err(err) = writer.send(vec![record]).await {
                    tracing::warn!(error = %err, "status not written to the status topic");
                }
                written.fetch_sub(1, Ordering::SeqCst);
            }
        });
        worker.statuses.set_listener(Arc::new(StatusPublisher {
            queue,
            pending: pending.clone(),
        }));
        let status_log = Self { log, pending };
        status_log.read_to_end().await?;
        Ok(status_log)
    }

    /// Waits (at most 5 s) until this worker's queued status changes are written.
    pub async fn flush(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.pending.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    /// Waits until every status written so far is applied.
    pub async fn read_to_end(&self) -> Result<(), LogError> {
        self.log.read_to_end(Duration::from_secs(30)).await.map(|_| ())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_match_apaches_shape() {
        let update = StatusUpdate {
            connector: "my-sink".into(),
            task: Some(3),
            status: Some(Status {
                state: State::Running,
                worker_id: "10.0.0.1:8083".into(),
                trace: None,
            }),
        };
        assert_eq!(status_key(&update), "status-task-my-sink-3");
        assert_eq!(
            status_value(&update, 7).unwrap(),
            br#"{"state":"RUNNING","trace":null,"worker_id":"10.0.0.1:8083","generation":7}"#
        );
        let parsed = parse_status("status-task-my-sink-3", status_value(&update, 7).as_deref()).unwrap();
        assert_eq!(parsed, update);
        let deleted = parse_status("status-connector-my-sink", None).unwrap();
        assert_eq!((deleted.task, deleted.status), (None, None));
    }
}
