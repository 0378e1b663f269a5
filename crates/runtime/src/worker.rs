//! What every task of this worker shares: configuration, plugins, offsets and statuses.

use std::sync::atomic::Ordering;
use std::sync::{Arc, OnceLock};

use kconnect_api::ConfigMap;
use kconnect_storage::OffsetStore;

use crate::active_topics::ActiveTopics;
use crate::config_providers::ConfigProviders;
use crate::connector_offsets::ConnectorOffsetStores;
use crate::error::RuntimeError;
use crate::metrics::{TaskMetrics, WorkerMetrics};
use crate::plugins::PluginRegistry;
use crate::reconfiguration::TaskReconfigurations;
use crate::status::{ConnectorStatus, State, StatusStore, TaskHealth};
use crate::topics::TopicSettings;
use crate::worker_config::WorkerConfig;

/// The worker's shared state.
pub struct Worker {
    /// The worker configuration.
    pub config: WorkerConfig,
    /// Every plugin.
    pub registry: PluginRegistry,
    /// Source offsets.
    pub offsets: Arc<dyn OffsetStore>,
    /// Connector and task states.
    pub statuses: StatusStore,
    /// The topics each connector uses.
    pub active_topics: ActiveTopics,
    /// `${provider:…}` resolution for connector configurations.
    pub config_providers: ConfigProviders,
    /// Connectors that asked for new task configurations, for the herder to serve.
    pub reconfigurations: TaskReconfigurations,
    /// Offset stores of source connectors that have their own.
    connector_offsets: OnceLock<Arc<dyn ConnectorOffsetStores>>,
    /// The worker's own measurements.
    pub metrics: WorkerMetrics,
    /// When the worker started, for its uptime.
    pub started: std::time::Instant,
    /// Counters by connector and task id.
    task_metrics: std::sync::Mutex<std::collections::BTreeMap<(String, u32), Arc<TaskMetrics>>>,
}

impl Worker {
    /// A worker from its parts: its configuration, the plugins it can run, and its offset store;
    /// fails on an unknown config provider class.
    pub fn new(
        config: WorkerConfig,
        registry: PluginRegistry,
        offsets: Arc<dyn OffsetStore>,
    ) -> Result<Self, RuntimeError> {
        let statuses = StatusStore::new(config.worker_id());
        let config_providers = ConfigProviders::from_worker(&config, &registry)?;
        Ok(Self {
            config,
            registry,
            offsets,
            statuses,
            active_topics: ActiveTopics::default(),
            config_providers,
            reconfigurations: TaskReconfigurations::default(),
            connector_offsets: OnceLock::new(),
            metrics: WorkerMetrics::default(),
            started: std::time::Instant::now(),
            task_metrics: std::sync::Mutex::default(),
        })
    }

    /// Lets `stores` give source connectors that ask for it an offset store of their own.
    pub fn set_connector_offset_stores(&self, stores: Arc<dyn ConnectorOffsetStores>) {
        let _ = self.connector_offsets.set(stores);
    }

    /// The offset store of the source connector configured with `config`: its own when it has
    /// one, else the worker's.
    pub fn offsets_for(&self, config: &ConfigMap) -> Result<Arc<dyn OffsetStore>, RuntimeError> {
        let own = match self.connector_offsets.get() {
            Some(stores) => stores.store_for(config)?,
            None => None,
        };
        Ok(own.unwrap_or_else(|| self.offsets.clone()))
    }

    /// The counters of a task, kept across restarts of the task.
    pub fn task_metrics(&self, spec: &TaskSpec) -> Arc<TaskMetrics> {
        let mut metrics = self.task_metrics.lock().unwrap_or_else(|e| e.into_inner());
        metrics.entry((spec.connector.clone(), spec.id)).or_default().clone()
    }

    /// `status` with the health of each RUNNING task this worker runs.
    pub fn with_task_health(&self, mut status: ConnectorStatus) -> ConnectorStatus {
        let metrics = self.task_metrics.lock().unwrap_or_else(|e| e.into_inner());
        let here = self.config.worker_id();
        let sink = status.connector_type == "sink";
        for task in &mut status.tasks {
            if task.status.state != State::Running || task.status.worker_id != here {
                continue;
            }
            if let Some(m) = metrics.get(&(status.name.clone(), task.id)) {
                task.health = Some(TaskHealth {
                    ms_since_last_progress: m.progress.since().map(|since| since.as_millis() as u64),
                    sink_record_lag_max: sink.then(|| m.sink_record_lag_max.load(Ordering::Relaxed)),
                });
            }
        }
        status
    }

    /// Every metric of this worker in the Prometheus text format.
    pub fn prometheus(&self) -> String {
        let tasks = self.task_metrics.lock().unwrap_or_else(|e| e.into_inner()).clone();
        crate::metrics::render(&tasks, &self.statuses.all(), &self.metrics)
    }

    /// Forgets the counters of a deleted connector.
    pub fn forget_metrics(&self, connector: &str) {
        self.metrics.forget(connector);
        self.task_metrics
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(c, _), _| c != connector);
    }

    /// How a connector's missing topics are created: always on the embedded broker, else per the
    /// connector's KIP-158 settings when the worker allows topic creation.
    pub fn topic_settings(&self, connector: &ConfigMap) -> Option<TopicSettings> {
        if self.config.embedded_broker {
            return Some(TopicSettings::from_connector(connector).unwrap_or(TopicSettings::EMBEDDED));
        }
        TopicSettings::from_connector(connector).filter(|_| self.config.topic_creation_enabled())
    }
}

/// One task to run.
#[derive(Debug, Clone)]
pub struct TaskSpec {
    /// The connector's name.
    pub connector: String,
    /// The task's id.
    pub id: u32,
    /// The connector's configuration.
    pub connector_config: ConfigMap,
    /// The task's configuration.
    pub task_config: ConfigMap,
}

impl TaskSpec {
    /// `<connector>-<id>`, as Apache names tasks.
    pub fn name(&self) -> String {
        format!("{}-{}", self.connector, self.id)
    }
}
