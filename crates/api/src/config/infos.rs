//! The REST validate response shapes: `ConfigInfos`, `ConfigInfo`, `ConfigKeyInfo`,
//! `ConfigValueInfo`, field for field as Apache serialises them.

use serde::{Deserialize, Serialize};

use super::key::{ConfigKey, DefaultValue};

/// The definition half of a validated key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigKeyInfo {
    /// Key name.
    pub name: String,
    /// Type name (`STRING`, `INT`, ...).
    #[serde(rename = "type")]
    pub config_type: String,
    /// Whether the key has no default.
    pub required: bool,
    /// The default as a string, or null.
    pub default_value: Option<String>,
    /// `HIGH`, `MEDIUM` or `LOW`.
    pub importance: String,
    /// Documentation.
    pub documentation: String,
    /// Group name, or null.
    pub group: Option<String>,
    /// Width name.
    pub width: String,
    /// Display name.
    pub display_name: String,
    /// Dependent keys.
    pub dependents: Vec<String>,
    /// Position within the group.
    pub order: i32,
}

impl From<&ConfigKey> for ConfigKeyInfo {
    fn from(key: &ConfigKey) -> Self {
        Self {
            name: key.name.clone(),
            config_type: key.config_type.name().to_string(),
            required: key.is_required(),
            default_value: match &key.default {
                DefaultValue::Required => None,
                DefaultValue::Value(value) => value.to_config_string(),
            },
            importance: key.importance.name().to_string(),
            documentation: key.documentation.clone(),
            group: key.group.clone(),
            width: key.width.name().to_string(),
            display_name: key.display_name.clone(),
            dependents: key.dependents.clone(),
            order: key.order_in_group,
        }
    }
}

/// The value half of a validated key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigValueInfo {
    /// Key name.
    pub name: String,
    /// The value given, or null; passwords as `[hidden]`.
    pub value: Option<String>,
    /// Values a UI may offer.
    pub recommended_values: Vec<String>,
    /// What is wrong with the value; empty when valid.
    pub errors: Vec<String>,
    /// Whether a UI should show the key.
    pub visible: bool,
}

/// One validated key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfo {
    /// The key's definition.
    pub definition: ConfigKeyInfo,
    /// The value and its errors.
    pub value: ConfigValueInfo,
}

/// The whole validate response.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigInfos {
    /// The plugin's class name.
    pub name: String,
    /// The number of errors over every key.
    pub error_count: usize,
    /// Group names in first-seen order.
    pub groups: Vec<String>,
    /// Every key.
    pub configs: Vec<ConfigInfo>,
}

impl ConfigInfos {
    /// Assembles the response, counting errors and collecting groups.
    pub fn new(name: impl Into<String>, configs: Vec<ConfigInfo>) -> Self {
        let mut groups: Vec<String> = Vec::new();
        for group in configs.iter().filter_map(|c| c.definition.group.as_ref()) {
            if !groups.contains(group) {
                groups.push(group.clone());
            }
        }
        Self {
            name: name.into(),
            error_count: configs.iter().map(|c| c.value.errors.len()).sum(),
            groups,
            configs,
        }
    }

    /// Every error as `key: message`, for logs and CLI output.
    pub fn error_messages(&self) -> Vec<String> {
        self.configs
            .iter()
            .flat_map(|c| c.value.errors.iter().map(move |e| format!("{}: {e}", c.value.name)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{ConfigDef, ConfigType, Importance};

    #[test]
    fn serialises_in_apaches_shape() {
        let def = ConfigDef::new().define(
            ConfigKey::new("topic", ConfigType::String)
                .importance(Importance::High)
                .doc("The topic"),
        );
        let infos = ConfigInfos::new("FileStreamSource", def.validate(&Default::default()));
        let json = serde_json::to_value(&infos).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "name": "FileStreamSource",
                "error_count": 1,
                "groups": [],
                "configs": [{
                    "definition": {"name": "topic", "type": "STRING", "required": true,
                        "default_value": null, "importance": "HIGH", "documentation": "The topic",
                        "group": null, "width": "NONE", "display_name": "topic", "dependents": [],
                        "order": -1},
                    "value": {"name": "topic", "value": null, "recommended_values": [],
                        "errors": ["Missing required configuration \"topic\" which has no default value."],
                        "visible": true}
                }]
            })
        );
    }
}
