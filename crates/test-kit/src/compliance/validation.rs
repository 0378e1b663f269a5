//! The validation check: each kind of bad value gets an error on its own key, in the REST shape of
//! `PUT /connector-plugins/{plugin}/config/validate`.

use kconnect_api::ConfigMap;
use reqwest::Method;
use serde_json::Value;

use super::Report;
use super::harness::Harness;

/// The keys the validation check spoils, one per request.
#[derive(Debug, Clone)]
pub struct Validation {
    /// A key the connector requires (no default): left out.
    pub required: &'static str,
    /// A key of a number or boolean type: given a value that is neither.
    pub typed: &'static str,
    /// A key with a fixed set of values, if the connector has one: given a value outside it.
    pub one_of: Option<&'static str>,
}

/// The errors the validate answer gives `key`.
fn errors_of(answer: &Value, key: &str) -> Vec<String> {
    let configs = answer["configs"].as_array().cloned().unwrap_or_default();
    configs
        .iter()
        .filter(|c| c["value"]["name"] == key)
        .flat_map(|c| c["value"]["errors"].as_array().cloned().unwrap_or_default())
        .filter_map(|e| e.as_str().map(str::to_string))
        .collect()
}

/// Sends each spoiled configuration to the validate endpoint and checks the error is on its key.
pub(super) async fn check(harness: &Harness, config: &ConfigMap, validation: &Validation, report: &mut Report) {
    let class = config.get("connector.class").cloned().unwrap_or_default();
    let mut cases: Vec<(&str, &str, ConfigMap)> = Vec::new();
    let mut missing = config.clone();
    missing.remove(validation.required);
    cases.push(("a missing required key", validation.required, missing));
    let mut typed = config.clone();
    typed.insert(validation.typed.into(), "not-a-number-nor-boolean".into());
    cases.push(("a value of the wrong type", validation.typed, typed));
    if let Some(key) = validation.one_of {
        let mut unknown = config.clone();
        unknown.insert(key.into(), "no-such-choice".into());
        cases.push(("an unknown enum value", key, unknown));
    }
    for (what, key, spoiled) in cases {
        let body = serde_json::to_value(&spoiled).expect("config as JSON");
        let path = format!("/connector-plugins/{class}/config/validate");
        let (status, answer, _) = harness.rest.json(Method::PUT, &path, body).await;
        let errors = errors_of(&answer, key);
        let counted = answer["error_count"].as_u64().unwrap_or(0);
        if status != 200 || counted == 0 || errors.is_empty() {
            report.fail(format!(
                "validate: {what} ({key}) got no error on {key}: HTTP {status}, {counted} errors, answer {answer}"
            ));
        }
    }
}
