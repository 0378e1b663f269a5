//! Validators for configuration values, with Apache's messages.

use std::fmt;
use std::sync::Arc;

use super::key::ConfigValue;

/// A rule written as code: `Err` carries the reason the value is invalid.
pub type CustomCheck = Arc<dyn Fn(&ConfigValue) -> Result<(), String> + Send + Sync>;

/// A check on a parsed configuration value.
#[derive(Clone)]
pub enum Validator {
    /// A number no smaller than the bound.
    AtLeast(f64),
    /// A number within the inclusive bounds.
    Between(f64, f64),
    /// One of the listed strings, case-sensitive.
    OneOf(Vec<String>),
    /// One of the listed strings, ignoring case.
    OneOfIgnoreCase(Vec<String>),
    /// A non-empty string.
    NonEmptyString,
    /// Any other rule.
    Custom(CustomCheck),
}

impl Validator {
    /// `OneOf` from string slices.
    pub fn one_of(values: &[&str]) -> Self {
        Self::OneOf(values.iter().map(|v| v.to_string()).collect())
    }

    /// `OneOfIgnoreCase` from string slices.
    pub fn one_of_ignore_case(values: &[&str]) -> Self {
        Self::OneOfIgnoreCase(values.iter().map(|v| v.to_string()).collect())
    }

    /// Checks `value`; null passes every built-in rule, as in Apache (required-ness is separate).
    pub fn check(&self, value: &ConfigValue) -> Result<(), String> {
        if *value == ConfigValue::Null {
            return match self {
                Self::Custom(check) => check(value),
                _ => Ok(()),
            };
        }
        match self {
            Self::AtLeast(min) => match value.as_f64() {
                Some(n) if n < *min => Err(format!("Value must be at least {}", show(*min))),
                _ => Ok(()),
            },
            Self::Between(min, max) => match value.as_f64() {
                Some(n) if n < *min => Err(format!("Value must be at least {}", show(*min))),
                Some(n) if n > *max => Err(format!("Value must be no more than {}", show(*max))),
                _ => Ok(()),
            },
            Self::OneOf(allowed) => match value {
                ConfigValue::String(s) if !allowed.contains(s) => {
                    Err(format!("String must be one of: {}", allowed.join(", ")))
                }
                _ => Ok(()),
            },
            Self::OneOfIgnoreCase(allowed) => match value {
                ConfigValue::String(s) if !allowed.iter().any(|a| a.eq_ignore_ascii_case(s)) => Err(format!(
                    "String must be one of (case insensitive): {}",
                    allowed.join(", ")
                )),
                _ => Ok(()),
            },
            Self::NonEmptyString => match value {
                ConfigValue::String(s) if s.is_empty() => Err("String may not be empty".to_string()),
                _ => Ok(()),
            },
            Self::Custom(check) => check(value),
        }
    }
}

fn show(bound: f64) -> String {
    if bound.fract() == 0.0 {
        format!("{}", bound as i64)
    } else {
        bound.to_string()
    }
}

impl fmt::Debug for Validator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::AtLeast(min) => write!(f, "[{},...]", show(*min)),
            Self::Between(min, max) => write!(f, "[{},...,{}]", show(*min), show(*max)),
            Self::OneOf(values) | Self::OneOfIgnoreCase(values) => write!(f, "[{}]", values.join(", ")),
            Self::NonEmptyString => f.write_str("non-empty string"),
            Self::Custom(_) => f.write_str("custom"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_match_apache() {
        assert_eq!(
            Validator::AtLeast(1.0).check(&ConfigValue::Int(0)),
            Err("Value must be at least 1".to_string())
        );
        assert_eq!(
            Validator::Between(0.0, 10.0).check(&ConfigValue::Int(11)),
            Err("Value must be no more than 10".to_string())
        );
        assert_eq!(
            Validator::one_of(&["none", "all"]).check(&ConfigValue::String("some".into())),
            Err("String must be one of: none, all".to_string())
        );
        assert!(
            Validator::one_of_ignore_case(&["none"])
                .check(&ConfigValue::String("NONE".into()))
                .is_ok()
        );
        assert!(
            Validator::NonEmptyString
                .check(&ConfigValue::String(String::new()))
                .is_err()
        );
    }
}
