//! The standalone herder: runs the connectors given on the command line (and, later, over REST) and
//! answers what the REST API asks about them.

use std::collections::BTreeMap;
use std::sync::Arc;

use kconnect_api::{ConfigMap, ConnectorContext, ConnectorKind};
use serde::Serialize;
use tokio::sync::Mutex;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::connector_config::{CONNECTOR_CLASS, NAME, TASKS_MAX, TOPICS, TOPICS_REGEX, check_connector_config};
use crate::error::RuntimeError;
use crate::sink_task::run_sink_task;
use crate::source_task::run_source_task;
use crate::status::{ConnectorStatus, State, TaskStatus};
use crate::worker::{TaskSpec, Worker};

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

struct RunningTask {
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

struct RunningConnector {
    config: ConfigMap,
    connector: ConnectorKind,
    task_configs: Vec<ConfigMap>,
    tasks: Vec<RunningTask>,
}

impl RunningConnector {
    fn info(&self, name: &str) -> ConnectorInfo {
        ConnectorInfo {
            name: name.to_string(),
            config: self.config.clone(),
            tasks: (0..self.task_configs.len() as u32)
                .map(|task| ConnectorTaskId {
                    connector: name.to_string(),
                    task,
                })
                .collect(),
            connector_type: self.connector.type_name().to_string(),
        }
    }
}

/// What a connector may ask of the standalone herder.
struct HerderContext {
    name: String,
    connector_type: &'static str,
    worker: Arc<Worker>,
}

impl ConnectorContext for HerderContext {
    fn request_task_reconfiguration(&self) {
        tracing::warn!(connector = %self.name, "task reconfiguration takes effect when the connector is restarted");
    }

    fn raise_error(&self, error: String) {
        tracing::error!(connector = %self.name, %error, "connector failed");
        self.worker
            .statuses
            .put_connector(&self.name, self.connector_type, State::Failed, Some(error));
    }
}

/// Runs connectors on this worker.
pub struct StandaloneHerder {
    worker: Arc<Worker>,
    connectors: Mutex<BTreeMap<String, RunningConnector>>,
}

/// Asks every task to stop and waits for all of them together at most `timeout`, aborting the rest.
async fn stop_tasks(tasks: Vec<RunningTask>, timeout: std::time::Duration) {
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

impl StandaloneHerder {
    /// A herder running nothing yet.
    pub fn new(worker: Arc<Worker>) -> Self {
        Self {
            worker,
            connectors: Mutex::default(),
        }
    }

    /// The worker.
    pub fn worker(&self) -> &Arc<Worker> {
        &self.worker
    }

    /// Validates, starts and records a connector and its tasks.
    pub async fn create_connector(&self, config: ConfigMap) -> Result<ConnectorInfo, RuntimeError> {
        check_connector_config(&self.worker.registry, &config)?;
        let name = config[NAME].trim().to_string();
        let mut connectors = self.connectors.lock().await;
        if connectors.contains_key(&name) {
            return Err(RuntimeError::AlreadyExists(name));
        }
        let mut connector = self.worker.registry.connector(&config[CONNECTOR_CLASS])?;
        let connector_type = connector.type_name();
        let statuses = &self.worker.statuses;
        statuses.put_connector(&name, connector_type, State::Unassigned, None);
        let context = Arc::new(HerderContext {
            name: name.clone(),
            connector_type,
            worker: self.worker.clone(),
        });
        let started = connector.connector_mut().start(context, config.clone()).await;
        let task_configs = started.and_then(|()| {
            let max_tasks = config
                .get(TASKS_MAX)
                .and_then(|t| t.trim().parse().ok())
                .unwrap_or(1usize);
            connector.connector().task_configs(max_tasks)
        });
        let mut running = RunningConnector {
            config: config.clone(),
            connector,
            task_configs: Vec::new(),
            tasks: Vec::new(),
        };
        match task_configs {
            Ok(task_configs) => {
                statuses.put_connector(&name, connector_type, State::Running, None);
                running.task_configs = task_configs
                    .into_iter()
                    .map(|task| self.complete_task_config(&running, task))
                    .collect();
                running.tasks = running
                    .task_configs
                    .iter()
                    .enumerate()
                    .map(|(id, task_config)| {
                        self.spawn_task(
                            &running.connector,
                            TaskSpec {
                                connector: name.clone(),
                                id: id as u32,
                                connector_config: config.clone(),
                                task_config: task_config.clone(),
                            },
                        )
                    })
                    .collect();
                tracing::info!(connector = %name, tasks = running.tasks.len(), "connector started");
            }
            Err(err) => {
                tracing::error!(connector = %name, error = %err, "connector failed to start");
                statuses.put_connector(&name, connector_type, State::Failed, Some(err.to_string()));
            }
        }
        let info = running.info(&name);
        connectors.insert(name, running);
        Ok(info)
    }

    /// Adds what the runtime puts in every task config: `task.class`, and a sink's topics.
    fn complete_task_config(&self, running: &RunningConnector, mut task: ConfigMap) -> ConfigMap {
        let class = self
            .worker
            .registry
            .connector_class(&running.config[CONNECTOR_CLASS])
            .unwrap_or_default();
        let task_class = class
            .strip_suffix("Connector")
            .map_or_else(|| format!("{class}Task"), |base| format!("{base}Task"));
        task.insert("task.class".into(), task_class);
        if let ConnectorKind::Sink(_) = running.connector {
            for key in [TOPICS, TOPICS_REGEX] {
                if let Some(value) = running.config.get(key) {
                    task.insert(key.into(), value.clone());
                }
            }
        }
        task
    }

    fn spawn_task(&self, connector: &ConnectorKind, spec: TaskSpec) -> RunningTask {
        let stop = CancellationToken::new();
        let worker = self.worker.clone();
        worker.statuses.put_task(&spec.connector, spec.id, State::Running, None);
        let token = stop.clone();
        let handle = match connector {
            ConnectorKind::Source(source) => {
                let task = source.create_task();
                tokio::spawn(async move {
                    let result = run_source_task(worker.clone(), spec.clone(), task, token).await;
                    record_outcome(&worker, &spec, result);
                })
            }
            ConnectorKind::Sink(sink) => {
                let task = sink.create_task();
                tokio::spawn(async move {
                    let result = run_sink_task(worker.clone(), spec.clone(), task, token).await;
                    record_outcome(&worker, &spec, result);
                })
            }
        };
        RunningTask { stop, handle }
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
            .map(|c| c.info(name))
            .ok_or_else(|| RuntimeError::NotFound(name.to_string()))
    }

    /// A connector's task configurations.
    pub async fn task_infos(&self, name: &str) -> Result<Vec<TaskInfo>, RuntimeError> {
        let connectors = self.connectors.lock().await;
        let running = connectors
            .get(name)
            .ok_or_else(|| RuntimeError::NotFound(name.to_string()))?;
        Ok(running
            .task_configs
            .iter()
            .enumerate()
            .map(|(task, config)| TaskInfo {
                id: ConnectorTaskId {
                    connector: name.to_string(),
                    task: task as u32,
                },
                config: config.clone(),
            })
            .collect())
    }

    /// A connector's status with its tasks.
    pub fn connector_status(&self, name: &str) -> Result<ConnectorStatus, RuntimeError> {
        self.worker
            .statuses
            .connector(name)
            .ok_or_else(|| RuntimeError::NotFound(name.to_string()))
    }

    /// One task's status.
    pub fn task_status(&self, name: &str, task: u32) -> Result<TaskStatus, RuntimeError> {
        self.connector_status(name)?
            .tasks
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| RuntimeError::NotFound(format!("{name}-{task}")))
    }

    /// Stops every task (committing offsets), then every connector, within
    /// `task.shutdown.graceful.timeout.ms`.
    pub async fn stop(&self) {
        let mut connectors = self.connectors.lock().await;
        let timeout = self.worker.config.graceful_shutdown_timeout();
        let tasks: Vec<RunningTask> = connectors
            .values_mut()
            .flat_map(|c| std::mem::take(&mut c.tasks))
            .collect();
        stop_tasks(tasks, timeout).await;
        for (name, running) in connectors.iter_mut() {
            if let Err(err) = running.connector.connector_mut().stop().await {
                tracing::warn!(connector = %name, error = %err, "connector failed to stop cleanly");
            }
        }
        tracing::info!("herder stopped");
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
