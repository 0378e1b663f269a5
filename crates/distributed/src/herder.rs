//! The distributed herder: answers the REST API from the config and status topics on any worker,
//! and carries out writes on the leader (the REST layer forwards them there).

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use kconnect_runtime::connector_config::{CONNECTOR_CLASS, NAME, check_connector_config};
use kconnect_runtime::herder::task_ids;
use kconnect_runtime::kafka::{admin_config, own_broker_consumer_settings};
use kconnect_runtime::offsets_api::{self, ConnectorOffset};
use kconnect_runtime::status::{ConnectorStatus, State};
use kconnect_runtime::{
    ConfigMap, ConnectorInfo, GroupView, Herder, PluginRegistry, RestartRequest, RuntimeError, TargetState, TaskInfo,
    TaskRestart, Worker,
};
use tokio::sync::Notify;
use tokio::sync::mpsc::UnboundedReceiver;
use tokio_util::sync::CancellationToken;

use crate::cluster::{Cluster, LeaderView};
use crate::config::DistributedConfig;
use crate::config_records::{ConfigSnapshot, connector_record, restart_record, target_state_record, task_records};
use crate::connector_offsets::ConnectorOffsetTopics;
use crate::fencing::{self, ZombieFencer};
use crate::kafka_log::{KafkaLog, LogClient, LogError};
use crate::leader_writer::LeaderWriter;
use crate::offset_store::KafkaOffsetStore;
use crate::status_log::StatusLog;
use crate::work::{LocalWork, StartedConnector};
use crate::{leader, membership, signing};

/// A worker of a Connect cluster.
pub struct DistributedHerder {
    cluster: Arc<Cluster>,
    membership: tokio::sync::Mutex<Option<tokio::task::JoinHandle<()>>>,
}

fn kafka(err: LogError) -> RuntimeError {
    RuntimeError::Kafka(err.to_string())
}

impl DistributedHerder {
    /// Opens the internal topics (creating them when missing), reads them, and joins the group,
    /// running the plugins of `registry`; calls other workers with `http`.
    pub async fn start(
        settings: DistributedConfig,
        registry: PluginRegistry,
        http: reqwest::Client,
    ) -> Result<Self, RuntimeError> {
        let client = LogClient {
            common: admin_config(&settings.worker, &ConfigMap::new()),
            consumer: own_broker_consumer_settings(&settings.worker),
        };
        let offsets = Arc::new(
            KafkaOffsetStore::start(&client, settings.offset_topic.clone())
                .await
                .map_err(kafka)?,
        );
        let worker = Arc::new(Worker::new(settings.worker.clone(), registry, offsets.clone())?);
        let connector_offsets = Arc::new(ConnectorOffsetTopics::new(
            client.clone(),
            settings.offset_topic.clone(),
            offsets.clone(),
        ));
        worker.set_connector_offset_stores(connector_offsets.clone());
        let snapshot = Arc::new(RwLock::new(ConfigSnapshot::default()));
        let config_changed = Arc::new(Notify::new());
        let config_log = {
            let (snapshot, changed) = (snapshot.clone(), config_changed.clone());
            KafkaLog::start(&client, settings.config_topic.clone(), move |record| {
                let key = record.key.as_deref().map(String::from_utf8_lossy).unwrap_or_default();
                snapshot
                    .write()
                    .unwrap_or_else(|e| e.into_inner())
                    .apply(record.offset, &key, record.value.as_deref());
                changed.notify_one();
            })
            .await
            .map_err(kafka)?
        };
        config_log
            .read_to_end(settings.sync_timeout.max(std::time::Duration::from_secs(30)))
            .await
            .map_err(kafka)?;
        let leader_writer = settings.worker.transactional_leader_group().map(|group| {
            let client_id = format!("{group}-configs");
            LeaderWriter::new(&client, &settings.config_topic.name, group, &client_id)
        });
        let generation = Arc::new(AtomicI32::new(-1));
        let status_log = StatusLog::start(
            &client,
            settings.status_topic.clone(),
            worker.clone(),
            generation.clone(),
        )
        .await
        .map_err(kafka)?;
        let scheme = if settings.worker.rest_uses_tls() {
            "https"
        } else {
            "http"
        };
        let url = format!("{scheme}://{}/", settings.worker.worker_id());
        let (started, starts) = tokio::sync::mpsc::unbounded_channel();
        let restarts_seen = snapshot.read().unwrap_or_else(|e| e.into_inner()).restarts.len();
        let cluster = Arc::new_cyclic(|cluster| Cluster {
            worker,
            settings,
            url,
            config_log,
            leader_writer,
            snapshot,
            config_changed,
            offsets,
            connector_offsets,
            status_log,
            generation,
            leader: RwLock::new(LeaderView::default()),
            rejoin: Notify::new(),
            stop: CancellationToken::new(),
            work: tokio::sync::Mutex::new(LocalWork::new(
                restarts_seen,
                started,
                ZombieFencer::new(cluster.clone()),
            )),
            task_submissions: Default::default(),
            fencing: Default::default(),
            joined: AtomicBool::new(false),
            http,
        });
        let handle = tokio::spawn(membership::supervised(cluster.clone()));
        tokio::spawn(follow_task_reconfigurations(cluster.clone()));
        tokio::spawn(follow_connector_starts(cluster.clone(), starts));
        tracing::info!(url = %cluster.url, group = %cluster.settings.group_id, "distributed worker started");
        Ok(Self {
            cluster,
            membership: tokio::sync::Mutex::new(Some(handle)),
        })
    }

    /// Stops all work here, hands it over by leaving the group, and waits for that.
    pub async fn stop(&self) {
        self.cluster.stop.cancel();
        if let Some(handle) = self.membership.lock().await.take() {
            let _ = handle.await;
        }
        tracing::info!("distributed herder stopped");
    }

    fn info(&self, name: &str, snapshot: &ConfigSnapshot) -> Result<ConnectorInfo, RuntimeError> {
        let config = snapshot
            .connectors
            .get(name)
            .cloned()
            .ok_or_else(|| RuntimeError::NotFound(name.to_string()))?;
        let tasks = snapshot.tasks.get(name).map_or(0, Vec::len);
        Ok(ConnectorInfo {
            name: name.to_string(),
            tasks: task_ids(name, tasks),
            connector_type: self.connector_type(&config).to_string(),
            config,
        })
    }

    /// `http` or `https`, as this worker's advertised URL: how the group's workers call each other.
    fn scheme(&self) -> &str {
        self.cluster.url.split("://").next().unwrap_or("http")
    }

    fn connector_type(&self, config: &ConfigMap) -> &'static str {
        config
            .get(CONNECTOR_CLASS)
            .and_then(|class| self.cluster.worker.registry.connector(class).ok())
            .map_or("unknown", |kind| kind.type_name())
    }

    /// Checks an internal request's signature against the current session key.
    fn verify_signed(&self, body: &[u8], signature: Option<(String, String)>) -> Result<(), RuntimeError> {
        signing::verify(self.cluster.snapshot().session_key.as_ref(), body, signature)
    }

    fn exists(&self, name: &str) -> Result<ConfigMap, RuntimeError> {
        self.cluster.connector_config(name)
    }

    /// Waits until the worker's offsets topic, and the connector's own when it has one, hold every
    /// offset written so far.
    async fn read_offsets_to_end(&self, config: &ConfigMap) -> Result<(), RuntimeError> {
        self.cluster.offsets.read_to_end().await.map_err(kafka)?;
        self.cluster.connector_offsets.read_to_end(config).await.map_err(kafka)
    }

    /// Refuses an offsets change while this worker still runs tasks of connector `name` (its stop
    /// is written but not yet carried out here), so that no task commits after the change.
    async fn refuse_while_tasks_run_here(&self, name: &str) -> Result<(), RuntimeError> {
        if self.cluster.work.lock().await.runs_tasks_of(name) {
            return Err(offsets_api::not_stopped(name));
        }
        Ok(())
    }

    async fn restart_here(&self, name: &str, task: u32) -> Result<bool, RuntimeError> {
        let item = (name.to_string(), task as i32);
        let mut local = self.cluster.work.lock().await;
        if !local.runs(&item) {
            return Ok(false);
        }
        let snapshot = self.cluster.snapshot();
        local.restart(&self.cluster.worker, &[item].into(), &snapshot).await;
        Ok(true)
    }
}

#[async_trait]
impl Herder for DistributedHerder {
    fn worker(&self) -> &Arc<Worker> {
        &self.cluster.worker
    }

    fn write_target(&self) -> Option<String> {
        let leader = self.cluster.leader();
        (!leader.is_me).then(|| leader.url.unwrap_or_default())
    }

    fn group(&self) -> Option<GroupView> {
        let leader = self.cluster.leader();
        Some(GroupView {
            group_id: self.cluster.settings.group_id.clone(),
            generation: self.cluster.generation.load(Ordering::Relaxed),
            leader_url: leader.url,
            is_leader: leader.is_me,
            scheme: self.scheme().to_string(),
        })
    }

    async fn put_task_configs(
        &self,
        name: &str,
        body: &[u8],
        signature: Option<(String, String)>,
    ) -> Result<(), RuntimeError> {
        self.verify_signed(body, signature)?;
        let tasks: Vec<ConfigMap> = serde_json::from_slice(body)
            .map_err(|err| RuntimeError::BadRequest(format!("task configurations: {err}")))?;
        leader::write_task_configs(&self.cluster, name, tasks).await
    }

    async fn fence_zombies(
        &self,
        name: &str,
        body: &[u8],
        signature: Option<(String, String)>,
    ) -> Result<(), RuntimeError> {
        self.verify_signed(body, signature)?;
        if !self.cluster.leader().is_me {
            return Err(RuntimeError::Kafka(
                "Only the leader may perform zombie fencing.".into(),
            ));
        }
        fencing::fence_zombies(&self.cluster, name).await
    }

    fn is_ready(&self) -> bool {
        self.cluster.joined.load(Ordering::Acquire)
    }

    /// Returns once the membership loop is free to apply work (it holds the local work while it
    /// starts and stops connectors and tasks); fails when that loop has ended.
    async fn health_check(&self) -> Result<(), RuntimeError> {
        let ended = self
            .membership
            .lock()
            .await
            .as_ref()
            .is_some_and(|handle| handle.is_finished());
        if ended && !self.cluster.stop.is_cancelled() {
            return Err(RuntimeError::Kafka("the worker's group membership has ended".into()));
        }
        drop(self.cluster.work.lock().await);
        Ok(())
    }

    async fn connector_names(&self) -> Vec<String> {
        self.cluster.snapshot().connectors.keys().cloned().collect()
    }

    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, RuntimeError> {
        self.info(name, &self.cluster.snapshot())
    }

    fn connector_status(&self, name: &str) -> Result<ConnectorStatus, RuntimeError> {
        let config = self.exists(name)?;
        let mut status = self
            .cluster
            .worker
            .statuses
            .connector(name)
            .ok_or_else(|| RuntimeError::NotFound(name.to_string()))?;
        let tasks = self.cluster.snapshot().tasks.get(name).map_or(0, Vec::len);
        status.tasks.retain(|t| (t.id as usize) < tasks);
        status.connector_type = self.connector_type(&config).to_string();
        Ok(status)
    }

    async fn create_connector(
        &self,
        config: ConfigMap,
        initial: Option<TargetState>,
    ) -> Result<ConnectorInfo, RuntimeError> {
        check_connector_config(&self.cluster.worker.registry, &config, &self.cluster.worker.config)?;
        let name = config[NAME].trim().to_string();
        if self.exists(&name).is_ok() {
            return Err(RuntimeError::AlreadyExists(name));
        }
        let mut records = Vec::new();
        if let Some(target) = initial {
            records.push(target_state_record(&name, Some(target)));
        }
        records.push(connector_record(&name, Some(&config)));
        self.cluster.write_config(records).await?;
        tracing::info!(connector = %name, "connector created");
        self.connector_info(&name).await
    }

    async fn put_connector_config(&self, name: &str, config: ConfigMap) -> Result<(bool, ConnectorInfo), RuntimeError> {
        check_connector_config(&self.cluster.worker.registry, &config, &self.cluster.worker.config)?;
        let created = self.exists(name).is_err();
        self.cluster
            .write_config(vec![connector_record(name, Some(&config))])
            .await?;
        Ok((created, self.connector_info(name).await?))
    }

    async fn delete_connector(&self, name: &str) -> Result<(), RuntimeError> {
        self.exists(name)?;
        self.cluster
            .write_config(vec![connector_record(name, None), target_state_record(name, None)])
            .await?;
        tracing::info!(connector = %name, "connector deleted");
        Ok(())
    }

    async fn task_infos(&self, name: &str) -> Result<Vec<TaskInfo>, RuntimeError> {
        self.exists(name)?;
        let snapshot = self.cluster.snapshot();
        let tasks = snapshot.tasks.get(name).cloned().unwrap_or_default();
        Ok(task_ids(name, tasks.len())
            .into_iter()
            .zip(tasks)
            .map(|(id, config)| TaskInfo { id, config })
            .collect())
    }

    async fn set_target_state(&self, name: &str, target: TargetState) -> Result<(), RuntimeError> {
        self.exists(name)?;
        let mut records = Vec::new();
        if target == TargetState::Stopped {
            records.extend(task_records(name, &[]));
        }
        records.push(target_state_record(name, Some(target)));
        self.cluster.write_config(records).await?;
        tracing::info!(connector = %name, target = target.name(), "target state changed");
        Ok(())
    }

    async fn restart_connector(
        &self,
        name: &str,
        request: RestartRequest,
    ) -> Result<Option<ConnectorStatus>, RuntimeError> {
        self.exists(name)?;
        let status = self.connector_status(name)?;
        if self.cluster.snapshot().target(name) == TargetState::Stopped {
            return Ok((request != RestartRequest::default()).then_some(status));
        }
        let (_, _, status) = request.plan(status);
        self.cluster.write_config(vec![restart_record(name, request)]).await?;
        Ok((request != RestartRequest::default()).then_some(status))
    }

    async fn restart_task(&self, name: &str, task: u32) -> Result<TaskRestart, RuntimeError> {
        let tasks = self.task_infos(name).await?;
        if task as usize >= tasks.len() {
            return Err(RuntimeError::NotFound(format!("{name}-{task}")));
        }
        if self.restart_here(name, task).await? {
            return Ok(TaskRestart::Done);
        }
        let owner = self
            .task_status(name, task)
            .ok()
            .filter(|status| status.status.state != State::Unassigned)
            .map(|status| status.status.worker_id)
            .ok_or_else(|| RuntimeError::Rejected {
                status: 409,
                message: format!("Task {name}-{task} is not running on any worker yet"),
            })?;
        Ok(TaskRestart::Elsewhere(format!("{}://{owner}/", self.scheme())))
    }

    async fn offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>, RuntimeError> {
        let config = self.exists(name)?;
        self.read_offsets_to_end(&config).await?;
        offsets_api::read_offsets(&self.cluster.worker, name, &config).await
    }

    async fn alter_offsets(&self, name: &str, offsets: Vec<ConnectorOffset>) -> Result<String, RuntimeError> {
        let config = self.exists(name)?;
        self.refuse_while_tasks_run_here(name).await?;
        let target = self.cluster.snapshot().target(name);
        offsets_api::alter_offsets(&self.cluster.worker, name, &config, target, offsets).await
    }

    async fn reset_offsets(&self, name: &str) -> Result<String, RuntimeError> {
        let config = self.exists(name)?;
        self.refuse_while_tasks_run_here(name).await?;
        self.read_offsets_to_end(&config).await?;
        let target = self.cluster.snapshot().target(name);
        offsets_api::reset_offsets(&self.cluster.worker, name, &config, target).await
    }
}

/// Serves connectors' requests for new task configurations until the worker stops: the worker
/// that runs the connector computes them, and the leader writes them when they changed, which
/// restarts the tasks wherever they run.
/// Takes the outcome of each connector start begun here, and sends the started connector's task
/// configurations to the leader, until the worker stops.
async fn follow_connector_starts(cluster: Arc<Cluster>, mut starts: UnboundedReceiver<StartedConnector>) {
    loop {
        let started = tokio::select! {
            _ = cluster.stop.cancelled() => return,
            started = starts.recv() => match started {
                Some(started) => started,
                None => return,
            },
        };
        let snapshot = cluster.snapshot();
        let publish = cluster
            .work
            .lock()
            .await
            .connector_started(&cluster.worker, started, &snapshot)
            .await;
        leader::submit_task_configs(&cluster, publish);
    }
}

async fn follow_task_reconfigurations(cluster: Arc<Cluster>) {
    loop {
        let requested = tokio::select! {
            _ = cluster.stop.cancelled() => return,
            requested = cluster.worker.reconfigurations.next() => requested,
        };
        let snapshot = cluster.snapshot();
        let publish = cluster
            .work
            .lock()
            .await
            .reconfigured(&cluster.worker, &requested, &snapshot);
        leader::submit_task_configs(&cluster, publish);
    }
}
