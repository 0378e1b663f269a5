//! `/admin/loggers` (KIP-495): log levels at run time, for this worker (`scope=worker`).

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Map, Value};

use crate::body::parse_json;
use crate::{ApiError, ApiResult, AppState, to_json};

fn levels(state: &AppState) -> Result<&dyn crate::LogLevels, ApiError> {
    state
        .log_levels
        .as_deref()
        .ok_or_else(|| ApiError::not_found("Log levels cannot be changed on this worker"))
}

/// `GET /admin/loggers`: `{"root":{"level":"INFO","last_modified":null},…}`.
pub(crate) async fn list(State(state): State<AppState>) -> ApiResult {
    let all: Map<String, Value> = levels(&state)?
        .levels()
        .into_iter()
        .map(|(name, level)| (name, serde_json::to_value(level).unwrap_or_default()))
        .collect();
    Ok(axum::Json(Value::Object(all)))
}

/// `GET /admin/loggers/{name}`.
pub(crate) async fn get(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let level = levels(&state)?
        .levels()
        .into_iter()
        .find(|(logger, _)| *logger == name)
        .map(|(_, level)| level)
        .ok_or_else(|| ApiError::not_found(format!("Logger {name} not found.")))?;
    to_json(level)
}

/// `?scope=worker` (the default; unknown values count as worker) or `?scope=cluster`.
#[derive(serde::Deserialize)]
pub(crate) struct ScopeQuery {
    scope: Option<String>,
}

/// `PUT /admin/loggers/{name}` with `{"level":"DEBUG"}`: 200 with the loggers changed; with
/// `scope=cluster`, 204 (a standalone worker is the whole cluster).
pub(crate) async fn put(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<ScopeQuery>,
    body: Bytes,
) -> Result<axum::response::Response, ApiError> {
    let body = parse_json(&body)?;
    let level = body
        .get("level")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::bad_request("Desired 'level' parameter was not specified in request."))?;
    let changed = levels(&state)?
        .set(&name, level)
        .map_err(|message| ApiError::new(StatusCode::NOT_FOUND, message))?;
    if query
        .scope
        .as_deref()
        .is_some_and(|scope| scope.eq_ignore_ascii_case("cluster"))
    {
        return Ok(StatusCode::NO_CONTENT.into_response());
    }
    Ok(to_json(changed)?.into_response())
}
