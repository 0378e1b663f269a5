//! Starting connector instances and tasks, and stopping tasks: what both herders do with the work
//! they run.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::{ConfigMap, ConnectorKind};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::config_providers::ConfigProviders;
use crate::connector_config::{CONNECTOR_CLASS, TASKS_MAX, TOPICS, TOPICS_REGEX};
use crate::error::RuntimeError;
use crate::herder::HerderContext;
use crate::metrics::ConnectorInfo;
use crate::panics::catching_panics;
use crate::sink_task::run_sink_task;
use crate::source_task::run_source_task;
use crate::status::State;
use crate::target_state::TargetState;
use crate::worker::{TaskSpec, Worker};

/// What must succeed before a task starts (an exactly-once source task's zombie fencing); the
/// task fails with its error.
pub type Preflight = Pin<Box<dyn Future<Output = Result<(), RuntimeError>> + Send>>;

/// What an exactly-once source task must pass (KIP-618), each failing the task with its error.
#[derive(Default)]
pub struct TaskChecks {
    /// Before the task starts: its connector's round of zombie fencing.
    pub preflight: Option<Preflight>,
    /// Once its transactional producer started (which fenced any earlier run of the task):
    /// that its connector's task configurations are still those it was started with.
    pub after_producer: Option<Preflight>,
}

/// A running task.
pub struct RunningTask {
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

/// The state a running connector or task reports for `target`.
pub fn running_state(target: TargetState) -> State {
    match target {
        TargetState::Paused => State::Paused,
        _ => State::Running,
    }
}

/// Starts connector `name` with `config` and returns the instance and its task configurations,
/// completed with what the runtime adds (`task.class`, a sink's topics).
pub async fn start_connector(
    worker: &Arc<Worker>,
    name: &str,
    config: &ConfigMap,
) -> Result<(ConnectorKind, Vec<ConfigMap>), RuntimeError> {
    let limit = worker.config.connector_start_timeout();
    let start = catching_panics("the connector", instantiate_connector(worker, name, config));
    let started = tokio::time::timeout(limit, start).await.unwrap_or_else(|_| {
        Err(RuntimeError::Connect(kconnect_api::ConnectError::Fatal(format!(
            "the connector's start did not finish within {} ms (connector.start.timeout.ms)",
            limit.as_millis()
        ))))
    });
    worker.metrics.connector_startups.record(started.is_ok());
    let (instance, resolved) = started?;
    worker.metrics.connector_started(
        name,
        ConnectorInfo {
            class: worker
                .registry
                .connector_class(&config[CONNECTOR_CLASS])
                .unwrap_or(&config[CONNECTOR_CLASS])
                .to_string(),
            kind: instance.type_name().to_string(),
            version: instance.connector().version(),
        },
    );
    let task_configs = generate_task_configs(worker, config, &resolved, &instance)?;
    Ok((instance, task_configs))
}

/// Creates and starts connector `name`; returns it with its resolved configuration.
async fn instantiate_connector(
    worker: &Arc<Worker>,
    name: &str,
    config: &ConfigMap,
) -> Result<(ConnectorKind, ConfigMap), RuntimeError> {
    let mut instance = worker.registry.connector(&config[CONNECTOR_CLASS])?;
    let context = Arc::new(HerderContext {
        name: name.to_string(),
        connector_type: instance.type_name(),
        worker: worker.clone(),
    });
    let resolved = worker.config_providers.resolve(config)?;
    instance.connector_mut().start(context, resolved.clone()).await?;
    Ok((instance, resolved))
}

/// How long a connector's `stop` may take before the herder goes on without it (Apache's
/// five-second connector shutdown bound).
const CONNECTOR_STOP_TIMEOUT: Duration = Duration::from_secs(5);

/// Stops connector instance `instance` of connector `name`: a failure, a panic or a stop that takes
/// longer than five seconds is logged, and the herder goes on.
pub async fn stop_connector(name: &str, mut instance: ConnectorKind) {
    let stop = catching_panics("the connector's stop", async {
        instance.connector_mut().stop().await.map_err(RuntimeError::from)
    });
    match tokio::time::timeout(CONNECTOR_STOP_TIMEOUT, stop).await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => tracing::warn!(connector = %name, error = %err, "connector failed to stop cleanly"),
        Err(_) => tracing::warn!(connector = %name, "connector did not stop within 5 s; going on without it"),
    }
}

/// The task configurations the started connector `instance` (of configuration `config`) asks for
/// now, completed as `start_connector` does: what a herder compares with the current ones when the
/// connector requests a task reconfiguration.
pub fn task_configs(
    worker: &Worker,
    config: &ConfigMap,
    instance: &ConnectorKind,
) -> Result<Vec<ConfigMap>, RuntimeError> {
    let resolved = worker.config_providers.resolve(config)?;
    generate_task_configs(worker, config, &resolved, instance)
}

fn generate_task_configs(
    worker: &Worker,
    config: &ConfigMap,
    resolved: &ConfigMap,
    instance: &ConnectorKind,
) -> Result<Vec<ConfigMap>, RuntimeError> {
    let max_tasks = config
        .get(TASKS_MAX)
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(1usize);
    let task_configs = instance.connector().task_configs(max_tasks)?;
    Ok(task_configs
        .into_iter()
        .map(|task| ConfigProviders::unresolve(config, resolved, task))
        .map(|task| complete_task_config(worker, config, instance.type_name(), task))
        .collect())
}

/// Adds what the runtime puts in every task config: `task.class`, and a sink's topics.
fn complete_task_config(worker: &Worker, config: &ConfigMap, connector_type: &str, mut task: ConfigMap) -> ConfigMap {
    // A connector that knows its task class (a Java connector, from `taskClass()`) names it;
    // for the built-in ones it is derived from the connector's class, as Apache's are named.
    task.entry("task.class".into()).or_insert_with(|| {
        let class = worker
            .registry
            .connector_class(&config[CONNECTOR_CLASS])
            .unwrap_or_default();
        class
            .strip_suffix("Connector")
            .map_or_else(|| format!("{class}Task"), |base| format!("{base}Task"))
    });
    if connector_type == "sink" {
        for key in [TOPICS, TOPICS_REGEX] {
            if let Some(value) = config.get(key) {
                task.insert(key.into(), value.clone());
            }
        }
    }
    task
}

/// Starts the task `spec` (configurations as stored, resolved here) of connector `kind`, once
/// its preflight (if any) succeeded; a task whose configuration cannot be resolved, or whose
/// checks fail, is marked FAILED and not started.
pub fn start_task(
    worker: &Arc<Worker>,
    kind: &ConnectorKind,
    spec: TaskSpec,
    target: watch::Receiver<TargetState>,
    checks: TaskChecks,
) -> Option<RunningTask> {
    let resolved = worker
        .config_providers
        .resolve(&spec.connector_config)
        .and_then(|connector| Ok((connector, worker.config_providers.resolve(&spec.task_config)?)));
    worker.metrics.task_startups.record(resolved.is_ok());
    let (connector_config, task_config) = match resolved {
        Ok(configs) => configs,
        Err(err) => {
            worker
                .statuses
                .put_task(&spec.connector, spec.id, State::Failed, Some(err.to_string()));
            return None;
        }
    };
    let spec = TaskSpec {
        connector_config,
        task_config,
        ..spec
    };
    let state = running_state(*target.borrow());
    worker.statuses.put_task(&spec.connector, spec.id, state, None);
    let stop = CancellationToken::new();
    let token = stop.clone();
    let worker = worker.clone();
    let handle = match kind {
        ConnectorKind::Source(source) => {
            let task = source.create_task();
            tokio::spawn(async move {
                let stop = token.clone();
                let run = run_source_task(worker.clone(), spec.clone(), task, target, stop, checks.after_producer);
                let result = catching_panics("the task", after(checks.preflight, &token, run)).await;
                record_outcome(&worker, &spec, result);
            })
        }
        ConnectorKind::Sink(sink) => {
            let task = sink.create_task();
            tokio::spawn(async move {
                let run = run_sink_task(worker.clone(), spec.clone(), task, target, token.clone());
                let result = catching_panics("the task", after(checks.preflight, &token, run)).await;
                record_outcome(&worker, &spec, result);
            })
        }
    };
    Some(RunningTask { stop, handle })
}

/// Runs `task` once `preflight` succeeded; nothing when `stop` comes first.
async fn after(
    preflight: Option<Preflight>,
    stop: &CancellationToken,
    task: impl Future<Output = Result<(), RuntimeError>>,
) -> Result<(), RuntimeError> {
    if let Some(preflight) = preflight {
        tokio::select! {
            checked = preflight => checked?,
            () = stop.cancelled() => return Ok(()),
        }
    }
    task.await
}

/// Asks every task to stop and waits for all of them together at most `timeout`, aborting the rest.
pub async fn stop_all(tasks: Vec<RunningTask>, timeout: Duration) {
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
