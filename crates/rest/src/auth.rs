//! HTTP basic authentication, as Apache's `BasicAuthSecurityRestExtension` with its
//! `PropertyFileLoginModule`: a JAAS file names a properties file of `user: password` lines.

use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use crate::ApiError;

/// The header carrying an internal request's signature.
pub(crate) const SIGNATURE_HEADER: &str = "X-Connect-Authorization";
/// The header naming the signature's algorithm.
pub(crate) const ALGORITHM_HEADER: &str = "X-Connect-Request-Signature-Algorithm";

/// The users allowed to call the API.
#[derive(Debug, Clone)]
pub struct BasicAuth {
    users: BTreeMap<String, String>,
}

impl BasicAuth {
    /// Reads the credentials file named by the `file="…"` option of a JAAS configuration.
    pub fn from_jaas(jaas: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(jaas).map_err(|err| format!("cannot read {}: {err}", jaas.display()))?;
        let file = text
            .split("file=")
            .nth(1)
            .and_then(|rest| rest.trim_start().strip_prefix('"'))
            .and_then(|rest| rest.split('"').next())
            .ok_or_else(|| format!("{} names no credentials file=\"…\"", jaas.display()))?;
        let users_text = std::fs::read_to_string(file).map_err(|err| format!("cannot read {file}: {err}"))?;
        Ok(Self {
            users: kconnect_api::config::parse_properties(&users_text),
        })
    }

    fn allows(&self, authorization: Option<&str>) -> bool {
        let Some(encoded) = authorization.and_then(|value| value.strip_prefix("Basic ")) else {
            return false;
        };
        let Some(decoded) = STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
        else {
            return false;
        };
        let Some((user, password)) = decoded.split_once(':') else {
            return false;
        };
        // Every user is compared, each in constant time, so the answer's timing tells neither
        // which users exist nor how much of a password was right.
        self.users.iter().fold(false, |allowed, (known, expected)| {
            let matches = same_in_constant_time(known.as_bytes(), user.as_bytes())
                & same_in_constant_time(expected.as_bytes(), password.as_bytes());
            allowed | matches
        })
    }
}

/// Whether `a` equals `b`, in a time that depends only on their lengths.
fn same_in_constant_time(a: &[u8], b: &[u8]) -> bool {
    let longest = a.len().max(b.len());
    let differences = (0..longest).fold(a.len() ^ b.len(), |differences, i| {
        let (x, y) = (a.get(i).copied().unwrap_or(0), b.get(i).copied().unwrap_or(0));
        differences | usize::from(x ^ y)
    });
    std::hint::black_box(differences) == 0
}

/// Whether `request` is a worker's signed internal request (task configurations,
/// `POST /connectors/{c}/tasks`, or a round of zombie fencing, `PUT /connectors/{c}/fence`, with
/// `X-Connect-Authorization`): as Apache's filter, basic authentication lets it through, and the
/// herder checks its signature against the session key instead.
fn is_signed_internal_request(request: &Request) -> bool {
    let path = request.uri().path();
    let internal = match *request.method() {
        Method::POST => path.ends_with("/tasks"),
        Method::PUT => path.ends_with("/fence"),
        _ => false,
    };
    internal && path.starts_with("/connectors/") && request.headers().contains_key(SIGNATURE_HEADER)
}

/// Rejects requests without valid credentials with 401.
pub(crate) async fn require(State(auth): State<Arc<BasicAuth>>, request: Request, next: Next) -> Response {
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    if auth.allows(authorization) || is_signed_internal_request(&request) {
        return next.run(request).await;
    }
    let mut response = ApiError::new(StatusCode::UNAUTHORIZED, "Credentials are missing or invalid").into_response();
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Basic realm=\"kconnect\""),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_comparison_tells_equal_from_different() {
        assert!(same_in_constant_time(b"secret", b"secret"));
        assert!(!same_in_constant_time(b"secret", b"secreT"));
        assert!(!same_in_constant_time(b"secret", b"secret-and-more"));
        assert!(!same_in_constant_time(b"", b"x"));
        assert!(same_in_constant_time(b"", b""));
    }

    #[test]
    fn only_signed_task_configs_and_fencing_requests_are_internal() {
        let request = |method: Method, path: &str, signed: bool| {
            let mut builder = Request::builder().method(method).uri(path);
            if signed {
                builder = builder.header(SIGNATURE_HEADER, "sig");
            }
            builder.body(axum::body::Body::empty()).unwrap()
        };
        assert!(is_signed_internal_request(&request(
            Method::POST,
            "/connectors/c/tasks",
            true
        )));
        assert!(is_signed_internal_request(&request(
            Method::PUT,
            "/connectors/c/fence",
            true
        )));
        assert!(!is_signed_internal_request(&request(
            Method::PUT,
            "/connectors/c/fence",
            false
        )));
        assert!(!is_signed_internal_request(&request(
            Method::PUT,
            "/connectors/c/tasks",
            true
        )));
        assert!(!is_signed_internal_request(&request(
            Method::POST,
            "/connectors/c/fence",
            true
        )));
        assert!(!is_signed_internal_request(&request(
            Method::PUT,
            "/connectors/c/config",
            true
        )));
    }

    #[test]
    fn reads_jaas_and_checks_credentials() {
        let dir = tempfile::tempdir().unwrap();
        let users = dir.path().join("users.properties");
        std::fs::write(&users, "alice: s3cret\nbob=other\n").unwrap();
        let jaas = dir.path().join("jaas.conf");
        std::fs::write(
            &jaas,
            format!("KafkaConnect {{\n  org.apache.kafka.connect.rest.basic.auth.extension.PropertyFileLoginModule required\n  file=\"{}\";\n}};\n", users.display()),
        )
        .unwrap();
        let auth = BasicAuth::from_jaas(&jaas).unwrap();
        let header = |user: &str| format!("Basic {}", STANDARD.encode(user));
        assert!(auth.allows(Some(&header("alice:s3cret"))));
        assert!(auth.allows(Some(&header("bob:other"))));
        assert!(!auth.allows(Some(&header("alice:wrong"))));
        assert!(!auth.allows(None));
    }
}
