//! `/connectors/{c}/offsets` (KIP-875).

use axum::body::Bytes;
use axum::extract::{Path, State};
use kconnect_runtime::offsets_api::ConnectorOffset;
use serde_json::{Value, json};

use crate::body::parse_json;
use crate::{ApiError, ApiResult, AppState, to_json};

/// `GET`: `{"offsets":[{"partition":{…},"offset":{…}}]}`.
pub(crate) async fn get(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    to_json(json!({"offsets": state.herder.offsets(&name).await?}))
}

fn parse_offsets(body: &Value) -> Result<Vec<ConnectorOffset>, ApiError> {
    let entries = body.get("offsets").and_then(Value::as_array).ok_or_else(|| {
        ApiError::bad_request("Offsets must be given as {\"offsets\":[{\"partition\":{…},\"offset\":{…}}]}")
    })?;
    entries
        .iter()
        .map(|entry| {
            let partition = entry
                .get("partition")
                .and_then(Value::as_object)
                .ok_or_else(|| ApiError::bad_request("Each offset needs a \"partition\" object"))?;
            let offset = match entry.get("offset") {
                None | Some(Value::Null) => None,
                Some(Value::Object(offset)) => Some(offset.clone()),
                Some(_) => return Err(ApiError::bad_request("An \"offset\" must be an object or null")),
            };
            Ok(ConnectorOffset {
                partition: partition.clone(),
                offset,
            })
        })
        .collect()
}

/// `PATCH`: alters the given partitions' offsets; 400 unless the connector is STOPPED.
pub(crate) async fn patch(State(state): State<AppState>, Path(name): Path<String>, body: Bytes) -> ApiResult {
    let offsets = parse_offsets(&parse_json(&body)?)?;
    let message = state.herder.alter_offsets(&name, offsets).await?;
    to_json(json!({"message": message}))
}

/// `DELETE`: resets every offset; 400 unless the connector is STOPPED.
pub(crate) async fn delete(State(state): State<AppState>, Path(name): Path<String>) -> ApiResult {
    let message = state.herder.reset_offsets(&name).await?;
    to_json(json!({"message": message}))
}
