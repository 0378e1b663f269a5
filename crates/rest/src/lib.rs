//! The REST API, with Apache Kafka Connect's paths, JSON shapes and error body
//! `{"error_code":…,"message":…}`.

mod auth;
mod body;
mod error;
mod forward;
mod java_bool;
mod loggers;
mod routes;
mod secrets;
mod tls;

use std::net::SocketAddr;
use std::sync::Arc;

use kconnect_runtime::Herder;
use serde::Serialize;

pub use auth::BasicAuth;
pub use error::ApiError;
pub use loggers::{LogLevels, LoggerLevel};

/// `GET /`.
#[derive(Debug, Clone, Serialize)]
pub struct ServerInfo {
    /// The kconnect version.
    pub version: String,
    /// The commit the binary was built from.
    pub commit: String,
    /// The Kafka cluster's id.
    pub kafka_cluster_id: String,
}

/// A JSON response or an error response.
pub(crate) type ApiResult = Result<axum::Json<serde_json::Value>, ApiError>;

/// Serialises a response body.
pub(crate) fn to_json(value: impl Serialize) -> ApiResult {
    serde_json::to_value(value)
        .map(axum::Json)
        .map_err(|err| ApiError::new(axum::http::StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))
}

/// What the handlers share.
#[derive(Clone)]
pub struct AppState {
    /// The herder running the connectors.
    pub herder: Arc<dyn Herder>,
    /// `GET /`.
    pub info: Arc<ServerInfo>,
    /// Run-time log levels, when the binary lets them change.
    pub log_levels: Option<Arc<dyn LogLevels>>,
    /// The client that forwards writes to the leader and task restarts to their worker.
    pub workers: reqwest::Client,
}

/// Which endpoints a listener serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Endpoints {
    /// Every endpoint: a listener of `listeners` when `admin.listeners` is unset.
    All,
    /// Every endpoint but `/admin`: a listener of `listeners` when `admin.listeners` is set.
    Api,
    /// Only `/admin`: a listener of `admin.listeners`.
    Admin,
}

/// The router with the `endpoints`.
pub fn router(state: AppState, endpoints: Endpoints) -> axum::Router {
    routes::router(state, endpoints)
}

/// How the REST listener is secured; both off by default.
#[derive(Clone, Default)]
pub struct RestSecurity {
    /// HTTPS, when the listener is `https://`.
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// HTTP basic authentication; unauthenticated calls get 401.
    pub basic_auth: Option<BasicAuth>,
}

/// Binds `addr` and serves its `endpoints` until `shutdown` completes; returns the bound address
/// at once.
pub async fn serve(
    addr: SocketAddr,
    endpoints: Endpoints,
    state: AppState,
    security: RestSecurity,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<(SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let bound = listener.local_addr()?;
    let mut app = router(state, endpoints);
    if let Some(auth) = security.basic_auth {
        app = app.layer(axum::middleware::from_fn_with_state(Arc::new(auth), auth::require));
    }
    let scheme = if security.tls.is_some() { "https" } else { "http" };
    let handle = serve_app(listener, app, security.tls, shutdown)?;
    let serves = match endpoints {
        Endpoints::Admin => " (admin endpoints)",
        _ => "",
    };
    tracing::info!("REST API listening on {scheme}://{bound}{serves}");
    Ok((bound, handle))
}

/// Serves `app` on `listener`, over HTTPS with `tls` when given (each client's handshake on its
/// own task), until `shutdown` completes.
pub fn serve_app(
    listener: tokio::net::TcpListener,
    app: axum::Router,
    tls: Option<Arc<rustls::ServerConfig>>,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<tokio::task::JoinHandle<()>> {
    Ok(match tls {
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            spawn_server(tls::TlsListener::new(listener, acceptor)?, app, shutdown)
        }
        None => spawn_server(listener, app, shutdown),
    })
}

fn spawn_server<L>(
    listener: L,
    app: axum::Router,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> tokio::task::JoinHandle<()>
where
    L: axum::serve::Listener,
    L::Addr: std::fmt::Debug,
{
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, app).with_graceful_shutdown(shutdown).await {
            tracing::error!(error = %err, "HTTP server failed");
        }
    })
}
