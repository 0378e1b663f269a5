//! The endpoints.

use axum::extract::{Path, Query, RawQuery, State};
use axum::routing::get;
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Map, Value};

use crate::{ApiError, AppState};

type ApiResult = Result<Json<Value>, ApiError>;

fn to_json(value: impl serde::Serialize) -> ApiResult {
    serde_json::to_value(value)
        .map(Json)
        .map_err(|err| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))
}

pub(crate) fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(root))
        .route("/connectors", get(list_connectors))
        .route("/connectors/{name}", get(connector_info))
        .route("/connectors/{name}/config", get(connector_config))
        .route("/connectors/{name}/status", get(connector_status))
        .route("/connectors/{name}/tasks", get(connector_tasks))
        .route("/connectors/{name}/tasks/{task}/status", get(task_status))
        .route("/connector-plugins", get(connector_plugins))
        .with_state(state)
}

async fn root(State(state): State<AppState>) -> ApiResult {
    to_json(&*state.info)
}

/// `GET /connectors`, with `?expand=status` and `?expand=info` (repeatable; unknown values ignored).
async fn list_connectors(State(state): State<AppState>, RawQuery(query): RawQuery) -> ApiResult {
    let expand: Vec<String> = query
        .unwrap_or_default()
        .split('&')
        .filter_map(|pair| pair.strip_prefix("expand="))
        .map(str::to_string)
        .collect();
    let names = state.herder.connector_names().await;
    let wants = |what: &str| expand.iter().any(|e| e == what);
    if !wants("status") && !wants("info") {
        return to_json(names);
    }
    let mut result = Map::new();
    for name in names {
        let mut entry = Map::new();
        if wants("status")
            && let Ok(status) = state.herder.connector_status(&name)
        {
            entry.insert("status".into(), serde_json::to_value(status).unwrap_or_default());
        }
        if wants("info")
            && let Ok(info) = state.herder.connector_info(&name).await
        {
            entry.insert("info".into(), serde_json::to_value(info).unwrap_or_default());
        }
        result.insert(name, Value::Object(entry));
    }
    Ok(Json(Value::Object(result)))
}

async fn connector_info(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    to_json(state.herder.connector_info(&name).await?)
}

async fn connector_config(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    to_json(state.herder.connector_info(&name).await?.config)
}

async fn connector_status(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let status = state
        .herder
        .connector_status(&name)
        .map_err(|_| ApiError::not_found(format!("No status found for connector {name}")))?;
    to_json(status)
}

async fn connector_tasks(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    to_json(state.herder.task_infos(&name).await?)
}

async fn task_status(State(state): State<AppState>, Path((name, task)): Path<(String, u32)>) -> ApiResult {
    let status = state
        .herder
        .task_status(&name, task)
        .map_err(|_| ApiError::not_found(format!("No status found for task {name}-{task}")))?;
    to_json(status)
}

#[derive(Deserialize)]
struct PluginsQuery {
    #[serde(rename = "connectorsOnly")]
    connectors_only: Option<bool>,
}

async fn connector_plugins(State(state): State<AppState>, Query(query): Query<PluginsQuery>) -> ApiResult {
    let plugins = state
        .herder
        .worker()
        .registry
        .list(query.connectors_only.unwrap_or(true));
    to_json(plugins)
}
