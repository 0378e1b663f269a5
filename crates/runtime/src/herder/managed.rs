//! One connector as the herder manages it: its configuration, target state, the started connector
//! instance and its running tasks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::{ConfigMap, ConnectorKind};
use tokio::sync::watch;

use crate::connector_config::CONNECTOR_CLASS;
use crate::error::RuntimeError;
use crate::runner::{
    RunningTask, TaskChecks, running_state, start_connector, start_task, stop_all, stop_connector, task_configs,
};
use crate::status::State;
use crate::target_state::TargetState;
use crate::worker::{TaskSpec, Worker};

/// A connector and its tasks.
pub(super) struct ManagedConnector {
    pub(super) name: String,
    pub(super) config: ConfigMap,
    pub(super) connector_type: &'static str,
    pub(super) target: watch::Sender<TargetState>,
    /// The started connector; `None` while stopped or after it failed to start.
    instance: Option<ConnectorKind>,
    pub(super) task_configs: Vec<ConfigMap>,
    tasks: BTreeMap<u32, RunningTask>,
}

impl ManagedConnector {
    /// A connector not yet started.
    pub(super) fn new(
        worker: &Worker,
        name: String,
        config: ConfigMap,
        target: TargetState,
    ) -> Result<Self, RuntimeError> {
        let connector_type = worker.registry.connector(&config[CONNECTOR_CLASS])?.type_name();
        Ok(Self {
            name,
            config,
            connector_type,
            target: watch::channel(target).0,
            instance: None,
            task_configs: Vec::new(),
            tasks: BTreeMap::new(),
        })
    }

    pub(super) fn target(&self) -> TargetState {
        *self.target.borrow()
    }

    /// The connector's state for its current target.
    fn running_state(&self) -> State {
        running_state(self.target())
    }

    /// Starts the connector and its tasks unless the target is STOPPED; a connector that fails to
    /// start is marked FAILED and keeps no tasks.
    pub(super) async fn start(&mut self, worker: &Arc<Worker>) {
        let statuses = &worker.statuses;
        if self.target() == TargetState::Stopped {
            statuses.put_connector(&self.name, self.connector_type, State::Stopped, None);
            return;
        }
        statuses.put_connector(&self.name, self.connector_type, State::Unassigned, None);
        let started = self.start_instance(worker).await;
        match started {
            Ok(task_configs) => {
                statuses.put_connector(&self.name, self.connector_type, self.running_state(), None);
                self.task_configs = task_configs;
                for id in 0..self.task_configs.len() as u32 {
                    self.start_task(worker, id);
                }
                tracing::info!(connector = %self.name, tasks = self.tasks.len(), "connector started");
            }
            Err(err) => {
                tracing::error!(connector = %self.name, error = %err, "connector failed to start");
                statuses.put_connector(&self.name, self.connector_type, State::Failed, Some(err.to_string()));
            }
        }
    }

    async fn start_instance(&mut self, worker: &Arc<Worker>) -> Result<Vec<ConfigMap>, RuntimeError> {
        let (instance, task_configs) = start_connector(worker, &self.name, &self.config).await?;
        self.instance = Some(instance);
        Ok(task_configs)
    }

    /// Restarts the connector instance; its tasks keep running unless their configurations changed.
    pub(super) async fn restart_instance(&mut self, worker: &Arc<Worker>) {
        let Some(instance) = self.instance.take() else {
            self.stop(worker).await;
            self.start(worker).await;
            return;
        };
        stop_connector(&self.name, instance).await;
        match self.start_instance(worker).await {
            Ok(task_configs) => {
                worker
                    .statuses
                    .put_connector(&self.name, self.connector_type, self.running_state(), None);
                if task_configs != self.task_configs {
                    self.replace_tasks(worker, task_configs).await;
                }
            }
            Err(err) => {
                tracing::error!(connector = %self.name, error = %err, "connector failed to restart");
                worker
                    .statuses
                    .put_connector(&self.name, self.connector_type, State::Failed, Some(err.to_string()));
            }
        }
    }

    /// Computes the task configurations again, as the started connector asked; tasks restart only
    /// when their configurations changed.
    pub(super) async fn reconfigure_tasks(&mut self, worker: &Arc<Worker>) {
        let Some(instance) = &self.instance else {
            return;
        };
        match task_configs(worker, &self.config, instance) {
            Ok(task_configs) if task_configs != self.task_configs => {
                tracing::info!(connector = %self.name, tasks = task_configs.len(), "reconfiguring tasks");
                self.replace_tasks(worker, task_configs).await;
            }
            Ok(_) => {}
            Err(err) => {
                tracing::error!(connector = %self.name, error = %err, "connector could not reconfigure its tasks")
            }
        }
    }

    /// Stops every task and starts `task_configs` in their place.
    async fn replace_tasks(&mut self, worker: &Arc<Worker>, task_configs: Vec<ConfigMap>) {
        let tasks: Vec<RunningTask> = std::mem::take(&mut self.tasks).into_values().collect();
        stop_all(tasks, worker.config.graceful_shutdown_timeout()).await;
        worker.statuses.remove_tasks(&self.name);
        self.task_configs = task_configs;
        for id in 0..self.task_configs.len() as u32 {
            self.start_task(worker, id);
        }
    }

    /// Starts task `id` from its stored configuration.
    pub(super) fn start_task(&mut self, worker: &Arc<Worker>, id: u32) {
        let (Some(instance), Some(task_config)) = (&self.instance, self.task_configs.get(id as usize)) else {
            return;
        };
        let started = start_task(
            worker,
            instance,
            TaskSpec {
                connector: self.name.clone(),
                id,
                connector_config: self.config.clone(),
                task_config: task_config.clone(),
            },
            self.target.subscribe(),
            TaskChecks::default(),
        );
        if let Some(task) = started {
            self.tasks.insert(id, task);
        }
    }

    /// Stops task `id`, waiting at most `timeout`.
    pub(super) async fn stop_task(&mut self, id: u32, timeout: Duration) {
        if let Some(task) = self.tasks.remove(&id) {
            stop_all(vec![task], timeout).await;
        }
    }

    /// Stops every task, then the connector instance.
    pub(super) async fn stop(&mut self, worker: &Worker) {
        let tasks: Vec<RunningTask> = std::mem::take(&mut self.tasks).into_values().collect();
        stop_all(tasks, worker.config.graceful_shutdown_timeout()).await;
        if let Some(instance) = self.instance.take() {
            stop_connector(&self.name, instance).await;
        }
    }

    /// Tells the tasks the new target and records the matching statuses.
    pub(super) fn set_running_target(&mut self, worker: &Worker, target: TargetState) {
        self.target.send_replace(target);
        let state = self.running_state();
        if self.instance.is_some() {
            worker
                .statuses
                .put_connector(&self.name, self.connector_type, state, None);
        }
        for id in self.tasks.keys() {
            worker.statuses.put_task(&self.name, *id, state, None);
        }
    }
}
