//! What the REST API asks of a herder, standalone or distributed.

use std::collections::BTreeMap;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::ConfigMap;

use super::{ConnectorInfo, GroupView, RestartRequest, TaskInfo, TaskRestart};
use crate::error::RuntimeError;
use crate::offsets_api::ConnectorOffset;
use crate::status::{ConnectorStatus, TaskStatus};
use crate::target_state::TargetState;
use crate::worker::Worker;

/// Runs connectors and answers the REST API about them.
#[async_trait]
pub trait Herder: Send + Sync {
    /// The worker.
    fn worker(&self) -> &Arc<Worker>;

    /// Where a write request must be sent instead of being handled here (the group leader's REST
    /// URL in distributed mode); `None` to handle it here.
    fn write_target(&self) -> Option<String> {
        None
    }

    /// Takes task configurations a connector's owner computed (the internal, signed
    /// `POST /connectors/{c}/tasks`): `body` is the raw JSON list, `signature` the
    /// `X-Connect-Authorization` and `X-Connect-Request-Signature-Algorithm` headers.
    async fn put_task_configs(
        &self,
        name: &str,
        body: &[u8],
        signature: Option<(String, String)>,
    ) -> Result<(), RuntimeError> {
        let _ = (body, signature);
        Err(RuntimeError::NotFound(name.to_string()))
    }

    /// Fences out the earlier tasks of exactly-once source connector `name` (the internal,
    /// signed `PUT /connectors/{c}/fence` a task sends the leader before it starts, KIP-618).
    async fn fence_zombies(
        &self,
        name: &str,
        body: &[u8],
        signature: Option<(String, String)>,
    ) -> Result<(), RuntimeError> {
        let _ = (name, body, signature);
        Err(RuntimeError::BadRequest(
            "Exactly-once source support is not available in standalone mode".into(),
        ))
    }

    /// The group this worker is a member of; `None` for a standalone worker.
    fn group(&self) -> Option<GroupView> {
        None
    }

    /// Whether the worker has finished starting (KIP-1017's `starting` until then).
    fn is_ready(&self) -> bool {
        true
    }

    /// Returns once the herder can handle requests: `GET /health` answers `unhealthy` when this
    /// takes longer than its timeout or fails.
    async fn health_check(&self) -> Result<(), RuntimeError> {
        Ok(())
    }

    /// The names of the connectors, sorted.
    async fn connector_names(&self) -> Vec<String>;

    /// A connector's name, config, tasks and type.
    async fn connector_info(&self, name: &str) -> Result<ConnectorInfo, RuntimeError>;

    /// A connector's status with its tasks.
    fn connector_status(&self, name: &str) -> Result<ConnectorStatus, RuntimeError>;

    /// One task's status.
    fn task_status(&self, name: &str, task: u32) -> Result<TaskStatus, RuntimeError> {
        self.connector_status(name)?
            .tasks
            .into_iter()
            .find(|t| t.id == task)
            .ok_or_else(|| RuntimeError::NotFound(format!("{name}-{task}")))
    }

    /// Validates and starts a new connector; `initial` overrides a stored target state.
    async fn create_connector(
        &self,
        config: ConfigMap,
        initial: Option<TargetState>,
    ) -> Result<ConnectorInfo, RuntimeError>;

    /// Creates the connector or replaces its configuration; `true` when created.
    async fn put_connector_config(&self, name: &str, config: ConfigMap) -> Result<(bool, ConnectorInfo), RuntimeError>;

    /// Merges `patch` into the configuration (a `None` value removes the key) and applies it.
    async fn patch_connector_config(
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
    async fn delete_connector(&self, name: &str) -> Result<(), RuntimeError>;

    /// A connector's task configurations.
    async fn task_infos(&self, name: &str) -> Result<Vec<TaskInfo>, RuntimeError>;

    /// Pauses, resumes or stops a connector.
    async fn set_target_state(&self, name: &str, target: TargetState) -> Result<(), RuntimeError>;

    /// Restarts a connector and, as asked, its tasks; the status showing RESTARTING, or `None` for
    /// the plain connector restart.
    async fn restart_connector(
        &self,
        name: &str,
        request: RestartRequest,
    ) -> Result<Option<ConnectorStatus>, RuntimeError>;

    /// Restarts one task, or says which worker runs it.
    async fn restart_task(&self, name: &str, task: u32) -> Result<TaskRestart, RuntimeError>;

    /// The connector's offsets (KIP-875).
    async fn offsets(&self, name: &str) -> Result<Vec<ConnectorOffset>, RuntimeError>;

    /// Writes offsets of a STOPPED connector; returns Apache's message.
    async fn alter_offsets(&self, name: &str, offsets: Vec<ConnectorOffset>) -> Result<String, RuntimeError>;

    /// Resets every offset of a STOPPED connector; returns Apache's message.
    async fn reset_offsets(&self, name: &str) -> Result<String, RuntimeError>;
}
