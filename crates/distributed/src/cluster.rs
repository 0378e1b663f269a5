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
use crate::leader_writer::LeaderWriter;
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
    /// The leader's transactional writer of the config topic, on workers with exactly-once
    /// source support.
    pub leader_writer: Option<LeaderWriter>,
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

    /// Writes config records and reads them back, so the snapshot holds them on return. A
    /// leader holding the write privileges (exactly-once source support) writes them in a
    /// transaction; when that fails (a newer leader fenced it) the worker rejoins the group.
    pub async fn write_config(&self, records: Vec<Record>) -> Result<(), RuntimeError> {
        let failed = |err: LogError| RuntimeError::Kafka(err.to_string());
        let as_leader = match &self.leader_writer {
            Some(writer) => writer.write_if_claimed(&records).await,
            None => None,
        };
        match as_leader {
            Some(written) => written.map_err(|err| {
                tracing::warn!(error = %err, "Failed to write to config topic as leader; will rejoin group if necessary and, if still leader, attempt to reclaim write privileges for the config topic");
                self.rejoin.notify_one();
                RuntimeError::Kafka(format!(
                    "Failed to write to config topic; this may be due to a transient error and the request can be safely retried: {err}"
                ))
            })?,
            None => self.config_log.send(records).await.map_err(failed)?,
        }
        self.read_config().await.map_err(failed)
    }

    /// As the group's new leader, claims the write privileges for the config topic (with
    /// exactly-once source support), fencing out any earlier leader's writes.
    pub async fn claim_write_privileges(&self) {
        let Some(writer) = &self.leader_writer else {
            return;
        };
        match writer.claim().await {
            Ok(()) => tracing::info!(
                transactional_id = writer.transactional_id(),
                "claimed the config topic's write privileges"
            ),
            Err(err) => {
                tracing::error!(error = %err, "Unable to claim write privileges for config topic after being elected leader during rebalance")
            }
        }
    }

    /// Gives the write privileges for the config topic up, when another worker leads.
    pub async fn release_write_privileges(&self) {
        if let Some(writer) = &self.leader_writer {
            writer.release().await;
        }
    }
}
