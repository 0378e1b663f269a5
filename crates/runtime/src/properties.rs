//! Java `.properties` files, read as `java.util.Properties.load` reads them, and connector configs
//! in JSON (a flat map, or `{"name":…,"config":{…}}` as `connect-standalone` accepts).

use std::path::Path;

use kconnect_api::ConfigMap;

use crate::error::RuntimeError;

/// Parses the text of a `.properties` file: `key=value`, `key: value` or `key value`, `#` and `!`
/// comments, backslash line continuations and escapes.
pub fn parse_properties(text: &str) -> ConfigMap {
    let mut map = ConfigMap::new();
    let mut lines = text.lines();
    while let Some(first) = lines.next() {
        let mut logical = first.trim_start().to_string();
        if logical.is_empty() || logical.starts_with('#') || logical.starts_with('!') {
            continue;
        }
        while ends_with_continuation(&logical) {
            logical.pop();
            match lines.next() {
                Some(next) => logical.push_str(next.trim_start()),
                None => break,
            }
        }
        let (key, value) = split_key_value(&logical);
        map.insert(unescape(&key), unescape(&value));
    }
    map
}

fn ends_with_continuation(line: &str) -> bool {
    line.chars().rev().take_while(|c| *c == '\\').count() % 2 == 1
}

fn split_key_value(line: &str) -> (String, String) {
    let mut chars = line.char_indices().peekable();
    let mut key_end = line.len();
    while let Some((i, c)) = chars.next() {
        if c == '\\' {
            chars.next();
            continue;
        }
        if c == '=' || c == ':' || c.is_whitespace() {
            key_end = i;
            break;
        }
    }
    let key = line[..key_end].to_string();
    let mut rest = line[key_end..].trim_start_matches([' ', '\t', '\x0c']);
    if let Some(stripped) = rest.strip_prefix(['=', ':']) {
        rest = stripped.trim_start_matches([' ', '\t', '\x0c']);
    }
    (key, rest.to_string())
}

fn unescape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('f') => out.push('\x0c'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                if let Some(decoded) = u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32) {
                    out.push(decoded);
                }
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

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
    fn reads_java_properties() {
        let text = "# comment\n! also\nbootstrap.servers=localhost:9092\nkey.converter : org.X\nplain value here\nlong=a,\\\n    b\nescaped\\=key=x\\ty\nempty=\n";
        let map = parse_properties(text);
        assert_eq!(map["bootstrap.servers"], "localhost:9092");
        assert_eq!(map["key.converter"], "org.X");
        assert_eq!(map["plain"], "value here");
        assert_eq!(map["long"], "a,b");
        assert_eq!(map["escaped=key"], "x\ty");
        assert_eq!(map["empty"], "");
        assert_eq!(map.len(), 6);
    }

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
