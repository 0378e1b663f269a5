//! `/` and `/connector-plugins`.

use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use kconnect_api::config::ConfigKeyInfo;
use kconnect_runtime::connector_config::{CONNECTOR_CLASS, validate_connector_config};
use serde::Deserialize;

use crate::body::{config_map, parse_json};
use crate::java_bool::optional_java_boolean;
use crate::{ApiError, ApiResult, AppState, to_json};

pub(crate) async fn root(State(state): State<AppState>) -> ApiResult {
    to_json(&*state.info)
}

#[derive(Deserialize)]
pub(crate) struct PluginsQuery {
    #[serde(rename = "connectorsOnly", default, deserialize_with = "optional_java_boolean")]
    connectors_only: Option<bool>,
}

pub(crate) async fn list(State(state): State<AppState>, Query(query): Query<PluginsQuery>) -> ApiResult {
    to_json(
        state
            .herder
            .worker()
            .registry
            .list(query.connectors_only.unwrap_or(true)),
    )
}

/// `GET /connector-plugins/{plugin}/config`: the plugin's keys.
pub(crate) async fn config(State(state): State<AppState>, Path(plugin): Path<String>) -> ApiResult {
    let def = state.herder.worker().registry.config_def(&plugin)?;
    to_json(def.keys().iter().map(ConfigKeyInfo::from).collect::<Vec<_>>())
}

/// `PUT /connector-plugins/{plugin}/config/validate`: every key with its errors; never a 500 for a
/// bad configuration.
pub(crate) async fn validate(State(state): State<AppState>, Path(plugin): Path<String>, body: Bytes) -> ApiResult {
    let registry = &state.herder.worker().registry;
    let mut config = config_map(&parse_json(&body)?)?;
    match config.get(CONNECTOR_CLASS) {
        Some(class) if !registry.same_connector(class, &plugin) && class != &plugin => {
            return Err(ApiError::bad_request(format!(
                "Included connector type {class} does not match request type {plugin}"
            )));
        }
        Some(_) => {}
        None => {
            config.insert(CONNECTOR_CLASS.into(), plugin.clone());
        }
    }
    to_json(validate_connector_config(
        registry,
        &config,
        &state.herder.worker().config,
    ))
}
