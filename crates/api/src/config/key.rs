//! One configuration key and the typed values it parses to.

use std::fmt;

use super::HIDDEN;
use super::validator::Validator;

/// The type of a configuration value, named as Apache's `ConfigDef.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConfigType {
    /// `true` or `false`.
    Boolean,
    /// Text.
    String,
    /// 32-bit integer.
    Int,
    /// 16-bit integer.
    Short,
    /// 64-bit integer.
    Long,
    /// Double precision number.
    Double,
    /// Comma-separated list of strings.
    List,
    /// A plugin class name or alias.
    Class,
    /// A secret: never shown in REST responses or logs.
    Password,
}

impl ConfigType {
    /// Apache's upper-case name (`STRING`, `INT`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Int => "INT",
            Self::Short => "SHORT",
            Self::Long => "LONG",
            Self::Double => "DOUBLE",
            Self::List => "LIST",
            Self::Class => "CLASS",
            Self::Password => "PASSWORD",
        }
    }
}

/// A parsed configuration value.
#[derive(Clone, PartialEq)]
pub enum ConfigValue {
    /// No value.
    Null,
    /// A BOOLEAN.
    Boolean(bool),
    /// A STRING.
    String(String),
    /// An INT.
    Int(i32),
    /// A SHORT.
    Short(i16),
    /// A LONG.
    Long(i64),
    /// A DOUBLE.
    Double(f64),
    /// A LIST.
    List(Vec<String>),
    /// A CLASS.
    Class(String),
    /// A PASSWORD; printed as `[hidden]`.
    Password(String),
}

impl ConfigValue {
    /// The value as Apache's `ConfigDef.convertToString` prints it; `None` for null.
    pub fn to_config_string(&self) -> Option<String> {
        Some(match self {
            Self::Null => return None,
            Self::Boolean(v) => v.to_string(),
            Self::String(v) | Self::Class(v) => v.clone(),
            Self::Int(v) => v.to_string(),
            Self::Short(v) => v.to_string(),
            Self::Long(v) => v.to_string(),
            Self::Double(v) => format!("{v:?}"),
            Self::List(items) => items.join(","),
            Self::Password(_) => HIDDEN.to_string(),
        })
    }

    /// The value as a number, for range checks.
    pub fn as_f64(&self) -> Option<f64> {
        match self {
            Self::Int(v) => Some(f64::from(*v)),
            Self::Short(v) => Some(f64::from(*v)),
            Self::Long(v) => Some(*v as f64),
            Self::Double(v) => Some(*v),
            _ => None,
        }
    }
}

impl fmt::Debug for ConfigValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Password(_) => f.write_str(HIDDEN),
            other => write!(f, "{:?}", other.to_config_string()),
        }
    }
}

/// A key's default: none (the key is required) or a value, possibly null.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultValue {
    /// The key must be given.
    Required,
    /// The value used when the key is absent.
    Value(ConfigValue),
}

/// How important a key is, as Apache's `ConfigDef.Importance`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Importance {
    /// HIGH.
    High,
    /// MEDIUM.
    Medium,
    /// LOW.
    Low,
}

impl Importance {
    /// Apache's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::High => "HIGH",
            Self::Medium => "MEDIUM",
            Self::Low => "LOW",
        }
    }
}

/// The display width of a key in UIs, as Apache's `ConfigDef.Width`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Width {
    /// NONE.
    None,
    /// SHORT.
    Short,
    /// MEDIUM.
    Medium,
    /// LONG.
    Long,
}

impl Width {
    /// Apache's name.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "NONE",
            Self::Short => "SHORT",
            Self::Medium => "MEDIUM",
            Self::Long => "LONG",
        }
    }
}

/// One configuration key with everything Apache's `ConfigKey` declares.
#[derive(Debug, Clone)]
pub struct ConfigKey {
    /// The key.
    pub name: String,
    /// The value's type.
    pub config_type: ConfigType,
    /// The default, or [`DefaultValue::Required`].
    pub default: DefaultValue,
    /// Checks a parsed value.
    pub validator: Option<Validator>,
    /// How important the key is.
    pub importance: Importance,
    /// What the key does.
    pub documentation: String,
    /// The group the key is shown in.
    pub group: Option<String>,
    /// The key's position in its group; -1 when unset.
    pub order_in_group: i32,
    /// The display width.
    pub width: Width,
    /// The name shown in UIs.
    pub display_name: String,
    /// Keys whose meaning depends on this one.
    pub dependents: Vec<String>,
    /// Values to offer in UIs.
    pub recommended_values: Vec<String>,
}

impl ConfigKey {
    /// A required key of `config_type`, MEDIUM importance, no documentation.
    pub fn new(name: impl Into<String>, config_type: ConfigType) -> Self {
        let name = name.into();
        Self {
            display_name: name.clone(),
            name,
            config_type,
            default: DefaultValue::Required,
            validator: None,
            importance: Importance::Medium,
            documentation: String::new(),
            group: None,
            order_in_group: -1,
            width: Width::None,
            dependents: Vec::new(),
            recommended_values: Vec::new(),
        }
    }

    /// Sets the default value (use [`ConfigValue::Null`] for an optional key without default).
    pub fn default_value(mut self, value: ConfigValue) -> Self {
        self.default = DefaultValue::Value(value);
        self
    }

    /// Sets the validator.
    pub fn validator(mut self, validator: Validator) -> Self {
        if let Validator::OneOf(values) | Validator::OneOfIgnoreCase(values) = &validator {
            self.recommended_values = values.clone();
        }
        self.validator = Some(validator);
        self
    }

    /// Sets the importance.
    pub fn importance(mut self, importance: Importance) -> Self {
        self.importance = importance;
        self
    }

    /// Sets the documentation.
    pub fn doc(mut self, documentation: impl Into<String>) -> Self {
        self.documentation = documentation.into();
        self
    }

    /// Sets the group and the order within it.
    pub fn group(mut self, group: impl Into<String>, order_in_group: i32) -> Self {
        self.group = Some(group.into());
        self.order_in_group = order_in_group;
        self
    }

    /// Sets the display width.
    pub fn width(mut self, width: Width) -> Self {
        self.width = width;
        self
    }

    /// Sets the display name.
    pub fn display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }

    /// Sets the dependent keys.
    pub fn dependents(mut self, dependents: &[&str]) -> Self {
        self.dependents = dependents.iter().map(|d| d.to_string()).collect();
        self
    }

    /// Whether the key has no default.
    pub fn is_required(&self) -> bool {
        self.default == DefaultValue::Required
    }

    /// How a raw value of this key is shown back: passwords hidden.
    pub fn display_value(&self, raw: &str) -> String {
        match self.config_type {
            ConfigType::Password => HIDDEN.to_string(),
            _ => raw.to_string(),
        }
    }

    /// Parses the raw value (or the default when absent) and runs the validator, returning Apache's
    /// error message on failure.
    pub fn parse_from(&self, raw: Option<&str>) -> Result<ConfigValue, String> {
        let value = match (raw, &self.default) {
            (Some(raw), _) => self.parse_raw(raw)?,
            (None, DefaultValue::Value(default)) => default.clone(),
            (None, DefaultValue::Required) => {
                return Err(format!(
                    "Missing required configuration \"{}\" which has no default value.",
                    self.name
                ));
            }
        };
        if let Some(validator) = &self.validator {
            validator.check(&value).map_err(|reason| {
                let shown = value.to_config_string().unwrap_or_else(|| "null".to_string());
                format!("Invalid value {shown} for configuration {}: {reason}", self.name)
            })?;
        }
        Ok(value)
    }

    fn parse_raw(&self, raw: &str) -> Result<ConfigValue, String> {
        super::parse::parse_typed(self.config_type, raw).map_err(|reason| {
            let shown = self.display_value(raw);
            format!("Invalid value {shown} for configuration {}: {reason}", self.name)
        })
    }
}
