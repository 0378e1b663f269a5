//! The standalone herder. Each connector is locked on its own: a connector whose start or stop is
//! slow holds up only the requests that change that same connector, and reads answer from what each
//! connector last published, never waiting on a lock held across I/O.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use kconnect_api::ConfigMap;
use kconnect_storage::TargetStateFile;
use tokio::sync::{Mutex, OwnedMutexGuard};

use super::managed::ManagedConnector;
use super::{ConnectorInfo, Herder, RestartRequest, TaskInfo, TaskRestart, task_ids};
use crate::connector_config::{NAME, check_connector_config};
use crate::error::RuntimeError;
use crate::offsets_api::{self, ConnectorOffset};
use crate::status::{ConnectorStatus, State};
use crate::target_state::TargetState;
use crate::worker::Worker;

/// What the read requests see of a connector, as of its last change.
#[derive(Clone)]
struct ConnectorView {
    info: ConnectorInfo,
    task_configs: Vec<ConfigMap>,
    target: TargetState,
}

impl ConnectorView {
    fn of(managed: &ManagedConnector) -> Self {
        Self {
            info: ConnectorInfo {
                name: managed.name.clone(),
                config: managed.config.clone(),
                tasks: task_ids(&managed.name, managed.task_configs.len()),
                connector_type: managed.connector_type.to_string(),
            },
            task_configs: managed.task_configs.clone(),
            target: managed.target(),
        }
    }
}

/// One connector's place in the herder.
struct Slot {
    view: RwLock<ConnectorView>,
    managed: Arc<Mutex<ManagedConnector>>,
    /// Set, under the connector's lock, once it is deleted: a request that waited for the lock
    /// finds the connector gone.
    deleted: AtomicBool,
}

impl Slot {
    fn new(managed: ManagedConnector) -> Arc<Self> {
        Arc::new(Self {
            view: RwLock::new(ConnectorView::of(&managed)),
            managed: Arc::new(Mutex::new(managed)),
            deleted: AtomicBool::new(false),
        })
    }

    fn view(&self) -> ConnectorView {
        self.view.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Shows `managed` to the read requests.
    fn publish(&self, managed: &ManagedConnector) {
        *self.view.write().unwrap_or_else(|e| e.into_inner()) = ConnectorView::of(managed);
    }
}

/// Runs connectors on this worker.
pub struct StandaloneHerder {
    worker: Arc<Worker>,
    target_states: Option<TargetStateFile>,
    connectors: std::sync::Mutex<BTreeMap<String, Arc<Slot>>>,
    /// Set once the connectors given at start-up were created.
    ready: AtomicBool,
}

impl StandaloneHerder {
    /// A herder running nothing yet; target states persist in `target_states` when given.
    pub fn new(worker: Arc<Worker>, target_states: Option<TargetStateFile>) -> Self {
        Self {
            worker,
            target_states,
            connectors: std::sync::Mutex::default(),
            ready: AtomicBool::new(false),
        }
    }

    /// Marks the worker started: `GET /health` answers `healthy` from now on.
    pub fn mark_ready(&self) {
        self.ready.store(true, Ordering::Release);
    }

    fn not_found(name: &str) -> RuntimeError {
        RuntimeError::NotFound(name.to_string())
    }

    fn slots(&self) -> std::sync::MutexGuard<'_, BTreeMap<String, Arc<Slot>>> {
        self.connectors.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn slot(&self, name: &str) -> Result<Arc<Slot>, RuntimeError> {
        self.slots().get(name).cloned().ok_or_else(|| Self::not_found(name))
    }

    /// The connector, locked for a change.
    async fn lock(&self, name: &str) -> Result<(Arc<Slot>, OwnedMutexGuard<ManagedConnector>), RuntimeError> {
        let slot = self.slot(name)?;
        let managed = slot.managed.clone().lock_owned().await;
        if slot.deleted.load(Ordering::Acquire) {
            return Err(Self::not_found(name));
        }
        Ok((slot, managed))
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

    /// A connector's target state.
    pub async fn target_state(&self, name: &str) -> Result<TargetState, RuntimeError> {
        Ok(self.slot(name)?.view().target)
    }

    /// Serves connectors' requests for new task configurations until the process ends; run it on
    /// its own task.
    pub async fn follow_task_reconfigurations(self: Arc<Self>) {
        loop {
            let requested = self.worker.reconfigurations.next().await;
            for name in requested {
                if let Ok((slot, mut managed)) = self.lock(&name).await {
                    managed.reconfigure_tasks(&self.worker).await;
                    slot.publish(&managed);
                }
            }
        }
    }

    /// Stops every connector and task (committing offsets), within
    /// `task.shutdown.graceful.timeout.ms` for the tasks of each connector.
    pub async fn stop(&self) {
        let slots: Vec<Arc<Slot>> = self.slots().values().cloned().collect();
        futures::future::join_all(slots.iter().map(|slot| async {
            slot.managed.lock().await.stop(&self.worker).await;
        }))
        .await;
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
        check_connector_config(&self.worker.registry, &config, &self.worker.config)?;
        let name = config[NAME].trim().to_string();
        let target = self.initial_target(&name, initial);
        let slot = Slot::new(ManagedConnector::new(&self.worker, name.clone(), config, target)?);
        let mut managed = slot.managed.clone().lock_owned().await;
        {
            let mut slots = self.slots();
            if slots.contains_key(&name) {
                return Err(RuntimeError::AlreadyExists(name));
            }
            slots.insert(name.clone(), slot.clone());
        }
        managed.start(&self.worker).await;
        slot.publish(&managed);
        self.persist_target(&name, Some(target))?;
        Ok(slot.view().info)
    }

    /// Creates the connector or replaces its configuration (restarting it); `true` when created.
    async fn put_connector_config(&self, name: &str, config: ConfigMap) -> Result<(bool, ConnectorInfo), RuntimeError> {
        check_connector_config(&self.worker.registry, &config, &self.worker.config)?;
        let Ok((slot, mut managed)) = self.lock(name).await else {
            return self.create_connector(config, None).await.map(|info| (true, info));
        };
        let target = managed.target();
        managed.stop(&self.worker).await;
        self.worker.statuses.remove_tasks(name);
        let mut replacement = ManagedConnector::new(&self.worker, name.to_string(), config, target)?;
        replacement.start(&self.worker).await;
        *managed = replacement;
        slot.publish(&managed);
        Ok((false, slot.view().info))
    }

    /// Stops and forgets a connector.
    async fn delete_connector(&self, name: &str) -> Result<(), RuntimeError> {
        let (slot, mut managed) = self.lock(name).await?;
        managed.stop(&self.worker).await;
        slot.deleted.store(true, Ordering::Release);
        self.slots().remove(name);
        drop(managed);
        self.worker.statuses.remove(name);
        self.worker.active_topics.reset(name);
        self.worker.forget_metrics(name);
        self.persist_target(name, None)?;
        tracing::info!(connector = %name, "connector deleted");
        Ok(())
    }

    /// Pauses, resumes or stops a connector, and remembers the target across restarts.
    async fn set_target_state(&self, name: &str, target: TargetState) -> Result<(), RuntimeError> {
        let (slot, mut managed) = self.lock(name).await?;
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
        slot.publish(&managed);
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
        let (slot, mut managed) = self.lock(name).await?;
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
        slot.publish(&managed);
        tracing::info!(connector = %name, tasks = ?tasks, "restarted");
        Ok((request != RestartRequest::default()).then_some(status))
    }

    /// Restarts one task.
    async fn restart_task(&self, name: &str, task: u32) -> Result<TaskRestart, RuntimeError> {
        let (_, mut managed) = self.lock(name).await?;
        if task as usize >= managed.task_configs.len() {
            return Err(RuntimeError::NotFound(format!("{name}-{task}")));
        }
        managed
            .stop_task(task, self.worker.config.graceful_shutdown_timeout())
            .await;
        managed.start_task(&self.worker, task);
        Ok(TaskRestart::Done)
    }

    /// The connector's offsets (KIP-875).
    async fn offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>, RuntimeError> {
        let info = self.connector_info(name).await?;
        offsets_api::read_offsets(&self.worker, name, &info.config).await
    }

    /// Writes offsets of a STOPPED connector (`None` resets a partition); returns Apache's message.
    /// The connector's lock is held, so it cannot start while its offsets change.
    async fn alter_offsets(&self, name: &str, offsets: Vec<ConnectorOffset>) -> Result<String, RuntimeError> {
        let (_, managed) = self.lock(name).await?;
        offsets_api::alter_offsets(&self.worker, name, &managed.config, managed.target(), offsets).await
    }

    /// Resets every offset of a STOPPED connector; returns Apache's message.
    async fn reset_offsets(&self, name: &str) -> Result<String, RuntimeError> {
        let (_, managed) = self.lock(name).await?;
        offsets_api::reset_offsets(&self.worker, name, &managed.config, managed.target()).await
    }

    fn is_ready(&self) -> bool {
        self.ready.load(Ordering::Acquire)
    }

    /// Returns once no connector is held by a change (as Apache's, whose standalone herder is one
    /// lock): a connector stuck in its start or stop makes the worker unhealthy until it is done.
    async fn health_check(&self) -> Result<(), RuntimeError> {
        let slots: Vec<Arc<Slot>> = self.slots().values().cloned().collect();
        for slot in slots {
            drop(slot.managed.lock().await);
        }
        Ok(())
    }

    /// The names of the connectors, sorted.
    async fn connector_names(&self) -> Vec<String> {
        self.slots().keys().cloned().collect()
    }

    /// A connector's name, config, tasks and type.
    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, RuntimeError> {
        Ok(self.slot(name)?.view().info)
    }

    /// A connector's task configurations.
    async fn task_infos(&self, name: &str) -> Result<Vec<TaskInfo>, RuntimeError> {
        let view = self.slot(name)?.view();
        Ok(view
            .info
            .tasks
            .into_iter()
            .zip(view.task_configs)
            .map(|(id, config)| TaskInfo { id, config })
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
