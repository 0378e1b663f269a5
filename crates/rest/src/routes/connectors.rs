//! `/connectors`: create, read, update and delete connectors.

use std::collections::BTreeMap;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use kconnect_runtime::{ConfigMap, ConnectorInfo, TargetState};
use serde_json::{Map, Value};

use crate::auth::{ALGORITHM_HEADER, SIGNATURE_HEADER};
use crate::body::{config_map, parse_json};
use crate::secrets;
use crate::{ApiError, ApiResult, AppState, to_json};

/// `GET /connectors`, with `?expand=status` and `?expand=info` (repeatable; unknown values ignored).
pub(crate) async fn list(State(state): State<AppState>, RawQuery(query): RawQuery) -> ApiResult {
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
            let status = state.herder.worker().with_task_health(status);
            entry.insert("status".into(), serde_json::to_value(status).unwrap_or_default());
        }
        if wants("info")
            && let Ok(info) = state.herder.connector_info(&name).await
        {
            entry.insert(
                "info".into(),
                serde_json::to_value(shown(&state, info)).unwrap_or_default(),
            );
        }
        result.insert(name, Value::Object(entry));
    }
    Ok(Json(Value::Object(result)))
}

/// Puts `name` into `config`, or fails when the config names another connector.
fn with_name(name: &str, mut config: ConfigMap) -> Result<ConfigMap, ApiError> {
    match config.get("name") {
        Some(given) if given.trim() != name => Err(ApiError::bad_request(format!(
            "Connector name configuration ({given}) doesn't match connector name in the URL ({name})"
        ))),
        _ => {
            config.insert("name".into(), name.to_string());
            Ok(config)
        }
    }
}

fn created(name: &str, body: impl serde::Serialize) -> Result<Response, ApiError> {
    let location = format!("/connectors/{name}");
    Ok((StatusCode::CREATED, [(header::LOCATION, location)], to_json(body)?).into_response())
}

/// `POST /connectors` with `{"name","config","initial_state"}`: 201 and `Location`.
pub(crate) async fn create(State(state): State<AppState>, body: Bytes) -> Result<Response, ApiError> {
    let request = parse_json(&body)?;
    let name = request
        .get("name")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("Connector name cannot be empty"))?;
    if name.contains('/') {
        return Err(ApiError::bad_request("connector name should not contain '/'"));
    }
    let config = config_map(request.get("config").unwrap_or(&Value::Null))?;
    let initial = match request.get("initial_state").and_then(Value::as_str) {
        Some(text) => Some(text.parse::<TargetState>().map_err(ApiError::bad_request)?),
        None => None,
    };
    let info = state.herder.create_connector(with_name(name, config)?, initial).await?;
    created(name, shown(&state, info))
}

/// The configuration of a connector of class `class` (or of one of its tasks) as the API shows
/// it: secrets hidden unless `rest.secrets.mask=false`.
fn shown_config(state: &AppState, class: Option<&str>, config: ConfigMap) -> ConfigMap {
    let worker = state.herder.worker();
    if worker.config.mask_secrets() {
        secrets::masked(&worker.registry, class, config)
    } else {
        config
    }
}

fn shown(state: &AppState, mut info: ConnectorInfo) -> ConnectorInfo {
    let class = secrets::class_of(&info.config).map(str::to_string);
    info.config = shown_config(state, class.as_deref(), info.config);
    info
}

/// `config` as sent, with each secret sent back as `[hidden]` replaced by the stored value of
/// connector `name`.
async fn as_written(state: &AppState, name: &str, config: ConfigMap) -> ConfigMap {
    match state.herder.connector_info(name).await {
        Ok(stored) => secrets::unmasked(&state.herder.worker().registry, config, &stored.config),
        Err(_) => config,
    }
}

pub(crate) async fn info(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let info = state.herder.connector_info(&name).await?;
    to_json(shown(&state, info))
}

pub(crate) async fn config(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let info = state.herder.connector_info(&name).await?;
    to_json(shown(&state, info).config)
}

/// `PUT /connectors/{c}/config`: 201 when created, 200 when updated.
pub(crate) async fn put_config(
    State(state): State<AppState>,
    Path(name): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let config = with_name(&name, config_map(&parse_json(&body)?)?)?;
    let config = as_written(&state, &name, config).await;
    let (was_created, info) = state.herder.put_connector_config(&name, config).await?;
    if was_created {
        created(&name, shown(&state, info))
    } else {
        Ok(to_json(shown(&state, info))?.into_response())
    }
}

/// `PATCH /connectors/{c}/config`: merges; a JSON null removes the key.
pub(crate) async fn patch_config(State(state): State<AppState>, Path(name): Path<String>, body: Bytes) -> ApiResult {
    let patch = parse_json(&body)?;
    let object = patch
        .as_object()
        .ok_or_else(|| ApiError::bad_request("Connector configuration must be a JSON object"))?;
    let mut changes = BTreeMap::new();
    for (key, value) in object {
        let value = match value {
            Value::Null => None,
            Value::String(s) => Some(s.clone()),
            other => Some(other.to_string()),
        };
        changes.insert(key.clone(), value);
    }
    if let Some(Some(given)) = changes.get("name")
        && given != &name
    {
        return Err(ApiError::bad_request(format!(
            "Connector name configuration ({given}) doesn't match connector name in the URL ({name})"
        )));
    }
    let stored = state.herder.connector_info(&name).await?.config;
    let registry = &state.herder.worker().registry;
    changes.retain(|key, value| {
        !value
            .as_deref()
            .is_some_and(|v| secrets::sent_back(registry, &stored, key, v))
    });
    let info = state.herder.patch_connector_config(&name, changes).await?;
    to_json(shown(&state, info))
}

/// `DELETE /connectors/{c}`: 204.
pub(crate) async fn delete(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    state.herder.delete_connector(&name).await?;
    Ok(StatusCode::NO_CONTENT)
}

pub(crate) async fn status(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let status = state
        .herder
        .connector_status(&name)
        .map_err(|_| ApiError::not_found(format!("No status found for connector {name}")))?;
    to_json(state.herder.worker().with_task_health(status))
}

pub(crate) async fn tasks(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let mut tasks = state.herder.task_infos(&name).await?;
    let connector = state.herder.connector_info(&name).await?.config;
    let class = secrets::class_of(&connector);
    for task in &mut tasks {
        task.config = shown_config(&state, class, std::mem::take(&mut task.config));
    }
    to_json(tasks)
}

pub(crate) async fn task_status(State(state): State<AppState>, Path((name, task)): Path<(String, u32)>) -> ApiResult {
    let status = state
        .herder
        .task_status(&name, task)
        .map_err(|_| ApiError::not_found(format!("No status found for task {name}-{task}")))?;
    to_json(status)
}

/// The internal `POST /connectors/{c}/tasks`: task configurations from the connector's owner,
/// signed with the session key.
pub(crate) async fn put_tasks(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    state.herder.put_task_configs(&name, &body, signature(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The internal `PUT /connectors/{c}/fence`: a round of zombie fencing for an exactly-once
/// source connector, asked of the leader by a task about to start, signed with the session key.
pub(crate) async fn fence(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Result<StatusCode, ApiError> {
    state.herder.fence_zombies(&name, &body, signature(&headers)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The request signature of an internal request: its `X-Connect-Authorization` and
/// `X-Connect-Request-Signature-Algorithm` headers.
fn signature(headers: &axum::http::HeaderMap) -> Option<(String, String)> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    header(SIGNATURE_HEADER).zip(header(ALGORITHM_HEADER))
}
