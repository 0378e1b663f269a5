//! The standalone herder: runs connectors and their tasks, changes them as the REST API asks, and
//! answers what it asks about them.

mod context;
mod managed;

use std::collections::BTreeMap;
use std::sync::Arc;

use kconnect_api::ConfigMap;
use kconnect_storage::TargetStateFile;
use serde::Serialize;
use tokio::sync::Mutex;

use managed::ManagedConnector;

use crate::connector_config::{NAME, check_connector_config};
use crate::error::RuntimeError;
use crate::offsets_api::{self, ConnectorOffset};
use crate::status::{ConnectorStatus, State, TaskStatus};
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

fn task_ids(name: &str, count: usize) -> Vec<ConnectorTaskId> {
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

    /// The worker.
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
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

    /// Validates, starts and records a new connector; `initial` overrides a stored target state.
    pub async fn create_connector(
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
    pub async fn put_connector_config(
        &self,
        name: &str,
        config: ConfigMap,
    ) -> Result<(bool, ConnectorInfo), RuntimeError> {
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

    /// Merges `patch` into the configuration (a `None` value removes the key) and applies it.
    pub async fn patch_connector_config(
        &self,
        name: &str,
        patch: BTreeMap<String, Option<String>>,
    ) -> Result<ConnectorInfo, RuntimeError> {
        let mut config = self.connector_info(name).await?.config;
        for (key, value) in patch {
            match value {
                Some(value) => config.insert(key, value),
                None => config.remove(&key),
            };
        }
        self.put_connector_config(name, config).await.map(|(_, info)| info)
    }

    /// Stops and forgets a connector.
    pub async fn delete_connector(&self, name: &str) -> Result<(), RuntimeError> {
        let mut managed = self
            .connectors
            .lock()
            .await
            .remove(name)
            .ok_or_else(|| Self::not_found(name))?;
        managed.stop(&self.worker).await;
        self.worker.statuses.remove(name);
        self.worker.forget_metrics(name);
        self.persist_target(name, None)?;
        tracing::info!(connector = %name, "connector deleted");
        Ok(())
    }

    /// Pauses, resumes or stops a connector, and remembers the target across restarts.
    pub async fn set_target_state(&self, name: &str, target: TargetState) -> Result<(), RuntimeError> {
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
    pub async fn restart_connector(
        &self,
        name: &str,
        request: RestartRequest,
    ) -> Result<Option<ConnectorStatus>, RuntimeError> {
        let mut connectors = self.connectors.lock().await;
        let managed = connectors.get_mut(name).ok_or_else(|| Self::not_found(name))?;
        let mut status = self.connector_status(name)?;
        let failed = |state: State| state == State::Failed;
        let restart_connector = !request.only_failed || failed(status.connector.state);
        let tasks: Vec<u32> = status
            .tasks
            .iter()
            .filter(|t| request.include_tasks && (!request.only_failed || failed(t.status.state)))
            .map(|t| t.id)
            .collect();
        if managed.target() == TargetState::Stopped {
            return Ok((request != RestartRequest::default()).then_some(status));
        }
        if restart_connector {
            status.connector.state = State::Restarting;
        }
        for task in status.tasks.iter_mut().filter(|t| tasks.contains(&t.id)) {
            task.status.state = State::Restarting;
            task.status.trace = None;
        }
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
    pub async fn restart_task(&self, name: &str, task: u32) -> Result<(), RuntimeError> {
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

    /// The configuration of a connector that must be STOPPED for its offsets to change.
    async fn stopped_config(&self, name: &str) -> Result<ConfigMap, RuntimeError> {
        let connectors = self.connectors.lock().await;
        let managed = connectors.get(name).ok_or_else(|| Self::not_found(name))?;
        if managed.target() != TargetState::Stopped {
            return Err(RuntimeError::BadRequest(format!(
                "Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/{name}/stop' endpoint"
            )));
        }
        Ok(managed.config.clone())
    }

    /// Runs blocking Kafka calls of the offsets API off the async threads.
    async fn blocking<T: Send + 'static>(
        &self,
        call: impl FnOnce(&Worker) -> Result<T, RuntimeError> + Send + 'static,
    ) -> Result<T, RuntimeError> {
        let worker = self.worker.clone();
        tokio::task::spawn_blocking(move || call(&worker))
            .await
            .map_err(|err| RuntimeError::Kafka(err.to_string()))?
    }

    /// The connector's offsets (KIP-875).
    pub async fn offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>, RuntimeError> {
        let info = self.connector_info(name).await?;
        if info.connector_type == "source" {
            return Ok(offsets_api::source_offsets(&self.worker, name));
        }
        let name = name.to_string();
        self.blocking(move |worker| offsets_api::sink_offsets(worker, &name, &info.config))
            .await
    }

    /// Writes offsets of a STOPPED connector (`None` resets a partition); returns Apache's message.
    pub async fn alter_offsets(&self, name: &str, offsets: Vec<ConnectorOffset>) -> Result<String, RuntimeError> {
        if offsets.is_empty() {
            return Err(RuntimeError::BadRequest(
                "The offsets to be altered may not be empty".into(),
            ));
        }
        self.write_offsets(name, offsets, "altered").await
    }

    /// Resets every offset of a STOPPED connector; returns Apache's message.
    pub async fn reset_offsets(&self, name: &str) -> Result<String, RuntimeError> {
        let config = self.stopped_config(name).await?;
        let offsets = match self
            .worker
            .registry
            .connector(&config[crate::connector_config::CONNECTOR_CLASS])?
        {
            kconnect_api::ConnectorKind::Source(_) => offsets_api::source_offsets(&self.worker, name)
                .into_iter()
                .map(|o| ConnectorOffset { offset: None, ..o })
                .collect(),
            kconnect_api::ConnectorKind::Sink(_) => {
                let owned = name.to_string();
                self.blocking(move |worker| offsets_api::all_sink_partitions(worker, &owned, &config))
                    .await?
            }
        };
        self.write_offsets(name, offsets, "reset").await
    }

    async fn write_offsets(
        &self,
        name: &str,
        offsets: Vec<ConnectorOffset>,
        verb: &str,
    ) -> Result<String, RuntimeError> {
        let config = self.stopped_config(name).await?;
        let connector = self
            .worker
            .registry
            .connector(&config[crate::connector_config::CONNECTOR_CLASS])?;
        let entries: Vec<_> = offsets
            .iter()
            .map(|o| (o.partition.clone(), o.offset.clone()))
            .collect();
        let complete = connector
            .connector()
            .alter_offsets(&config, &entries)
            .map_err(|err| RuntimeError::BadRequest(err.to_string()))?;
        match connector {
            kconnect_api::ConnectorKind::Source(_) => offsets_api::write_source_offsets(&self.worker, name, &offsets)?,
            kconnect_api::ConnectorKind::Sink(_) => {
                let owned = name.to_string();
                self.blocking(move |worker| offsets_api::write_sink_offsets(worker, &owned, &config, &offsets))
                    .await?
            }
        }
        tracing::info!(connector = %name, verb, "offsets changed");
        Ok(if complete {
            format!("The offsets for this connector have been {verb} successfully")
        } else {
            format!(
                "The Connect framework-managed offsets for this connector have been {verb} successfully. However, if this connector manages offsets externally, they will need to be manually {verb} in the system that the connector uses."
            )
        })
    }

    /// The names of the connectors, sorted.
    pub async fn connector_names(&self) -> Vec<String> {
        self.connectors.lock().await.keys().cloned().collect()
    }

    /// A connector's name, config, tasks and type.
    pub async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, RuntimeError> {
        let connectors = self.connectors.lock().await;
        connectors
            .get(name)
            .map(ManagedConnector::info)
            .ok_or_else(|| Self::not_found(name))
    }

    /// A connector's target state.
    pub async fn target_state(&self, name: &str) -> Result<TargetState, RuntimeError> {
        let connectors = self.connectors.lock().await;
        connectors
            .get(name)
            .map(ManagedConnector::target)
            .ok_or_else(|| Self::not_found(name))
    }

    /// A connector's task configurations.
    pub async fn task_infos(&self, name: &str) -> Result<Vec<TaskInfo>, RuntimeError> {
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
    pub fn connector_status(&self, name: &str) -> Result<ConnectorStatus, RuntimeError> {
        self.worker
            .statuses
            .connector(name)
            .ok_or_else(|| Self::not_found(name))
    }

    /// One task's status.
    pub fn task_status(&self, name: &str, task: u32) -> Result<TaskStatus, RuntimeError> {
        self.connector_status(name)?
            .tasks
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| RuntimeError::NotFound(format!("{name}-{task}")))
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
