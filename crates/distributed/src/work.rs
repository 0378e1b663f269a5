//! The connectors and tasks this worker runs: started and stopped as assignments say, and kept in
//! line with the config topic (new configurations, target states, restart requests).

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use kconnect_api::ConnectorKind;
use kconnect_runtime::connector_config::CONNECTOR_CLASS;
use kconnect_runtime::runner::{
    RunningTask, running_state, start_connector, start_task, stop_all, stop_connector, task_configs,
};
use kconnect_runtime::status::State;
use kconnect_runtime::worker::TaskSpec;
use kconnect_runtime::{ConfigMap, RestartRequest, RuntimeError, TargetState, Worker};
use tokio::sync::{mpsc, watch};

use crate::assignor::{Item, Items};
use crate::config_records::ConfigSnapshot;
use crate::fencing::ZombieFencer;
use crate::protocol::CONNECTOR_TASK;

/// Task configurations a started connector produced that differ from the config topic's.
pub type NewTaskConfigs = Vec<(String, Vec<ConfigMap>)>;

struct LocalConnector {
    /// The started connector; `None` while it starts, is stopped, or failed to start.
    instance: Option<ConnectorKind>,
    /// The number of the start under way, if one is.
    starting: Option<u64>,
    config: ConfigMap,
    target: TargetState,
}

/// How a connector's start ended, sent back to the work that started it.
pub struct StartedConnector {
    name: String,
    start: u64,
    outcome: Result<(ConnectorKind, Vec<ConfigMap>), RuntimeError>,
}

struct LocalTask {
    running: Option<RunningTask>,
    connector_config: ConfigMap,
    config: ConfigMap,
}

/// What runs here.
pub struct LocalWork {
    connectors: BTreeMap<String, LocalConnector>,
    tasks: BTreeMap<(String, u32), LocalTask>,
    targets: BTreeMap<String, watch::Sender<TargetState>>,
    restarts_seen: usize,
    /// Where connectors' starts report how they ended.
    started: mpsc::UnboundedSender<StartedConnector>,
    next_start: u64,
    /// What exactly-once source tasks wait for before they start.
    fencer: ZombieFencer,
}

fn connector_type(worker: &Worker, config: &ConfigMap) -> &'static str {
    config
        .get(CONNECTOR_CLASS)
        .and_then(|class| worker.registry.connector(class).ok())
        .map_or("unknown", |kind| kind.type_name())
}

impl LocalWork {
    /// Nothing running; the first `restarts_seen` restart requests of the config topic are
    /// history, not to be acted on. Connectors' starts report to `started`: hand what arrives
    /// there to [`LocalWork::connector_started`]. Tasks that must wait for zombie fencing get
    /// their preflight from `fencer`.
    pub fn new(restarts_seen: usize, started: mpsc::UnboundedSender<StartedConnector>, fencer: ZombieFencer) -> Self {
        Self {
            connectors: BTreeMap::new(),
            tasks: BTreeMap::new(),
            targets: BTreeMap::new(),
            restarts_seen,
            started,
            next_start: 0,
            fencer,
        }
    }

    /// Everything held: connectors as task `-1`, and tasks.
    pub fn held(&self) -> Items {
        let connectors = self.connectors.keys().map(|name| (name.clone(), CONNECTOR_TASK));
        let tasks = self.tasks.keys().map(|(name, id)| (name.clone(), *id as i32));
        connectors.chain(tasks).collect()
    }

    fn target(&mut self, name: &str, target: TargetState) -> watch::Receiver<TargetState> {
        let sender = self
            .targets
            .entry(name.to_string())
            .or_insert_with(|| watch::channel(target).0);
        sender.send_if_modified(|current| std::mem::replace(current, target) != target);
        sender.subscribe()
    }

    /// Starts `items` from `snapshot` (connectors on their own tasks).
    pub fn start(&mut self, worker: &Arc<Worker>, items: &Items, snapshot: &ConfigSnapshot) {
        for (name, task) in items {
            if *task == CONNECTOR_TASK {
                self.start_connector(worker, name, snapshot);
            } else {
                self.start_task(worker, name, *task as u32, snapshot);
            }
        }
    }

    /// Starts connector `name` on its own task: a slow start holds up nothing else here. Its
    /// outcome comes back through [`LocalWork::connector_started`].
    fn start_connector(&mut self, worker: &Arc<Worker>, name: &str, snapshot: &ConfigSnapshot) {
        let Some(config) = snapshot.connectors.get(name).cloned() else {
            return;
        };
        let target = snapshot.target(name);
        self.target(name, target);
        let kind = connector_type(worker, &config);
        self.next_start += 1;
        let start = self.next_start;
        let stopped = target == TargetState::Stopped;
        self.connectors.insert(
            name.to_string(),
            LocalConnector {
                instance: None,
                starting: (!stopped).then_some(start),
                config: config.clone(),
                target,
            },
        );
        if stopped {
            worker.statuses.put_connector(name, kind, State::Stopped, None);
            return;
        }
        worker.statuses.put_connector(name, kind, State::Unassigned, None);
        let (worker, name, started) = (worker.clone(), name.to_string(), self.started.clone());
        tokio::spawn(async move {
            let outcome = start_connector(&worker, &name, &config).await;
            let _ = started.send(StartedConnector { name, start, outcome });
        });
    }

    /// Takes the outcome of a connector's start: the connector runs (or is FAILED), and its task
    /// configurations are returned when they differ from the config topic's. A start that was
    /// overtaken (the connector was stopped or restarted meanwhile) is stopped again.
    pub async fn connector_started(
        &mut self,
        worker: &Worker,
        started: StartedConnector,
        snapshot: &ConfigSnapshot,
    ) -> NewTaskConfigs {
        let StartedConnector { name, start, outcome } = started;
        let Some(local) = self
            .connectors
            .get_mut(&name)
            .filter(|local| local.starting == Some(start))
        else {
            if let Ok((instance, _)) = outcome {
                stop_connector(&name, instance).await;
            }
            return Vec::new();
        };
        local.starting = None;
        let kind = connector_type(worker, &local.config);
        match outcome {
            Ok((instance, task_configs)) => {
                worker
                    .statuses
                    .put_connector(&name, kind, running_state(local.target), None);
                local.instance = Some(instance);
                tracing::info!(connector = %name, "connector started");
                if snapshot.tasks.get(&name) != Some(&task_configs) {
                    return vec![(name, task_configs)];
                }
            }
            Err(err) => {
                tracing::error!(connector = %name, error = %err, "connector failed to start");
                worker
                    .statuses
                    .put_connector(&name, kind, State::Failed, Some(err.to_string()));
            }
        }
        Vec::new()
    }

    fn start_task(&mut self, worker: &Arc<Worker>, name: &str, id: u32, snapshot: &ConfigSnapshot) {
        let (Some(connector_config), Some(config)) = (
            snapshot.connectors.get(name),
            snapshot.tasks.get(name).and_then(|tasks| tasks.get(id as usize)),
        ) else {
            tracing::warn!(connector = %name, task = id, "assigned a task the config topic does not have");
            return;
        };
        let target = self.target(name, snapshot.target(name));
        let kind = match worker.registry.connector(&connector_config[CONNECTOR_CLASS]) {
            Ok(kind) => kind,
            Err(err) => {
                worker.statuses.put_task(name, id, State::Failed, Some(err.to_string()));
                return;
            }
        };
        let spec = TaskSpec {
            connector: name.to_string(),
            id,
            connector_config: connector_config.clone(),
            task_config: config.clone(),
        };
        let checks = self.fencer.checks(worker, &kind, &spec, snapshot);
        let running = start_task(worker, &kind, spec, target, checks);
        self.tasks.insert(
            (name.to_string(), id),
            LocalTask {
                running,
                connector_config: connector_config.clone(),
                config: config.clone(),
            },
        );
    }

    /// Stops `items` (tasks first, together, within the graceful timeout), leaving them UNASSIGNED.
    pub async fn stop(&mut self, worker: &Worker, items: &Items) {
        let tasks: Vec<RunningTask> = items
            .iter()
            .filter(|(_, task)| *task != CONNECTOR_TASK)
            .filter_map(|(name, task)| self.tasks.remove(&(name.clone(), *task as u32)))
            .filter_map(|task| task.running)
            .collect();
        stop_all(tasks, worker.config.graceful_shutdown_timeout()).await;
        for (name, _) in items.iter().filter(|(_, task)| *task == CONNECTOR_TASK) {
            if let Some(local) = self.connectors.remove(name) {
                stop_instance(worker, name, local).await;
            }
        }
    }

    /// Stops everything, as when the worker shuts down.
    pub async fn stop_everything(&mut self, worker: &Worker) {
        let held = self.held();
        self.stop(worker, &held).await;
    }

    /// Brings running work in line with `snapshot`: deleted work stops, changed configurations
    /// restart, target states apply, and new restart requests are carried out.
    pub async fn reconcile(&mut self, worker: &Arc<Worker>, snapshot: &ConfigSnapshot) {
        let mut stale = Items::new();
        for ((name, id), task) in &self.tasks {
            let current = snapshot.tasks.get(name).and_then(|tasks| tasks.get(*id as usize));
            let connector = snapshot.connectors.get(name);
            if current != Some(&task.config) || connector != Some(&task.connector_config) {
                stale.insert((name.clone(), *id as i32));
            }
        }
        for (name, local) in &self.connectors {
            let target = snapshot.target(name);
            let stopped_changed = (target == TargetState::Stopped) != (local.target == TargetState::Stopped);
            if snapshot.connectors.get(name) != Some(&local.config) || stopped_changed {
                stale.insert((name.clone(), CONNECTOR_TASK));
            }
        }
        self.stop(worker, &stale).await;
        for (name, _) in stale.iter().filter(|(_, task)| *task == CONNECTOR_TASK) {
            if !snapshot.connectors.contains_key(name) {
                worker.statuses.remove(name);
                worker.active_topics.reset(name);
                self.targets.remove(name);
            }
        }
        let restart: Items = stale
            .into_iter()
            .filter(|(name, task)| {
                snapshot.connectors.contains_key(name)
                    && (*task == CONNECTOR_TASK
                        || snapshot
                            .tasks
                            .get(name)
                            .is_some_and(|tasks| (*task as usize) < tasks.len()))
            })
            .collect();
        self.apply_targets(worker, snapshot);
        self.start(worker, &restart, snapshot);
        self.restart_requested(worker, snapshot).await;
    }

    fn apply_targets(&mut self, worker: &Worker, snapshot: &ConfigSnapshot) {
        for (name, local) in &mut self.connectors {
            let target = snapshot.target(name);
            if local.target != target {
                local.target = target;
                if local.instance.is_some() {
                    let kind = connector_type(worker, &local.config);
                    worker.statuses.put_connector(name, kind, running_state(target), None);
                }
            }
        }
        for (name, sender) in &self.targets {
            let target = snapshot.target(name);
            if sender.send_if_modified(|current| std::mem::replace(current, target) != target) {
                for (_, id) in self.tasks.keys().filter(|(connector, _)| connector == name) {
                    worker.statuses.put_task(name, *id, running_state(target), None);
                }
            }
        }
    }

    async fn restart_requested(&mut self, worker: &Arc<Worker>, snapshot: &ConfigSnapshot) {
        let requests: Vec<(String, RestartRequest)> =
            snapshot.restarts[self.restarts_seen.min(snapshot.restarts.len())..].to_vec();
        self.restarts_seen = snapshot.restarts.len();
        for (name, request) in requests {
            let failed = |task: Option<u32>| {
                let status = worker.statuses.connector(&name);
                let state = match task {
                    None => status.map(|s| s.connector.state),
                    Some(id) => status.and_then(|s| s.tasks.into_iter().find(|t| t.id == id).map(|t| t.status.state)),
                };
                state == Some(State::Failed)
            };
            let mut items = Items::new();
            if self.connectors.contains_key(&name) && (!request.only_failed || failed(None)) {
                items.insert((name.clone(), CONNECTOR_TASK));
            }
            for (connector, id) in self.tasks.keys() {
                if *connector == name && request.include_tasks && (!request.only_failed || failed(Some(*id))) {
                    items.insert((name.clone(), *id as i32));
                }
            }
            self.restart(worker, &items, snapshot).await;
        }
    }

    /// Stops and starts `items` again.
    pub async fn restart(&mut self, worker: &Arc<Worker>, items: &Items, snapshot: &ConfigSnapshot) {
        for (name, task) in items {
            let id = (*task != CONNECTOR_TASK).then_some(*task as u32);
            match id {
                Some(id) => worker.statuses.put_task(name, id, State::Restarting, None),
                None => {
                    let kind = snapshot
                        .connectors
                        .get(name)
                        .map_or("unknown", |c| connector_type(worker, c));
                    worker.statuses.put_connector(name, kind, State::Restarting, None);
                }
            }
        }
        self.stop(worker, items).await;
        self.start(worker, items, snapshot);
    }

    /// The task configurations that the started connectors among `names` now ask for, where they
    /// differ from the config topic's (a connector requested a task reconfiguration).
    pub fn reconfigured(&self, worker: &Worker, names: &BTreeSet<String>, snapshot: &ConfigSnapshot) -> NewTaskConfigs {
        let mut publish = Vec::new();
        for name in names {
            let Some(LocalConnector {
                instance: Some(instance),
                config,
                ..
            }) = self.connectors.get(name)
            else {
                continue;
            };
            match task_configs(worker, config, instance) {
                Ok(tasks) if snapshot.tasks.get(name) != Some(&tasks) => publish.push((name.clone(), tasks)),
                Ok(_) => {}
                Err(err) => {
                    tracing::error!(connector = %name, error = %err, "connector could not reconfigure its tasks")
                }
            }
        }
        publish
    }

    /// Whether this worker runs a task of connector `name`.
    pub fn runs_tasks_of(&self, name: &str) -> bool {
        self.tasks.keys().any(|(connector, _)| connector == name)
    }

    /// Whether this worker runs `item`.
    pub fn runs(&self, item: &Item) -> bool {
        match item.1 {
            CONNECTOR_TASK => self.connectors.contains_key(&item.0),
            id => self.tasks.contains_key(&(item.0.clone(), id as u32)),
        }
    }
}

async fn stop_instance(worker: &Worker, name: &str, local: LocalConnector) {
    if let Some(instance) = local.instance {
        stop_connector(name, instance).await;
    }
    let kind = connector_type(worker, &local.config);
    worker.statuses.put_connector(name, kind, State::Unassigned, None);
}
