//! Reading request bodies as Apache does: malformed JSON is a 500 with the parser's message, a
//! configuration is a JSON object whose scalar values are taken as strings.

use axum::http::StatusCode;
use kconnect_runtime::ConfigMap;
use serde_json::Value;

use crate::ApiError;

/// Parses a request body.
pub(crate) fn parse_json(body: &[u8]) -> Result<Value, ApiError> {
    serde_json::from_slice(body).map_err(|err| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, err.to_string()))
}

/// A configuration map from a JSON object; null values are dropped.
pub(crate) fn config_map(json: &Value) -> Result<ConfigMap, ApiError> {
    let object = json
        .as_object()
        .ok_or_else(|| ApiError::bad_request("Connector configuration must be a JSON object"))?;
    Ok(object
        .iter()
        .filter_map(|(key, value)| match value {
            Value::Null => None,
            Value::String(s) => Some((key.clone(), s.clone())),
            other => Some((key.clone(), other.to_string())),
        })
        .collect())
}
