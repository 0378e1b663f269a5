//! Herders run connectors and their tasks, change them as the REST API asks, and answer what it
//! asks about them: the contract both herders keep, the shapes it answers in, and the standalone
//! herder.

mod context;
pub(crate) use context::HerderContext;
mod contract;
mod managed;
mod standalone;

use kconnect_api::ConfigMap;
use serde::Serialize;

pub use contract::Herder;
pub use standalone::StandaloneHerder;

use crate::status::{ConnectorStatus, State};

/// What a task restart came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TaskRestart {
    /// The task was restarted here.
    Done,
    /// Another worker runs the task: the request belongs at this REST URL of it.
    Elsewhere(String),
}

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

/// The group a distributed worker is a member of, as its last assignment said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GroupView {
    /// `group.id`.
    pub group_id: String,
    /// The generation of the last assignment.
    pub generation: i32,
    /// The leader's REST URL; `None` before the first assignment.
    pub leader_url: Option<String>,
    /// Whether this worker leads the group.
    pub is_leader: bool,
    /// `http` or `https`: how the group's workers are reached at their ids (`host:port`).
    pub scheme: String,
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
