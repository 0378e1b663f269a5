//! `GET /health` (KIP-1017): `starting` (503) until the worker has started, `unhealthy` (500) when
//! its herder does not answer within ten seconds, `healthy` (200) otherwise, with Apache's messages.

use std::time::Duration;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::AppState;

/// Apache's health-check timeout.
const HEALTH_CHECK_TIMEOUT: Duration = Duration::from_secs(10);

fn answer(code: StatusCode, status: &str, message: String) -> Response {
    (code, Json(json!({"status": status, "message": message}))).into_response()
}

pub(crate) async fn health(State(state): State<AppState>) -> Response {
    if !state.herder.is_ready() {
        return answer(
            StatusCode::SERVICE_UNAVAILABLE,
            "starting",
            "Worker is still starting up.".into(),
        );
    }
    let unhealthy = "Worker was unable to handle this request and may be unable to handle other requests.";
    match tokio::time::timeout(HEALTH_CHECK_TIMEOUT, state.herder.health_check()).await {
        Ok(Ok(())) => answer(
            StatusCode::OK,
            "healthy",
            "Worker has completed startup and is ready to handle requests.".into(),
        ),
        Ok(Err(err)) => answer(
            StatusCode::INTERNAL_SERVER_ERROR,
            "unhealthy",
            format!("{unhealthy} {err}"),
        ),
        Err(_) => answer(StatusCode::INTERNAL_SERVER_ERROR, "unhealthy", unhealthy.into()),
    }
}
