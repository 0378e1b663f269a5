//! Statuses in the status topic, as Apache's `KafkaStatusBackingStore`: this worker's changes are
//! written there, and every worker's are read back into the worker's status store, so any worker
//! answers `GET /connectors/{c}/status` for the whole cluster.

use std::collections::HashMap;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use kconnect_runtime::Worker;
use kconnect_runtime::active_topics::TopicListener;
use kconnect_runtime::status::{State, Status, StatusListener, StatusUpdate};
use serde_json::{Value, json};

use crate::kafka_log::{KafkaLog, LogClient, LogError, TopicSpec};
use crate::latest_by_key::LatestByKey;

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

/// Parses a status record: the update, and the generation it was written in (`None` for a
/// deletion).
pub fn parse_status(key: &str, value: Option<&[u8]>) -> Option<(StatusUpdate, Option<i64>)> {
    let (connector, task) = if let Some(connector) = key.strip_prefix("status-connector-") {
        (connector.to_string(), None)
    } else {
        let rest = key.strip_prefix("status-task-")?;
        let (connector, id) = rest.rsplit_once('-')?;
        (connector.to_string(), Some(id.parse().ok()?))
    };
    let (status, generation) = match value {
        None => (None, None),
        Some(bytes) => {
            let json: Value = serde_json::from_slice(bytes).ok()?;
            let status = Status {
                state: serde_json::from_value(json.get("state")?.clone()).ok()?,
                worker_id: json.get("worker_id")?.as_str()?.to_string(),
                trace: json.get("trace").and_then(Value::as_str).map(str::to_string),
            };
            (Some(status), json.get("generation").and_then(Value::as_i64))
        }
    };
    let update = StatusUpdate {
        connector,
        task,
        status,
    };
    Some((update, generation))
}

/// The key of a topic a connector uses: `status-topic-<topic>:connector-<connector>`.
pub fn topic_key(connector: &str, topic: &str) -> String {
    format!("status-topic-{topic}:connector-{connector}")
}

/// The value of a topic a connector uses, as Apache writes it (KIP-558).
pub fn topic_value(connector: &str, task: u32, topic: &str, discovered_ms: i64) -> Vec<u8> {
    let value = json!({"topic": {
        "name": topic,
        "connector": connector,
        "task": task,
        "discoverTimestamp": discovered_ms,
    }});
    serde_json::to_vec(&value).expect("serialises")
}

/// Parses the key of a topic record: `(connector, topic)`. Topic names cannot hold `:`.
pub fn parse_topic_key(key: &str) -> Option<(&str, &str)> {
    let (topic, connector) = key.strip_prefix("status-topic-")?.split_once(":connector-")?;
    Some((connector, topic))
}

/// Applies one record of the status topic to the worker, noting who wrote each status.
fn apply_record(worker: &Worker, writers: &LastWriters, key: &str, value: Option<&[u8]>) {
    if let Some((connector, topic)) = parse_topic_key(key) {
        match value {
            Some(_) => {
                worker.active_topics.learn(connector, topic);
            }
            None => worker.active_topics.forget(connector, topic),
        }
    } else if let Some((update, generation)) = parse_status(key, value) {
        let writer = update.status.as_ref().map(|s| s.worker_id.as_str()).zip(generation);
        writers.note(key, writer);
        worker.statuses.apply(update);
    }
}

/// Who wrote each status last, as read from the topic, and in which generation.
#[derive(Default)]
struct LastWriters(Mutex<HashMap<String, (String, i64)>>);

impl LastWriters {
    /// Notes the writer (worker and generation) of the status record `key` read from the topic;
    /// `None` for a deletion.
    fn note(&self, key: &str, writer: Option<(&str, i64)>) {
        let mut writers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match writer {
            Some((worker, generation)) => writers.insert(key.to_string(), (worker.to_string(), generation)),
            None => writers.remove(key),
        };
    }

    /// Whether `worker`, in `generation`, must leave `key` alone when it writes only "safely"
    /// (FAILED and UNASSIGNED, as Apache's `putSafe`): another worker wrote it in a newer
    /// generation, so the work has moved on and this worker's news of it is stale.
    fn superseded(&self, key: &str, worker: &str, generation: i32) -> bool {
        let writers = self.0.lock().unwrap_or_else(|e| e.into_inner());
        writers
            .get(key)
            .is_some_and(|(last, last_generation)| last != worker && *last_generation > i64::from(generation))
    }
}

/// How long the writer waits before writing again a status the broker did not take.
const RETRY: Duration = Duration::from_secs(1);

/// Writes this worker's status changes and newly used topics to the topic; statuses are tagged
/// with the group generation. Only the latest change of each key waits, and one the broker did not
/// take is written again.
pub struct StatusPublisher {
    queue: Arc<LatestByKey>,
    generation: Arc<AtomicI32>,
    writers: Arc<LastWriters>,
}

impl StatusPublisher {
    fn enqueue(&self, key: String, value: Option<Vec<u8>>) {
        self.queue.put(key.into_bytes(), value);
    }
}

impl StatusListener for StatusPublisher {
    fn changed(&self, update: &StatusUpdate) {
        let generation = self.generation.load(Ordering::Relaxed);
        let key = status_key(update);
        if let Some(status) = &update.status
            && matches!(status.state, State::Failed | State::Unassigned)
            && self.writers.superseded(&key, &status.worker_id, generation)
        {
            tracing::debug!(%key, state = ?status.state, "not writing a status another worker wrote in a newer generation");
            return;
        }
        self.enqueue(key, status_value(update, generation));
    }
}

impl TopicListener for StatusPublisher {
    fn discovered(&self, connector: &str, task: u32, topic: &str) {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as i64);
        self.enqueue(
            topic_key(connector, topic),
            Some(topic_value(connector, task, topic, now)),
        );
    }

    fn reset(&self, connector: &str, topics: &[String]) {
        for topic in topics {
            self.enqueue(topic_key(connector, topic), None);
        }
    }
}

/// The status topic: read into the worker's statuses and active topics, written from this
/// worker's changes.
pub struct StatusLog {
    log: Arc<KafkaLog>,
    queue: Arc<LatestByKey>,
}

impl StatusLog {
    /// Starts reading the topic into the worker's statuses and active topics, and writing the
    /// worker's own changes to it.
    pub async fn start(
        client: &LogClient,
        topic: TopicSpec,
        worker: Arc<Worker>,
        generation: Arc<AtomicI32>,
    ) -> Result<Self, LogError> {
        let reader = worker.clone();
        let writers = Arc::new(LastWriters::default());
        let noted = writers.clone();
        let log = Arc::new(
            KafkaLog::start(client, topic, move |record| {
                if let Some(key) = record.key.as_deref().and_then(|k| std::str::from_utf8(k).ok()) {
                    apply_record(&reader, &noted, key, record.value.as_deref());
                }
            })
            .await?,
        );
        let queue = Arc::new(LatestByKey::default());
        let writer = log.clone();
        let records = queue.clone();
        tokio::spawn(async move {
            loop {
                let record = records.take().await;
                let sent = writer.send(vec![record.clone()]).await;
                if let Err(err) = &sent {
                    tracing::warn!(error = %err, "status not written to the status topic yet; writing it again");
                }
                records.done(record, sent.is_ok());
                if sent.is_err() {
                    tokio::time::sleep(RETRY).await;
                }
            }
        });
        let publisher = Arc::new(StatusPublisher {
            queue: queue.clone(),
            generation,
            writers,
        });
        worker.statuses.set_listener(publisher.clone());
        worker.active_topics.set_listener(publisher);
        let status_log = Self { log, queue };
        status_log.read_to_end().await?;
        Ok(status_log)
    }

    /// Waits (at most 5 s) until this worker's queued status changes are written.
    pub async fn flush(&self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
        while self.queue.pending() > 0 && tokio::time::Instant::now() < deadline {
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
        assert_eq!(parsed, (update, Some(7)));
        let (deleted, generation) = parse_status("status-connector-my-sink", None).unwrap();
        assert_eq!((deleted.task, deleted.status, generation), (None, None, None));
    }

    #[test]
    fn safe_writes_give_way_to_another_workers_newer_generation() {
        let writers = LastWriters::default();
        let key = "status-task-c-0";
        writers.note(key, Some(("b:8083", 5)));
        assert!(writers.superseded(key, "a:8083", 3), "a zombie's news is stale");
        assert!(!writers.superseded(key, "a:8083", 5));
        assert!(
            !writers.superseded(key, "b:8083", 3),
            "a worker may always correct itself"
        );
        assert!(
            !writers.superseded("status-task-c-1", "a:8083", 3),
            "nobody wrote it yet"
        );
        writers.note(key, None);
        assert!(!writers.superseded(key, "a:8083", 3));
    }

    #[test]
    fn topic_records_match_apaches_shape() {
        let key = topic_key("my:sink", "orders.v1");
        assert_eq!(key, "status-topic-orders.v1:connector-my:sink");
        assert_eq!(parse_topic_key(&key), Some(("my:sink", "orders.v1")));
        assert_eq!(parse_topic_key("status-task-my-sink-3"), None);
        assert_eq!(
            topic_value("my:sink", 2, "orders.v1", 1_700_000_000_000),
            br#"{"topic":{"name":"orders.v1","connector":"my:sink","task":2,"discoverTimestamp":1700000000000}}"#
        );
    }
}
