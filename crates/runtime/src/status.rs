//! Connector and task states, as the REST API reports them.

use std::collections::BTreeMap;
use std::sync::RwLock;

use serde::Serialize;

/// The state of a connector or task, named as Apache's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
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

/// The statuses of everything this worker runs.
#[derive(Debug)]
pub struct StatusStore {
    worker_id: String,
    connectors: RwLock<BTreeMap<String, ConnectorStatus>>,
}

impl StatusStore {
    /// An empty store for worker `worker_id`.
    pub fn new(worker_id: impl Into<String>) -> Self {
        Self {
            worker_id: worker_id.into(),
            connectors: RwLock::default(),
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
            .and_modify(|c| c.connector = status.clone())
            .or_insert_with(|| ConnectorStatus {
                name: name.to_string(),
                connector: status,
                tasks: Vec::new(),
                connector_type: connector_type.to_string(),
            });
    }

    /// Records a task's state.
    pub fn put_task(&self, connector: &str, id: u32, state: State, trace: Option<String>) {
        let status = self.status(state, trace);
        let mut connectors = self.connectors.write().unwrap_or_else(|e| e.into_inner());
        if let Some(c) = connectors.get_mut(connector) {
            match c.tasks.iter_mut().find(|t| t.id == id) {
                Some(task) => task.status = status,
                None => {
                    c.tasks.push(TaskStatus { id, status });
                    c.tasks.sort_by_key(|t| t.id);
                }
            }
        }
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
