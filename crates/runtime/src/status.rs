//! Connector and task states, as the REST API reports them.

use std::collections::BTreeMap;
use std::sync::{Arc, OnceLock, RwLock};

use serde::{Deserialize, Serialize};

/// The state of a connector or task, named as Apache's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum State {
    /// Not yet started.
    Unassigned,
    /// Running.
    Running,
    /// Paused.
    Paused,
    /// Failed; the trace says why.
    Failed,
    /// Being restarted.
    Restarting,
    /// Stopped (connectors only).
    Stopped,
}

/// One connector's or task's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Status {
    /// The state.
    pub state: State,
    /// The worker running it.
    pub worker_id: String,
    /// Why it failed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trace: Option<String>,
}

/// A task's status with its id, as in `GET /connectors/{c}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskStatus {
    /// The task id.
    pub id: u32,
    /// The status.
    #[serde(flatten)]
    pub status: Status,
    /// kconnect's own health signals of a task this worker runs (Apache clients ignore the field).
    #[serde(rename = "kconnect", skip_serializing_if = "Option::is_none")]
    pub health: Option<TaskHealth>,
}

/// Whether a RUNNING task is getting anywhere: shown under `kconnect` in the task's status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct TaskHealth {
    /// Milliseconds since the task last polled (source) or put (sink) successfully; absent
    /// before its first.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ms_since_last_progress: Option<u64>,
    /// A sink task's `sink-record-lag-max`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sink_record_lag_max: Option<u64>,
}

/// `GET /connectors/{c}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConnectorStatus {
    /// The connector's name.
    pub name: String,
    /// The connector's own status.
    pub connector: Status,
    /// Each task's status.
    pub tasks: Vec<TaskStatus>,
    /// `source` or `sink`.
    #[serde(rename = "type")]
    pub connector_type: String,
}

/// One status change: a connector's (`task` is `None`) or a task's; `status` `None` means deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusUpdate {
    /// The connector.
    pub connector: String,
    /// The task, or `None` for the connector itself.
    pub task: Option<u32>,
    /// The new status.
    pub status: Option<Status>,
}

/// Told of every status change this worker makes (distributed mode writes them to the status topic).
pub trait StatusListener: Send + Sync {
    /// A status changed.
    fn changed(&self, update: &StatusUpdate);
}

/// The statuses of everything this worker runs (and, in distributed mode, what the others run).
pub struct StatusStore {
    worker_id: String,
    connectors: RwLock<BTreeMap<String, ConnectorStatus>>,
    listener: OnceLock<Arc<dyn StatusListener>>,
}

impl std::fmt::Debug for StatusStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StatusStore")
            .field("worker_id", &self.worker_id)
            .finish()
    }
}

impl StatusStore {
    /// An empty store for worker `worker_id`.
    pub fn new(worker_id: impl Into<String>) -> Self {
        Self {
            worker_id: worker_id.into(),
            connectors: RwLock::default(),
            listener: OnceLock::new(),
        }
    }

    /// Tells `listener` of every later change made on this worker.
    pub fn set_listener(&self, listener: Arc<dyn StatusListener>) {
        let _ = self.listener.set(listener);
    }

    /// This worker's id.
    pub fn worker_id(&self) -> &str {
        &self.worker_id
    }

    fn publish(&self, connector: &str, task: Option<u32>, status: Option<Status>) {
        if let Some(listener) = self.listener.get() {
            listener.changed(&StatusUpdate {
                connector: connector.to_string(),
                task,
                status,
            });
        }
    }

    /// Applies a change read from another worker (or an echo of this one's). An UNASSIGNED from one
    /// worker does not overwrite what another worker reported since: the work moved.
    pub fn apply(&self, update: StatusUpdate) {
        let mut connectors = self.connectors.write().unwrap_or_else(|e| e.into_inner());
        let Some(status) = update.status else {
            match update.task {
                None => {
                    connectors.remove(&update.connector);
                }
                Some(id) => {
                    if let Some(c) = connectors.get_mut(&update.connector) {
                        c.tasks.retain(|t| t.id != id);
                    }
                }
            }
            return;
        };
        let entry = connectors
            .entry(update.connector.clone())
            .or_insert_with(|| ConnectorStatus {
                name: update.connector.clone(),
                connector: Status {
                    state: State::Unassigned,
                    worker_id: status.worker_id.clone(),
                    trace: None,
                },
                tasks: Vec::new(),
                connector_type: String::new(),
            });
        let moved_on = |current: &Status| status.state == State::Unassigned && current.worker_id != status.worker_id;
        match update.task {
            None if !moved_on(&entry.connector) => entry.connector = status,
            None => {}
            Some(id) => match entry.tasks.iter_mut().find(|t| t.id == id) {
                Some(task) if !moved_on(&task.status) => task.status = status,
                Some(_) => {}
                None => {
                    entry.tasks.push(TaskStatus {
                        id,
                        status,
                        health: None,
                    });
                    entry.tasks.sort_by_key(|t| t.id);
                }
            },
        }
    }

    fn status(&self, state: State, trace: Option<String>) -> Status {
        Status {
            state,
            worker_id: self.worker_id.clone(),
            trace,
        }
    }

    /// Records a connector's state (creating its entry).
    pub fn put_connector(&self, name: &str, connector_type: &str, state: State, trace: Option<String>) {
        let status = self.status(state, trace);
        let mut connectors = self.connectors.write().unwrap_or_else(|e| e.into_inner());
        connectors
            .entry(name.to_string())
            .and_modify(|c| {
                c.connector = status.clone();
                c.connector_type = connector_type.to_string();
            })
            .or_insert_with(|| ConnectorStatus {
                name: name.to_string(),
                connector: status.clone(),
                tasks: Vec::new(),
                connector_type: connector_type.to_string(),
            });
        drop(connectors);
        self.publish(name, None, Some(status));
    }

    /// Records a task's state.
    pub fn put_task(&self, connector: &str, id: u32, state: State, trace: Option<String>) {
        let status = self.status(state, trace);
        let mut connectors = self.connectors.write().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = connectors.get_mut(connector) {
            match c.tasks.iter_mut().find(|t| t.id == id) {
                Some(task) => task.status = status.clone(),
                None => {
                    c.tasks.push(TaskStatus {
                        id,
                        status: status.clone(),
                        health: None,
                    });
                    c.tasks.sort_by_key(|t| t.id);
                }
            }
        }
        drop(connectors);
        self.publish(connector, Some(id), Some(status));
    }

    /// A connector's status with its tasks.
    pub fn connector(&self, name: &str) -> Option<ConnectorStatus> {
        self.connectors
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .get(name)
            .cloned()
    }

    /// Forgets a connector's tasks (it was stopped or reconfigured).
    pub fn remove_tasks(&self, name: &str) {
        if let Some(c) = self.connectors.write().unwrap_or_else(|e| e.into_inner()).get_mut(name) {
            c.tasks.clear();
        }
    }

    /// Every connector's status, by name.
    pub fn all(&self) -> Vec<ConnectorStatus> {
        self.connectors
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .values()
            .cloned()
            .collect()
    }

    /// Forgets a connector.
    pub fn remove(&self, name: &str) {
        self.connectors.write().unwrap_or_else(|e| e.into_inner()).remove(name);
        self.publish(name, None, None);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serialises_as_apache_status() {
        let store = StatusStore::new("host:8083");
        store.put_connector("c", "source", State::Running, None);
        store.put_task("c", 0, State::Failed, Some("boom".into()));
        let json = serde_json::to_value(store.connector("c").unwrap()).unwrap();
        assert_eq!(
            json,
            serde_json::json!({"name":"c","connector":{"state":"RUNNING","worker_id":"host:8083"},
                "tasks":[{"id":0,"state":"FAILED","worker_id":"host:8083","trace":"boom"}],"type":"source"})
        );
    }
}
