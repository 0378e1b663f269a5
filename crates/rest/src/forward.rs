//! Distributed mode: write requests made to a worker that is not the group leader are forwarded to
//! the leader with `?forward=false`, and its answer returned as is (two hops at most, as Apache);
//! a task restart goes to the worker running the task the same way.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::java_bool::is_java_true;
use crate::{ApiError, AppState};

const MAX_BODY: usize = 16 * 1024 * 1024;

/// Whether a request changes connectors (and so belongs to the leader). A task restart goes to
/// the task's worker instead, which the herder finds.
fn is_write(request: &Request) -> bool {
    let path = request.uri().path();
    let task_restart = path.contains("/tasks/") && path.ends_with("/restart");
    request.method() != Method::GET && path.starts_with("/connectors") && !task_restart
}

/// The middleware: handles the request here, or forwards it to the leader.
pub(crate) async fn forward_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_write(&request) {
        return next.run(request).await;
    }
    let Some(leader) = state.herder.write_target() else {
        return next.run(request).await;
    };
    forward(&state, &leader, request).await
}

/// Sends `request` on to the worker at `target` (its REST URL) with `?forward=false`, with the
/// caller's credentials, and returns that worker's answer. A request that was forwarded already,
/// or with no target known yet, is a conflict, as in Apache.
pub(crate) async fn forward(state: &AppState, target: &str, request: Request) -> Response {
    let query = request.uri().query().unwrap_or_default().to_string();
    if target.is_empty()
        || query.split('&').any(|pair| {
            pair.split_once('=')
                .is_some_and(|(key, value)| key == "forward" && !is_java_true(value))
        })
    {
        return ApiError::new(
            StatusCode::CONFLICT,
            "Cannot complete request because of a conflicting operation (e.g. worker rebalance)",
        )
        .into_response();
    }
    match proxy(&state.workers, target, request, &query).await {
        Ok(response) => response,
        Err(message) => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
    }
}

async fn proxy(client: &reqwest::Client, target: &str, request: Request, query: &str) -> Result<Response, String> {
    let (parts, body) = request.into_parts();
    let body = to_bytes(body, MAX_BODY).await.map_err(|err| err.to_string())?;
    let separator = if query.is_empty() { "" } else { "&" };
    let url = format!(
        "{}{}?{query}{separator}forward=false",
        target.trim_end_matches('/'),
        parts.uri.path()
    );
    let method = reqwest::Method::from_bytes(parts.method.as_str().as_bytes()).map_err(|err| err.to_string())?;
    let mut forwarded = client.request(method, &url).body(body.to_vec());
    for name in [header::CONTENT_TYPE, header::AUTHORIZATION, header::ACCEPT] {
        if let Some(value) = parts.headers.get(&name).and_then(|v| v.to_str().ok()) {
            forwarded = forwarded.header(name.as_str(), value);
        }
    }
    for (name, value) in &parts.headers {
        if name.as_str().starts_with("x-connect-") {
            forwarded = forwarded.header(name.as_str(), value.as_bytes());
        }
    }
    tracing::debug!(%url, "forwarding a request to another worker");
    let answer = forwarded
        .send()
        .await
        .map_err(|err| format!("Error trying to forward REST request: {err}"))?;
    let status = StatusCode::from_u16(answer.status().as_u16()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let content_type = answer
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let bytes = answer.bytes().await.map_err(|err| err.to_string())?;
    let mut response = Response::builder().status(status);
    if let Some(content_type) = content_type {
        response = response.header(header::CONTENT_TYPE, content_type);
    }
    if let Some(location) = location {
        response = response.header(header::LOCATION, location);
    }
    response.body(Body::from(bytes)).map_err(|err| err.to_string())
}
