//! The router: every endpoint and its path.

mod admin;
mod connectors;
mod health;
mod lifecycle;
mod metrics;
mod offsets;
mod plugins;
mod topics;
mod ui;
mod ui_api;

use axum::Router;
use axum::routing::{get, post, put};

use crate::{AppState, Endpoints};

pub(crate) fn router(state: AppState, endpoints: Endpoints) -> Router {
    let routes = match endpoints {
        Endpoints::All => api().merge(admin()),
        Endpoints::Api => api(),
        Endpoints::Admin => admin(),
    };
    routes
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            crate::forward::forward_writes,
        ))
        .with_state(state)
}

/// `/admin`: the loggers.
fn admin() -> Router<AppState> {
    Router::new()
        .route("/admin/loggers", get(admin::list))
        .route("/admin/loggers/{name}", get(admin::get).put(admin::put))
}

/// Every endpoint but `/admin`.
fn api() -> Router<AppState> {
    Router::new()
        .route("/", get(plugins::root))
        .route("/health", get(health::health))
        .route("/metrics", get(metrics::get))
        .route("/connectors", get(connectors::list).post(connectors::create))
        .route("/connectors/{name}", get(connectors::info).delete(connectors::delete))
        .route(
            "/connectors/{name}/config",
            get(connectors::config)
                .put(connectors::put_config)
                .patch(connectors::patch_config),
        )
        .route("/connectors/{name}/status", get(connectors::status))
        .route(
            "/connectors/{name}/tasks",
            get(connectors::tasks).post(connectors::put_tasks),
        )
        .route("/connectors/{name}/tasks/{task}/status", get(connectors::task_status))
        .route("/connectors/{name}/tasks/{task}/restart", post(lifecycle::restart_task))
        .route("/connectors/{name}/restart", post(lifecycle::restart))
        .route("/connectors/{name}/pause", put(lifecycle::pause))
        .route("/connectors/{name}/resume", put(lifecycle::resume))
        .route("/connectors/{name}/stop", put(lifecycle::stop))
        .route("/connectors/{name}/fence", put(connectors::fence))
        .route(
            "/connectors/{name}/offsets",
            get(offsets::get).patch(offsets::patch).delete(offsets::delete),
        )
        .route("/connectors/{name}/topics", get(topics::get))
        .route("/connectors/{name}/topics/reset", put(topics::reset))
        .route("/connector-plugins", get(plugins::list))
        .route("/connector-plugins/{plugin}/config", get(plugins::config))
        .route("/connector-plugins/{plugin}/config/validate", put(plugins::validate))
        .merge(ui())
}

/// `/ui`: the web UI and the calls it makes beyond Apache's API.
fn ui() -> Router<AppState> {
    Router::new()
        .route("/ui", get(ui::root))
        .route("/ui/", get(ui::index))
        .route("/ui/api/cluster", get(ui_api::cluster))
        .route("/ui/api/worker", get(ui_api::worker))
        .route("/ui/api/connectors/{name}/lag", get(ui_api::lag))
        .route("/ui/api/connectors/{name}/dlq", get(ui_api::dead_letters))
        .route("/ui/{*path}", get(ui::asset))
}
