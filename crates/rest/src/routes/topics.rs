//! `/connectors/{c}/topics` (KIP-558).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde_json::json;

use crate::{ApiError, ApiResult, AppState, to_json};

fn forbidden(message: &str) -> ApiError {
    ApiError::new(StatusCode::FORBIDDEN, message)
}

/// `GET`: `{"<c>":{"topics":[…]}}`; 403 when `topic.tracking.enable=false`.
pub(crate) async fn get(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let worker = state.herder.worker();
    if !worker.config.topic_tracking_enabled() {
        return Err(forbidden("Topic tracking is disabled."));
    }
    state.herder.connector_info(&name).await?;
    to_json(json!({ name.clone(): {"topics": worker.active_topics.of(&name)} }))
}

/// `PUT /reset`: 202; 403 when tracking or resetting is disabled.
pub(crate) async fn reset(State(state): State<AppState>, Path(name): Path<String>) -> Result<StatusCode, ApiError> {
    let worker = state.herder.worker();
    if !worker.config.topic_tracking_enabled() {
        return Err(forbidden("Topic tracking is disabled."));
    }
    if !worker.config.topic_tracking_reset_allowed() {
        return Err(forbidden("Topic tracking reset is disabled."));
    }
    state.herder.connector_info(&name).await?;
    worker.active_topics.reset(&name);
    Ok(StatusCode::ACCEPTED)
}
