//! What one distributed worker knows and shares between its REST handlers, its group membership
//! and the work it runs: the config snapshot, the internal topics and the current leader.

use std::sync::atomic::{AtomicBool, AtomicI32};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use kconnect_runtime::{ConfigMap, RuntimeError, Worker};
use tokio::sync::Notify;
use tokio_util::sync::CancellationToken;

use crate::config::DistributedConfig;
use crate::config_records::{ConfigSnapshot, Record};
use crate::connector_offsets::ConnectorOffsetTopics;
use crate::kafka_log::{KafkaLog, LogError};
use crate::leader::TaskSubmissions;
use crate::offset_store::KafkaOffsetStore;
use crate::status_log::StatusLog;
use crate::work::LocalWork;

const WRITE_TIMEOUT: Duration = Duration::from_secs(30);

/// Who leads the group, as the last assignment said.
#[derive(Debug, Clone, Default)]
pub struct LeaderView {
    /// Whether this worker is the leader.
    pub is_me: bool,
    /// The leader's REST URL; `None` before the first assignment.
    pub url: Option<String>,
}

/// The worker's shared distributed state.
pub struct Cluster {
    /// The worker.
    pub worker: Arc<Worker>,
    /// The distributed settings.
    pub settings: DistributedConfig,
    /// This worker's advertised REST URL (`http://host:port/`).
    pub url: String,
    /// The config topic.
    pub config_log: KafkaLog,
    /// What the config topic says.
    pub snapshot: Arc<RwLock<ConfigSnapshot>>,
    /// Signalled after every config record read.
    pub config_changed: Arc<Notify>,
    /// The offsets topic.
    pub offsets: Arc<KafkaOffsetStore>,
    /// Source connectors' own offsets topics.
    pub connector_offsets: Arc<ConnectorOffsetTopics>,
    /// The status topic.
    pub status_log: StatusLog,
    /// The group generation statuses are written with.
    pub generation: Arc<AtomicI32>,
    /// The current leader.
    pub leader: RwLock<LeaderView>,
    /// Asks the membership loop to rejoin the group.
    pub rejoin: Notify,
    /// Cancelled when the worker stops.
    pub stop: CancellationToken,
    /// The connectors and tasks running here.
    pub work: tokio::sync::Mutex<LocalWork>,
    /// Task configurations sent to the leader and not yet superseded.
    pub task_submissions: TaskSubmissions,
    /// Held by the leader's round of zombie fencing, one round at a time.
    pub fencing: tokio::sync::Mutex<()>,
    /// Set once this worker has joined the group and taken its first assignment.
    pub joined: AtomicBool,
    /// The client of requests to other workers (task configurations, forwarded restarts).
    pub http: reqwest::Client,
}

impl Cluster {
    /// A copy of the config snapshot.
    pub fn snapshot(&self) -> ConfigSnapshot {
        self.snapshot.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// A connector's configuration, or 404.
    pub fn connector_config(&self, name: &str) -> Result<ConfigMap, RuntimeError> {
        let snapshot = self.snapshot.read().unwrap_or_else(|e| e.into_inner());
        snapshot
            .connectors
            .get(name)
            .cloned()
            .ok_or_else(|| RuntimeError::NotFound(name.to_string()))
    }

    /// The leader's view.
    pub fn leader(&self) -> LeaderView {
        self.leader.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Reads the config topic to its end.
    pub async fn read_config(&self) -> Result<(), LogError> {
        self.config_log.read_to_end(WRITE_TIMEOUT).await.map(|_| ())
    }

    /// Writes config records and reads them back, so the snapshot holds them on return.
    pub async fn write_config(&self, records: Vec<Record>) -> Result<(), RuntimeError> {
        let failed = |err: LogError| RuntimeError::Kafka(err.to_string());
        self.config_log.send(records).await.map_err(failed)?;
        self.read_config().await.map_err(failed)
    }
}
