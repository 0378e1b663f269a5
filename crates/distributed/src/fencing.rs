//! Zombie fencing for exactly-once source connectors (KIP-618). Each new set of a connector's task
//! configurations is fenced once before its tasks write anything: the leader makes the
//! transactional producers of the previous set's tasks unusable, so that a task still running on
//! a worker cut off from the group can commit nothing more, and then writes
//! `tasks-fencing-<name>` with the new task count. A task whose connector awaits fencing asks the
//! leader for that round before it starts, as Apache's tasks do (the signed, internal
//! `PUT /connectors/{name}/fence`), and once its producer started checks that its connector made
//! no newer task configurations meanwhile.

use std::sync::{Arc, Weak};
use std::time::Duration;

use kconnect_api::{ConnectError, ConnectorKind};
use kconnect_runtime::connector_config::CONNECTOR_CLASS;
use kconnect_runtime::kafka::producer_config;
use kconnect_runtime::runner::{Preflight, TaskChecks};
use kconnect_runtime::source_transactions::{TRANSACTION_TIMEOUT, transactional_id, transactional_producer};
use kconnect_runtime::worker::TaskSpec;
use kconnect_runtime::{ConfigMap, RuntimeError, Worker};
use rdkafka::producer::{BaseProducer, Producer};

use crate::cluster::Cluster;
use crate::config_records::{ConfigSnapshot, fencing_record};
use crate::leader::call_leader;

/// How often a task asks for its round of fencing before it fails.
const ATTEMPTS: u32 = 5;
/// The wait before asking again; it doubles with each attempt.
const FIRST_RETRY: Duration = Duration::from_millis(500);

/// Makes the preflights of this worker's exactly-once source tasks.
pub struct ZombieFencer(Weak<Cluster>);

impl ZombieFencer {
    /// The fencer of the worker `cluster` (held weakly: the cluster holds its work, which holds this).
    pub fn new(cluster: Weak<Cluster>) -> Self {
        Self(cluster)
    }

    /// What task `spec` of a connector of `kind`, started from `snapshot`, must pass when the
    /// worker delivers exactly once and the connector is a source, as Apache's: first a round of
    /// zombie fencing if its task configurations came after its last fencing (the task fails when
    /// the round cannot be had), then, once its producer started, its task configurations must
    /// still be current.
    pub fn checks(
        &self,
        worker: &Worker,
        kind: &ConnectorKind,
        spec: &TaskSpec,
        snapshot: &ConfigSnapshot,
    ) -> TaskChecks {
        if worker.config.exactly_once_group().is_none() || !matches!(kind, ConnectorKind::Source(_)) {
            return TaskChecks::default();
        }
        let name = spec.connector.clone();
        let preflight = snapshot.pending_fencing.contains(&name).then(|| {
            let (cluster, name) = (self.0.clone(), name.clone());
            Box::pin(async move {
                let cluster = alive(&cluster)?;
                request_round(&cluster, &name)
                    .await
                    .map_err(|err| RuntimeError::Kafka(format!("Failed to perform round of zombie fencing: {err}")))
            }) as Preflight
        });
        let (cluster, task) = (self.0.clone(), spec.name());
        let started_with = snapshot.tasks.get(&name).cloned().unwrap_or_default();
        let after_producer: Preflight = Box::pin(async move {
            let cluster = alive(&cluster)?;
            cluster
                .read_config()
                .await
                .map_err(|err| RuntimeError::Kafka(format!("Failed to read to end of config topic: {err}")))?;
            still_current(&cluster.snapshot(), &name, &task, &started_with)
        });
        TaskChecks {
            preflight,
            after_producer: Some(after_producer),
        }
    }
}

/// The worker, unless it is stopping.
fn alive(cluster: &Weak<Cluster>) -> Result<Arc<Cluster>, RuntimeError> {
    cluster
        .upgrade()
        .ok_or_else(|| RuntimeError::Kafka("the worker is stopping".into()))
}

/// Whether connector `name`'s task configurations in `snapshot` are still `started_with`, those
/// its task `task` was started with; Apache's error when the connector made new ones since.
fn still_current(
    snapshot: &ConfigSnapshot,
    name: &str,
    task: &str,
    started_with: &[ConfigMap],
) -> Result<(), RuntimeError> {
    let current = snapshot.tasks.get(name).map(Vec::as_slice).unwrap_or_default();
    if current == started_with {
        return Ok(());
    }
    Err(RuntimeError::Connect(ConnectError::Fatal(format!(
        "Cannot start source task {task} with exactly-once support as the connector has already generated a new set of task configs"
    ))))
}

/// Has the leader fence connector `name`'s earlier tasks: itself when this worker leads, else
/// over REST; asked again, with growing waits, a few times (the leader may be rebalancing).
async fn request_round(cluster: &Cluster, name: &str) -> Result<(), RuntimeError> {
    let mut wait = FIRST_RETRY;
    let mut attempt = 1;
    loop {
        let outcome = if cluster.leader().is_me {
            fence_zombies(cluster, name).await
        } else {
            let path = format!("connectors/{name}/fence");
            call_leader(cluster, reqwest::Method::PUT, &path, Vec::new()).await
        };
        match outcome {
            Ok(()) => return Ok(()),
            Err(err) if attempt < ATTEMPTS && !cluster.stop.is_cancelled() => {
                tracing::warn!(connector = %name, attempt, error = %err, "zombie fencing not done yet; asking again");
                tokio::time::sleep(wait).await;
                wait *= 2;
                attempt += 1;
            }
            Err(err) => return Err(err),
        }
    }
}

/// The leader's round of zombie fencing for source connector `name`: unless its current task
/// configurations were fenced already, fences the transactional producers of the tasks of the
/// last fenced set, then records the current task count. As in Apache, nothing needs fencing the
/// first time (no task wrote transactionally yet) nor when one task follows one task (the new
/// task's producer fences the old one as it starts).
pub async fn fence_zombies(cluster: &Cluster, name: &str) -> Result<(), RuntimeError> {
    let _one_round_at_a_time = cluster.fencing.lock().await;
    cluster
        .read_config()
        .await
        .map_err(|err| RuntimeError::Kafka(format!("cannot read the config topic before fencing: {err}")))?;
    let snapshot = cluster.snapshot();
    let config = snapshot
        .connectors
        .get(name)
        .ok_or_else(|| RuntimeError::NotFound(name.to_string()))?;
    let is_source = config
        .get(CONNECTOR_CLASS)
        .and_then(|class| cluster.worker.registry.connector(class).ok())
        .is_some_and(|kind| matches!(kind, ConnectorKind::Source(_)));
    if !is_source {
        return Err(RuntimeError::BadRequest(format!(
            "Connector {name} is not a source connector"
        )));
    }
    if !snapshot.pending_fencing.contains(name) {
        tracing::debug!(connector = %name, "all earlier tasks are fenced out already");
        return Ok(());
    }
    let count = snapshot.tasks.get(name).map_or(0, Vec::len);
    if let Some(&previous) = snapshot.fenced_task_counts.get(name)
        && (previous != 1 || count != 1)
    {
        let group = &cluster.settings.group_id;
        fence_producers(&cluster.worker, config, group, name, previous as u32).await?;
        tracing::info!(connector = %name, fenced = previous, "fenced out the connector's earlier tasks");
    }
    cluster.write_config(vec![fencing_record(name, count)]).await
}

/// Fences the transactional producers of tasks `0..tasks` of connector `name`: a producer of
/// each one's id initialises its transactions, which aborts what the old one left open and
/// refuses it from then on. They reach the cluster the connector's tasks write to.
async fn fence_producers(
    worker: &Worker,
    config: &ConfigMap,
    group: &str,
    name: &str,
    tasks: u32,
) -> Result<(), RuntimeError> {
    let config = worker.config_providers.resolve(config)?;
    let mut fences = tokio::task::JoinSet::new();
    for task in 0..tasks {
        let id = transactional_id(group, name, task);
        let producer = producer_config(&worker.config, &config, &format!("connector-fencer-{id}"));
        let settings = transactional_producer(producer, &id);
        fences.spawn_blocking(move || {
            let producer: BaseProducer = settings.create().map_err(|err| format!("{id}: {err}"))?;
            producer
                .init_transactions(TRANSACTION_TIMEOUT)
                .map_err(|err| format!("{id}: {err}"))
        });
    }
    while let Some(fenced) = fences.join_next().await {
        fenced
            .map_err(|err| err.to_string())
            .and_then(|fenced| fenced)
            .map_err(|err| RuntimeError::Kafka(format!("cannot fence the producer {err}")))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tasks(values: &[&str]) -> Vec<ConfigMap> {
        values
            .iter()
            .map(|value| ConfigMap::from([("file".to_string(), value.to_string())]))
            .collect()
    }

    #[test]
    fn a_task_whose_connector_made_new_task_configurations_is_refused_as_apaches() {
        let mut snapshot = ConfigSnapshot::default();
        snapshot.tasks.insert("lines".into(), tasks(&["a", "b"]));
        assert!(still_current(&snapshot, "lines", "lines-0", &tasks(&["a", "b"])).is_ok());
        let refused = still_current(&snapshot, "lines", "lines-0", &tasks(&["a"])).unwrap_err();
        assert_eq!(
            refused.to_string(),
            "Cannot start source task lines-0 with exactly-once support as the connector has already generated a new set of task configs"
        );
    }
}
