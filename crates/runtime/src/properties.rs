//! Configuration files: Java `.properties` (parsed by the API crate, as `java.util.Properties.load`
//! reads them), and connector configs in JSON (a flat map, or `{"name":…,"config":{…}}` as
//! `connect-standalone` accepts).

use std::path::Path;

use kconnect_api::ConfigMap;
use kconnect_api::config::parse_properties;

use crate::error::RuntimeError;

/// Reads a worker or connector configuration file: JSON when it starts with `{`, else properties.
pub fn read_config_file(path: &Path) -> Result<ConfigMap, RuntimeError> {
    let text = std::fs::read_to_string(path).map_err(|source| RuntimeError::ConfigFile {
        path: path.display().to_string(),
        message: source.to_string(),
    })?;
    if text.trim_start().starts_with('{') {
        parse_json_config(&text).map_err(|message| RuntimeError::ConfigFile {
            path: path.display().to_string(),
            message,
        })
    } else {
        Ok(parse_properties(&text))
    }
}

/// Parses a connector config in JSON: a flat map of strings, or a create request with `name` and
/// `config`.
pub fn parse_json_config(text: &str) -> Result<ConfigMap, String> {
    let json: serde_json::Value = serde_json::from_str(text).map_err(|err| format!("invalid JSON: {err}"))?;
    let object = json.as_object().ok_or("expected a JSON object")?;
    let (config, name) = match object.get("config") {
        Some(serde_json::Value::Object(config)) => (config, object.get("name").and_then(|n| n.as_str())),
        _ => (object, None),
    };
    let mut map = ConfigMap::new();
    for (key, value) in config {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Null => continue,
            other => other.to_string(),
        };
        map.insert(key.clone(), text);
    }
    if let Some(name) = name {
        map.insert("name".into(), name.to_string());
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_json_configs_both_ways() {
        let flat = parse_json_config(r#"{"name":"a","tasks.max":2}"#).unwrap();
        assert_eq!(flat["tasks.max"], "2");
        let request = parse_json_config(r#"{"name":"b","config":{"topic":"t"}}"#).unwrap();
        assert_eq!(request["name"], "b");
        assert_eq!(request["topic"], "t");
        assert!(parse_json_config("[1]").is_err());
    }
}
