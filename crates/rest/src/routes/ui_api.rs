//! `/ui/api`: what the web UI needs beyond Apache's API, kconnect's own and read-only: the
//! cluster's workers (and what each says of itself), a sink's lag per partition, and a
//! connector's dead letter queue.

use std::collections::BTreeMap;
use std::time::Duration;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use kconnect_runtime::dead_letters::{DeadLetter, newest_dead_letters};
use kconnect_runtime::offsets_api::sink_lag;
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::{ApiError, ApiResult, AppState, to_json};

/// The records a dead letter queue page shows unless asked otherwise, and the most it may ask.
const DEFAULT_DEAD_LETTERS: usize = 100;
const MAX_DEAD_LETTERS: usize = 1000;

/// How long the cluster page waits for another worker to say what it is.
const PEER_TIMEOUT: Duration = Duration::from_secs(2);

/// One worker: what it runs, and (when it answered) what it is.
#[derive(Default, Serialize)]
struct WorkerLoad {
    worker_id: String,
    connectors: Vec<String>,
    tasks: Vec<String>,
    #[serde(flatten)]
    about: Option<WorkerAbout>,
}

/// What a worker says of itself at `GET /ui/api/worker`.
#[derive(Clone, Serialize, Deserialize)]
struct WorkerAbout {
    version: String,
    commit: String,
    uptime_ms: u64,
}

fn about_here(state: &AppState) -> WorkerAbout {
    WorkerAbout {
        version: state.info.version.clone(),
        commit: state.info.commit.clone(),
        uptime_ms: state.herder.worker().started.elapsed().as_millis() as u64,
    }
}

/// `GET /ui/api/worker`: this worker's version, commit and uptime, for a peer's cluster page.
pub(crate) async fn worker(State(state): State<AppState>) -> ApiResult {
    to_json(about_here(&state))
}

/// What the worker `id` says of itself, asked at `scheme://id` with the caller's credentials;
/// `None` when it does not answer in time.
async fn about_peer(
    state: &AppState,
    scheme: &str,
    id: &str,
    authorization: Option<&HeaderValue>,
) -> Option<WorkerAbout> {
    let mut request = state
        .workers
        .get(format!("{scheme}://{id}/ui/api/worker"))
        .timeout(PEER_TIMEOUT);
    if let Some(value) = authorization {
        request = request.header(header::AUTHORIZATION, value.as_bytes());
    }
    let response = request.send().await.ok()?.error_for_status().ok()?;
    response.json().await.ok()
}

/// `GET /ui/api/cluster`: this worker, its group, and what every worker runs (from the
/// statuses, so a worker running nothing shows only when it is this one) with its version and
/// uptime (asked of each other worker).
pub(crate) async fn cluster(State(state): State<AppState>, headers: HeaderMap) -> ApiResult {
    let herder = &state.herder;
    let here = herder.worker().config.worker_id();
    let me = about_here(&state);
    let mut workers: BTreeMap<String, WorkerLoad> = BTreeMap::new();
    fn load<'a>(workers: &'a mut BTreeMap<String, WorkerLoad>, id: &str) -> &'a mut WorkerLoad {
        workers.entry(id.to_string()).or_insert_with(|| WorkerLoad {
            worker_id: id.to_string(),
            ..WorkerLoad::default()
        })
    }
    load(&mut workers, &here);
    for name in herder.connector_names().await {
        let Ok(status) = herder.connector_status(&name) else {
            continue;
        };
        if !status.connector.worker_id.is_empty() {
            load(&mut workers, &status.connector.worker_id)
                .connectors
                .push(name.clone());
        }
        for task in status.tasks.iter().filter(|t| !t.status.worker_id.is_empty()) {
            load(&mut workers, &task.status.worker_id)
                .tasks
                .push(format!("{name}-{}", task.id));
        }
    }
    let group = herder.group();
    let scheme = group.as_ref().map_or("http", |g| g.scheme.as_str());
    let authorization = headers.get(header::AUTHORIZATION);
    let abouts = futures::future::join_all(workers.keys().map(|id| async {
        match *id == here {
            true => Some(me.clone()),
            false => about_peer(&state, scheme, id, authorization).await,
        }
    }))
    .await;
    for (load, about) in workers.values_mut().zip(abouts) {
        load.about = about;
    }
    to_json(json!({
        "mode": if group.is_some() { "distributed" } else { "standalone" },
        "worker_id": here,
        "version": me.version,
        "commit": me.commit,
        "kafka_cluster_id": state.info.kafka_cluster_id,
        "uptime_ms": me.uptime_ms,
        "group_id": group.as_ref().map(|g| &g.group_id),
        "generation": group.as_ref().map(|g| g.generation),
        "leader_url": group.as_ref().and_then(|g| g.leader_url.as_ref()),
        "is_leader": group.as_ref().is_some_and(|g| g.is_leader),
        "workers": workers.into_values().collect::<Vec<_>>(),
    }))
}

/// `GET /ui/api/connectors/{name}/lag`: a sink's committed offset, end and lag per partition.
pub(crate) async fn lag(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let info = state.herder.connector_info(&name).await?;
    if info.connector_type != "sink" {
        return Err(ApiError::bad_request(format!("Connector {name} is not a sink")));
    }
    to_json(sink_lag(state.herder.worker(), &name, &info.config).await?)
}

#[derive(Deserialize)]
pub(crate) struct DeadLettersQuery {
    limit: Option<usize>,
}

/// Bytes as base64, or null.
fn encoded(bytes: &Option<Vec<u8>>) -> serde_json::Value {
    bytes
        .as_ref()
        .map_or(serde_json::Value::Null, |b| STANDARD.encode(b).into())
}

fn dead_letter_json(record: &DeadLetter) -> serde_json::Value {
    json!({
        "partition": record.partition,
        "offset": record.offset,
        "timestamp": record.timestamp,
        "key": encoded(&record.key),
        "value": encoded(&record.value),
        "headers": record.headers.iter().map(|(key, value)| json!({"key": key, "value": encoded(value)})).collect::<Vec<_>>(),
    })
}

/// `GET /ui/api/connectors/{name}/dlq?limit=N`: the newest records of the connector's dead letter
/// queue, newest first, bytes as base64.
pub(crate) async fn dead_letters(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<DeadLettersQuery>,
) -> ApiResult {
    let info = state.herder.connector_info(&name).await?;
    let limit = query.limit.unwrap_or(DEFAULT_DEAD_LETTERS).clamp(1, MAX_DEAD_LETTERS);
    let letters = newest_dead_letters(state.herder.worker(), &name, &info.config, limit).await?;
    to_json(json!({
        "topic": letters.topic,
        "records": letters.records.iter().map(dead_letter_json).collect::<Vec<_>>(),
    }))
}
