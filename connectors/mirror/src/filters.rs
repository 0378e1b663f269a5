//! Names chosen by lists of names and regular expressions, as Apache's `DefaultTopicFilter` and
//! `DefaultConfigPropertyFilter` choose them: a name is taken when one pattern of the include
//! list matches it whole and none of the exclude list does; an empty list matches nothing.

use kconnect_api::{ConnectError, Result};
use regex::Regex;

/// An include and an exclude list of patterns.
#[derive(Debug, Clone)]
pub struct NameFilter {
    include: Option<Regex>,
    exclude: Option<Regex>,
}

/// One regular expression matching any of `patterns` whole; `None` for an empty list.
fn whole_match(patterns: &[String], key: &str) -> Result<Option<Regex>> {
    if patterns.is_empty() {
        return Ok(None);
    }
    Regex::new(&format!("^(?:{})$", patterns.join("|")))
        .map(Some)
        .map_err(|e| ConnectError::config(key, format!("not a list of regular expressions: {e}")))
}

impl NameFilter {
    /// Takes names matching `include` but not `exclude`; an error names `key` when a pattern is
    /// not a regular expression.
    pub fn new(include: &[String], exclude: &[String], key: &str) -> Result<Self> {
        Ok(Self {
            include: whole_match(include, key)?,
            exclude: whole_match(exclude, key)?,
        })
    }

    /// Whether `name` is taken.
    pub fn accepts(&self, name: &str) -> bool {
        self.include.as_ref().is_some_and(|r| r.is_match(name))
            && !self.exclude.as_ref().is_some_and(|r| r.is_match(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(patterns: &str) -> Vec<String> {
        patterns.split(',').map(|p| p.trim().to_string()).collect()
    }

    #[test]
    fn patterns_match_whole_names() {
        let filter = NameFilter::new(&list("orders, pay.*"), &list("payroll"), "topics").unwrap();
        assert!(filter.accepts("orders"));
        assert!(filter.accepts("payments"));
        assert!(!filter.accepts("payroll"));
        assert!(!filter.accepts("old-orders"));
    }

    #[test]
    fn an_empty_include_list_takes_nothing() {
        let filter = NameFilter::new(&[], &[], "topics").unwrap();
        assert!(!filter.accepts("orders"));
    }

    #[test]
    fn a_bad_pattern_names_its_key() {
        let err = NameFilter::new(&list("("), &[], "topics").unwrap_err();
        assert!(matches!(err, ConnectError::Config { key, .. } if key == "topics"));
    }
}
