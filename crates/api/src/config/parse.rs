//! Parsing raw strings into typed configuration values, with Apache's messages.

use super::key::{ConfigType, ConfigValue};

/// Parses `raw` as a value of `config_type`, or says why not in Apache's words.
pub(crate) fn parse_typed(config_type: ConfigType, raw: &str) -> Result<ConfigValue, String> {
    let trimmed = raw.trim();
    let number = |_| format!("Not a number of type {}", config_type.name());
    let double = |_| format!("Not a number of type {}", config_type.name());
    Ok(match config_type {
        ConfigType::Boolean => match trimmed.to_ascii_lowercase().as_str() {
            "true" => ConfigValue::Boolean(true),
            "false" => ConfigValue::Boolean(false),
            _ => return Err("Expected value to be either true or false".to_string()),
        },
        ConfigType::String => ConfigValue::String(trimmed.to_string()),
        ConfigType::Int => ConfigValue::Int(trimmed.parse().map_err(number)?),
        ConfigType::Short => ConfigValue::Short(trimmed.parse().map_err(number)?),
        ConfigType::Long => ConfigValue::Long(trimmed.parse().map_err(number)?),
        ConfigType::Double => ConfigValue::Double(trimmed.parse().map_err(double)?),
        ConfigType::List => ConfigValue::List(parse_list(trimmed)),
        ConfigType::Class => ConfigValue::Class(trimmed.to_string()),
        ConfigType::Password => ConfigValue::Password(raw.to_string()),
    })
}

/// Splits a comma-separated list, trimming each item; an empty string is an empty list.
pub fn parse_list(raw: &str) -> Vec<String> {
    if raw.trim().is_empty() {
        return Vec::new();
    }
    raw.split(',').map(|item| item.trim().to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_type() {
        assert_eq!(parse_typed(ConfigType::Boolean, "TRUE"), Ok(ConfigValue::Boolean(true)));
        assert_eq!(parse_typed(ConfigType::Int, " 42 "), Ok(ConfigValue::Int(42)));
        assert_eq!(parse_typed(ConfigType::Long, "-1"), Ok(ConfigValue::Long(-1)));
        assert_eq!(parse_typed(ConfigType::Double, "1.5"), Ok(ConfigValue::Double(1.5)));
        assert_eq!(parse_typed(ConfigType::List, ""), Ok(ConfigValue::List(vec![])));
        assert_eq!(
            parse_typed(ConfigType::Int, "x"),
            Err("Not a number of type INT".to_string())
        );
        assert!(parse_typed(ConfigType::Boolean, "yes").is_err());
    }
}
