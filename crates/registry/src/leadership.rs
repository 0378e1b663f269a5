//! One writer for a registry that several processes serve from one topic, as Confluent Schema
//! Registry has it: every member answers reads from its own copy of the topic, and a member that
//! is not the elected leader forwards each write (a registration, a delete, a compatibility level)
//! to the leader, so that ids and versions are only ever given by one process. The election
//! itself is the binary's ([`Leadership`]); without one, the process writes itself.

use std::sync::Arc;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::RegistryError;

/// The header a follower marks a forwarded write with, so that a member that is not the leader
/// (any more) refuses it instead of forwarding it on.
pub const FORWARDED: &str = "x-forward";
/// The largest request body forwarded.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// Who makes the registry's changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Writer {
    /// This process: it is the elected leader (or nothing is elected).
    Here,
    /// The elected leader, at this URL.
    Leader(String),
    /// No leader is known (an election is under way, or it failed).
    Unknown,
}

/// A write forwarded to the leader.
pub struct Forwarded {
    /// Its method.
    pub method: Method,
    /// Its path and query.
    pub path_and_query: String,
    /// Its headers.
    pub headers: HeaderMap,
    /// Its body.
    pub body: Bytes,
}

/// The leader's answer to a forwarded write.
pub struct LeaderAnswer {
    /// The HTTP status.
    pub status: u16,
    /// The content type, when it gave one.
    pub content_type: Option<String>,
    /// The body.
    pub body: Bytes,
}

/// The election a registry member takes part in: who writes now, and how a write reaches them.
#[async_trait::async_trait]
pub trait Leadership: Send + Sync {
    /// Who writes now.
    fn writer(&self) -> Writer;
    /// Sends `request` to the leader at `leader` (its URL): its answer, or why it could not.
    async fn forward(&self, leader: &str, request: Forwarded) -> Result<LeaderAnswer, String>;
}

/// Whether a call changes the registry: a registration, a delete, a level set or removed.
fn is_write(method: &Method, path: &str) -> bool {
    match *method {
        Method::PUT | Method::DELETE => true,
        Method::POST => path.starts_with("/subjects/") && path.ends_with("/versions"),
        _ => false,
    }
}

/// Serves reads here and writes where the [`Leadership`] says.
pub(crate) async fn writes_to_leader(
    State(leadership): State<Arc<dyn Leadership>>,
    request: Request,
    next: Next,
) -> Response {
    if !is_write(request.method(), request.uri().path()) {
        return next.run(request).await;
    }
    let leader = match leadership.writer() {
        Writer::Here => return next.run(request).await,
        Writer::Unknown => return RegistryError::UnknownLeader.into_response(),
        Writer::Leader(url) => url,
    };
    if request.headers().contains_key(FORWARDED) {
        return RegistryError::Forwarding(format!(
            "this member was forwarded a write but is not the leader ({leader} is)"
        ))
        .into_response();
    }
    let (parts, body) = request.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(body) => body,
        Err(err) => return RegistryError::Unprocessable(err.to_string()).into_response(),
    };
    let forwarded = Forwarded {
        method: parts.method,
        path_and_query: parts
            .uri
            .path_and_query()
            .map_or_else(|| parts.uri.path().to_string(), ToString::to_string),
        headers: parts.headers,
        body,
    };
    match leadership.forward(&leader, forwarded).await {
        Ok(answer) => {
            let mut response = Response::builder().status(answer.status);
            if let Some(content_type) = answer.content_type {
                response = response.header(header::CONTENT_TYPE, content_type);
            }
            response
                .body(Body::from(answer.body))
                .unwrap_or_else(|err| RegistryError::Forwarding(err.to_string()).into_response())
        }
        Err(err) => RegistryError::Forwarding(err).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registrations_deletes_and_levels_are_writes_lookups_and_checks_are_not() {
        assert!(is_write(&Method::POST, "/subjects/orders-value/versions"));
        assert!(is_write(&Method::DELETE, "/subjects/orders-value"));
        assert!(is_write(&Method::PUT, "/config/orders-value"));
        assert!(!is_write(&Method::POST, "/subjects/orders-value"), "a lookup");
        assert!(!is_write(
            &Method::POST,
            "/compatibility/subjects/orders-value/versions/latest"
        ));
        assert!(!is_write(&Method::GET, "/subjects/orders-value/versions"));
    }
}
