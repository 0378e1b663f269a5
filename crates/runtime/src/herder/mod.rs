//! The standalone herder: runs connectors and their tasks, changes them as the REST API asks, and
//! answers what it asks about them.

mod context;
pub(crate) use context::HerderContext;
mod contract;
mod managed;

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::ConfigMap;
use kconnect_storage::TargetStateFile;
use serde::Serialize;
use tokio::sync::Mutex;

pub use contract::Herder;
use managed::ManagedConnector;

use crate::connector_config::{NAME, check_connector_config};
use crate::error::RuntimeError;
use crate::offsets_api::{self, ConnectorOffset};
use crate::status::{ConnectorStatus, State};
use crate::target_state::TargetState;
use crate::worker::Worker;

/// A task's id, as the REST API shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorTaskId {
    /// The connector.
    pub connector: String,
    /// The task number.
    pub task: u32,
}

/// `GET /connectors/{c}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorInfo {
    /// The connector's name.
    pub name: String,
    /// Its configuration.
    pub config: ConfigMap,
    /// Its tasks.
    pub tasks: Vec<ConnectorTaskId>,
    /// `source` or `sink`.
    #[serde(rename = "type")]
    pub connector_type: String,
}

/// An element of `GET /connectors/{c}/tasks`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskInfo {
    /// The task's id.
    pub id: ConnectorTaskId,
    /// The task's configuration.
    pub config: ConfigMap,
}

/// What `POST /connectors/{c}/restart` restarts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RestartRequest {
    /// Restart the tasks too (`includeTasks`).
    pub include_tasks: bool,
    /// Restart only what FAILED (`onlyFailed`).
    pub only_failed: bool,
}

impl RestartRequest {
    /// What this request restarts given the connector's `status`: the connector itself, which
    /// tasks, and the status to answer with (RESTARTING for what restarts).
    pub fn plan(self, mut status: ConnectorStatus) -> (bool, Vec<u32>, ConnectorStatus) {
        let failed = |state: State| state == State::Failed;
        let restart_connector = !self.only_failed || failed(status.connector.state);
        let tasks: Vec<u32> = status
            .tasks
            .iter()
            .filter(|t| self.include_tasks && (!self.only_failed || failed(t.status.state)))
            .map(|t| t.id)
            .collect();
        if restart_connector {
            status.connector.state = State::Restarting;
        }
        for task in status.tasks.iter_mut().filter(|t| tasks.contains(&t.id)) {
            task.status.state = State::Restarting;
            task.status.trace = None;
        }
        (restart_connector, tasks, status)
    }
}

/// The ids of a connector's `count` tasks.
pub fn task_ids(name: &str, count: usize) -> Vec<ConnectorTaskId> {
    (0..count as u32)
        .map(|task| ConnectorTaskId {
            connector: name.to_string(),
            task,
        })
        .collect()
}

impl ManagedConnector {
    fn info(&self) -> ConnectorInfo {
        ConnectorInfo {
            name: self.name.clone(),
            config: self.config.clone(),
            tasks: task_ids(&self.name, self.task_configs.len()),
            connector_type: self.connector_type.to_string(),
        }
    }
}

/// Runs connectors on this worker.
pub struct StandaloneHerder {
    worker: Arc<Worker>,
    target_states: Option<TargetStateFile>,
    connectors: Mutex<BTreeMap<String, ManagedConnector>>,
}

impl StandaloneHerder {
    /// A herder running nothing yet; target states persist in `target_states` when given.
    pub fn new(worker: Arc<Worker>, target_states: Option<TargetStateFile>) -> Self {
        Self {
            worker,
            target_states,
            connectors: Mutex::default(),
        }
    }

    fn not_found(name: &str) -> RuntimeError {
        RuntimeError::NotFound(name.to_string())
    }

    fn persist_target(&self, name: &str, target: Option<TargetState>) -> Result<(), RuntimeError> {
        if let Some(file) = &self.target_states {
            file.set(name, target.map(TargetState::name))?;
        }
        Ok(())
    }

    /// The target a connector starts in: `initial` when given, else what was stored, else STARTED.
    fn initial_target(&self, name: &str, initial: Option<TargetState>) -> TargetState {
        initial
            .or_else(|| {
                let stored = self.target_states.as_ref()?.get(name)?;
                stored.parse().ok()
            })
            .unwrap_or_default()
    }

    /// A connector's configuration and target state.
    async fn config_and_target(&self, name: &str) -> Result<(ConfigMap, TargetState), RuntimeError> {
        let connectors = self.connectors.lock().await;
        let managed = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        Ok((managed.config.clone(), managed.target()))
    }

    /// A connector's target state.
    pub async fn target_state(&self, name: &str) -> Result<TargetState, RuntimeError> {
        let connectors = self.connectors.lock().await;
        connectors
            .get(name)
            .map(ManagedConnector::target)
            .ok_or_else(|| Self::not_found(name))
    }

    /// Serves connectors' requests for new task configurations until the process ends; run it on
    /// its own task.
    pub async fn follow_task_reconfigurations(self: Arc<Self>) {
        loop {
            let requested = self.worker.reconfigurations.next().await;
            let mut connectors = self.connectors.lock().await;
            for name in requested {
                if let Some(managed) = connectors.get_mut(&name) {
                    managed.reconfigure_tasks(&self.worker).await;
                }
            }
        }
    }

    /// Stops every connector and task (committing offsets), within
    /// `task.shutdown.graceful.timeout.ms` for the tasks of each connector.
    pub async fn stop(&self) {
        let mut connectors = self.connectors.lock().await;
        for managed in connectors.values_mut() {
            managed.stop(&self.worker).await;
        }
        tracing::info!("herder stopped");
    }
}

#[async_trait]
impl Herder for StandaloneHerder {
    /// The worker.
    fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Validates, starts and records a new connector; `initial` overrides a stored target state.
    async fn create_connector(
        &self,
        config: ConfigMap,
        initial: Option<TargetState>,
    ) -> Result<ConnectorInfo, RuntimeError> {
        check_connector_config(&self.worker.registry, &config)?;
        let name = config[NAME].trim().to_string();
        let mut connectors = self.connectors.lock().await;
        if connectors.contains_key(&name) {
            return Err(RuntimeError::AlreadyExists(name));
        }
        let target = self.initial_target(&name, initial);
        let mut managed = ManagedConnector::new(&self.worker, name.clone(), config, target)?;
        managed.start(&self.worker).await;
        self.persist_target(&name, Some(target))?;
        let info = managed.info();
        connectors.insert(name, managed);
        Ok(info)
    }

    /// Creates the connector or replaces its configuration (restarting it); `true` when created.
    async fn put_connector_config(&self, name: &str, config: ConfigMap) -> Result<(bool, ConnectorInfo), RuntimeError> {
        check_connector_config(&self.worker.registry, &config)?;
        let mut connectors = self.connectors.lock().await;
        let Some(managed) = connectors.get_mut(name) else {
            drop(connectors);
            return self.create_connector(config, None).await.map(|info| (true, info));
        };
        let target = managed.target();
        managed.stop(&self.worker).await;
        self.worker.statuses.remove_tasks(name);
        let mut replacement = ManagedConnector::new(&self.worker, name.to_string(), config, target)?;
        replacement.start(&self.worker).await;
        let info = replacement.info();
        *managed = replacement;
        Ok((false, info))
    }

    /// Stops and forgets a connector.
    async fn delete_connector(&self, name: &str) -> Result<(), RuntimeError> {
        let mut managed = self
            .connectors
            .lock()
            .await
            .remove(name)
            .ok_or_else(|| Self::not_found(name))?;
        managed.stop(&self.worker).await;
        self.worker.statuses.remove(name);
        self.worker.active_topics.reset(name);
        self.worker.forget_metrics(name);
        self.persist_target(name, None)?;
        tracing::info!(connector = %name, "connector deleted");
        Ok(())
    }

    /// Pauses, resumes or stops a connector, and remembers the target across restarts.
    async fn set_target_state(&self, name: &str, target: TargetState) -> Result<(), RuntimeError> {
        let mut connectors = self.connectors.lock().await;
        let managed = connectors.get_mut(name).ok_or_else(|| Self::not_found(name))?;
        let previous = managed.target();
        match (previous, target) {
            (_, TargetState::Stopped) => {
                managed.target.send_replace(TargetState::Stopped);
                managed.stop(&self.worker).await;
                managed.task_configs.clear();
                self.worker.statuses.remove_tasks(name);
                self.worker
                    .statuses
                    .put_connector(name, managed.connector_type, State::Stopped, None);
            }
            (TargetState::Stopped, _) => {
                managed.target.send_replace(target);
                managed.start(&self.worker).await;
            }
            _ => managed.set_running_target(&self.worker, target),
        }
        self.persist_target(name, Some(target))?;
        tracing::info!(connector = %name, target = target.name(), "target state changed");
        Ok(())
    }

    /// Restarts a connector and, as asked, its tasks. Returns the status showing RESTARTING for
    /// what is restarted, or `None` for the plain connector restart (Apache's 204 case).
    async fn restart_connector(
        &self,
        name: &str,
        request: RestartRequest,
    ) -> Result<Option<ConnectorStatus>, RuntimeError> {
        let mut connectors = self.connectors.lock().await;
        let managed = connectors.get_mut(name).ok_or_else(|| Self::not_found(name))?;
        let status = self.connector_status(name)?;
        if managed.target() == TargetState::Stopped {
            return Ok((request != RestartRequest::default()).then_some(status));
        }
        let (restart_connector, tasks, status) = request.plan(status);
        if restart_connector {
            managed.restart_instance(&self.worker).await;
        }
        let timeout = self.worker.config.graceful_shutdown_timeout();
        for id in &tasks {
            managed.stop_task(*id, timeout).await;
            managed.start_task(&self.worker, *id);
        }
        tracing::info!(connector = %name, tasks = ?tasks, "restarted");
        Ok((request != RestartRequest::default()).then_some(status))
    }

    /// Restarts one task.
    async fn restart_task(&self, name: &str, task: u32) -> Result<(), RuntimeError> {
        let mut connectors = self.connectors.lock().await;
        let managed = connectors.get_mut(name).ok_or_else(|| Self::not_found(name))?;
        if task as usize >= managed.task_configs.len() {
            return Err(RuntimeError::NotFound(format!("{name}-{task}")));
        }
        managed
            .stop_task(task, self.worker.config.graceful_shutdown_timeout())
            .await;
        managed.start_task(&self.worker, task);
        Ok(())
    }

    /// The connector's offsets (KIP-875).
    async fn offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>, RuntimeError> {
        let info = self.connector_info(name).await?;
        offsets_api::read_offsets(&self.worker, name, &info.config).await
    }

    /// Writes offsets of a STOPPED connector (`None` resets a partition); returns Apache's message.
    async fn alter_offsets(&self, name: &str, offsets: Vec<ConnectorOffset>) -> Result<String, RuntimeError> {
        let (config, target) = self.config_and_target(name).await?;
        offsets_api::alter_offsets(&self.worker, name, &config, target, offsets).await
    }

    /// Resets every offset of a STOPPED connector; returns Apache's message.
    async fn reset_offsets(&self, name: &str) -> Result<String, RuntimeError> {
        let (config, target) = self.config_and_target(name).await?;
        offsets_api::reset_offsets(&self.worker, name, &config, target).await
    }

    /// The names of the connectors, sorted.
    async fn connector_names(&self) -> Vec<String> {
        self.connectors.lock().await.keys().cloned().collect()
    }

    /// A connector's name, config, tasks and type.
    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, RuntimeError> {
        let connectors = self.connectors.lock().await;
        connectors
            .get(name)
            .map(ManagedConnector::info)
            .ok_or_else(|| Self::not_found(name))
    }

    /// A connector's task configurations.
    async fn task_infos(&self, name: &str) -> Result<Vec<TaskInfo>, RuntimeError> {
        let connectors = self.connectors.lock().await;
        let managed = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        Ok(task_ids(name, managed.task_configs.len())
            .into_iter()
            .zip(&managed.task_configs)
            .map(|(id, config)| TaskInfo {
                id,
                config: config.clone(),
            })
            .collect())
    }

    /// A connector's status with its tasks.
    fn connector_status(&self, name: &str) -> Result<ConnectorStatus, RuntimeError> {
        self.worker
            .statuses
            .connector(name)
            .ok_or_else(|| Self::not_found(name))
    }
}
