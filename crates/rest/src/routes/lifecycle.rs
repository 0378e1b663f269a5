//! Pause, resume, stop and restart.

use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kconnect_runtime::{RestartRequest, TargetState, TaskRestart};
use serde::Deserialize;

use crate::java_bool::java_boolean;
use crate::{ApiError, AppState, to_json};

async fn change(state: &AppState, name: &str, target: TargetState, done: StatusCode) -> Result<StatusCode, ApiError> {
    state.herder.set_target_state(name, target).await?;
    Ok(done)
}

/// `PUT /connectors/{c}/pause`: 202.
pub(crate) async fn pause(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    change(&state, &name, TargetState::Paused, StatusCode::ACCEPTED).await
}

/// `PUT /connectors/{c}/resume`: 202.
pub(crate) async fn resume(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    change(&state, &name, TargetState::Started, StatusCode::ACCEPTED).await
}

/// `PUT /connectors/{c}/stop`: 204.
pub(crate) async fn stop(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    change(&state, &name, TargetState::Stopped, StatusCode::NO_CONTENT).await
}

/// The camelCase query parameters of the restart endpoint.
#[derive(Deserialize)]
pub(crate) struct RestartQuery {
    #[serde(rename = "includeTasks", default, deserialize_with = "java_boolean")]
    include_tasks: bool,
    #[serde(rename = "onlyFailed", default, deserialize_with = "java_boolean")]
    only_failed: bool,
}

/// `POST /connectors/{c}/restart`: 204 for the connector alone, else 202 with the status.
pub(crate) async fn restart(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(query): Query<RestartQuery>,
) -> Result<Response, ApiError> {
    let request = RestartRequest {
        include_tasks: query.include_tasks,
        only_failed: query.only_failed,
    };
    match state.herder.restart_connector(&name, request).await? {
        Some(status) => Ok((StatusCode::ACCEPTED, to_json(status)?).into_response()),
        None => Ok(StatusCode::NO_CONTENT.into_response()),
    }
}

/// `POST /connectors/{c}/tasks/{t}/restart`: 204, here or from the worker that runs the task.
pub(crate) async fn restart_task(
    State(state): State<AppState>,
    Path((name, task)): Path<(String, u32)>,
    request: Request,
) -> Result<Response, ApiError> {
    match state.herder.restart_task(&name, task).await? {
        TaskRestart::Done => Ok(StatusCode::NO_CONTENT.into_response()),
        TaskRestart::Elsewhere(owner) => Ok(crate::forward::forward(&state, &owner, request).await),
    }
}
