//! One connector as the herder manages it: its configuration, target state, the started connector
//! instance and its running tasks.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::{ConfigMap, ConnectorKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use super::context::HerderContext;
use crate::config_providers::ConfigProviders;
use crate::connector_config::{CONNECTOR_CLASS, TASKS_MAX, TOPICS, TOPICS_REGEX};
use crate::error::RuntimeError;
use crate::sink_task::run_sink_task;
use crate::source_task::run_source_task;
use crate::status::State;
use crate::target_state::TargetState;
use crate::worker::{TaskSpec, Worker};

/// A running task.
pub(super) struct RunningTask {
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

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
        match self.target() {
            TargetState::Paused => State::Paused,
            _ => State::Running,
        }
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
        let mut instance = worker.registry.connector(&self.config[CONNECTOR_CLASS])?;
        let context = Arc::new(HerderContext {
            name: self.name.clone(),
            connector_type: self.connector_type,
            worker: worker.clone(),
        });
        let resolved = worker.config_providers.resolve(&self.config)?;
        instance.connector_mut().start(context, resolved.clone()).await?;
        let max_tasks = self
            .config
            .get(TASKS_MAX)
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(1usize);
        let task_configs = instance.connector().task_configs(max_tasks)?;
        let task_configs = task_configs
            .into_iter()
            .map(|task| ConfigProviders::unresolve(&self.config, &resolved, task))
            .map(|task| self.complete_task_config(worker, task))
            .collect();
        self.instance = Some(instance);
        Ok(task_configs)
    }

    /// Adds what the runtime puts in every task config: `task.class`, and a sink's topics.
    fn complete_task_config(&self, worker: &Worker, mut task: ConfigMap) -> ConfigMap {
        let class = worker
            .registry
            .connector_class(&self.config[CONNECTOR_CLASS])
            .unwrap_or_default();
        let task_class = class
            .strip_suffix("Connector")
            .map_or_else(|| format!("{class}Task"), |base| format!("{base}Task"));
        task.insert("task.class".into(), task_class);
        if self.connector_type == "sink" {
            for key in [TOPICS, TOPICS_REGEX] {
                if let Some(value) = self.config.get(key) {
                    task.insert(key.into(), value.clone());
                }
            }
        }
        task
    }

    /// Restarts the connector instance; its tasks keep running unless their configurations changed.
    pub(super) async fn restart_instance(&mut self, worker: &Arc<Worker>) {
        let Some(mut instance) = self.instance.take() else {
            self.stop(worker).await;
            self.start(worker).await;
            return;
        };
        if let Err(err) = instance.connector_mut().stop().await {
            tracing::warn!(connector = %self.name, error = %err, "connector failed to stop cleanly");
        }
        match self.start_instance(worker).await {
            Ok(task_configs) => {
                worker
                    .statuses
                    .put_connector(&self.name, self.connector_type, self.running_state(), None);
                if task_configs != self.task_configs {
                    let tasks: Vec<RunningTask> = std::mem::take(&mut self.tasks).into_values().collect();
                    stop_all(tasks, worker.config.graceful_shutdown_timeout()).await;
                    worker.statuses.remove_tasks(&self.name);
                    self.task_configs = task_configs;
                    for id in 0..self.task_configs.len() as u32 {
                        self.start_task(worker, id);
                    }
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

    /// Starts task `id` from its stored configuration.
    pub(super) fn start_task(&mut self, worker: &Arc<Worker>, id: u32) {
        let (Some(instance), Some(task_config)) = (&self.instance, self.task_configs.get(id as usize)) else {
            return;
        };
        let resolved = worker
            .config_providers
            .resolve(&self.config)
            .and_then(|connector_config| Ok((connector_config, worker.config_providers.resolve(task_config)?)));
        let (connector_config, task_config) = match resolved {
            Ok(configs) => configs,
            Err(err) => {
                worker
                    .statuses
                    .put_task(&self.name, id, State::Failed, Some(err.to_string()));
                return;
            }
        };
        let spec = TaskSpec {
            connector: self.name.clone(),
            id,
            connector_config,
            task_config,
        };
        worker
            .statuses
            .put_task(&spec.connector, id, self.running_state(), None);
        let stop = CancellationToken::new();
        let token = stop.clone();
        let target = self.target.subscribe();
        let worker = worker.clone();
        let handle = match instance {
            ConnectorKind::Source(source) => {
                let task = source.create_task();
                tokio::spawn(async move {
                    let result = run_source_task(worker.clone(), spec.clone(), task, target, token).await;
                    record_outcome(&worker, &spec, result);
                })
            }
            ConnectorKind::Sink(sink) => {
                let task = sink.create_task();
                tokio::spawn(async move {
                    let result = run_sink_task(worker.clone(), spec.clone(), task, target, token).await;
                    record_outcome(&worker, &spec, result);
                })
            }
        };
        self.tasks.insert(id, RunningTask { stop, handle });
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
        if let Some(mut instance) = self.instance.take()
            && let Err(err) = instance.connector_mut().stop().await
        {
            tracing::warn!(connector = %self.name, error = %err, "connector failed to stop cleanly");
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

/// Asks every task to stop and waits for all of them together at most `timeout`, aborting the rest.
async fn stop_all(tasks: Vec<RunningTask>, timeout: Duration) {
    for task in &tasks {
        task.stop.cancel();
    }
    let deadline = tokio::time::Instant::now() + timeout;
    for task in tasks {
        let abort = task.handle.abort_handle();
        if tokio::time::timeout_at(deadline, task.handle).await.is_err() {
            tracing::warn!("task did not stop within task.shutdown.graceful.timeout.ms; aborting it");
            abort.abort();
        }
    }
}

fn record_outcome(worker: &Worker, spec: &TaskSpec, result: Result<(), RuntimeError>) {
    match result {
        Ok(()) => worker
            .statuses
            .put_task(&spec.connector, spec.id, State::Unassigned, None),
        Err(err) => {
            tracing::error!(task = %spec.name(), error = %err, "task failed; it will not be restarted until restarted by hand");
            worker
                .statuses
                .put_task(&spec.connector, spec.id, State::Failed, Some(err.to_string()));
        }
    }
}
