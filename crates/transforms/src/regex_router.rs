//! `RegexRouter`: renames the topic when the whole name matches `regex`, using `replacement` with
//! Java's `$1` group references.

use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, Transformation};
use regex::Regex;

use crate::field::required_string;

/// Routes records to a topic derived from theirs.
#[derive(Debug, Default)]
pub struct RegexRouter {
    regex: Option<Regex>,
    replacement: String,
}

/// Java's `$1` and `${name}` group references in Rust's `${1}` and `${name}` forms.
pub(crate) fn rust_replacement(java: &str) -> String {
    let mut out = String::with_capacity(java.len());
    let mut chars = java.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.extend(chars.next().map(|next| {
                if next == '$' {
                    "$$".to_string()
                } else {
                    next.to_string()
                }
            })),
            '$' if chars.peek() == Some(&'{') => {
                out.push('$');
                out.extend(std::iter::from_fn(|| chars.next_if(|c| *c != '}')));
                out.extend(chars.next());
            }
            '$' => {
                let digits: String = std::iter::from_fn(|| chars.next_if(char::is_ascii_digit)).collect();
                out.push_str(&format!("${{{digits}}}"));
            }
            other => out.push(other),
        }
    }
    out
}

impl<R: ConnectRecord> Transformation<R> for RegexRouter {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(required_string("regex", "Regular expression to use for matching."))
            .define(required_string("replacement", "Replacement string."))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        let regex = parsed.get_string("regex")?;
        self.regex = Some(
            Regex::new(&format!("^(?:{regex})$"))
                .map_err(|err| ConnectError::config("regex", format!("Invalid regex: {err}")))?,
        );
        self.replacement = rust_replacement(parsed.get_string("replacement")?);
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        if let Some(regex) = &self.regex
            && regex.is_match(&record.core().topic)
        {
            let topic = regex
                .replace(&record.core().topic, self.replacement.as_str())
                .into_owned();
            record.core_mut().topic = topic;
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SchemaAndValue;

    use super::*;
    use crate::testing::{apply, source};

    fn routed(regex: &str, replacement: &str, topic: &str) -> String {
        let mut record = source(SchemaAndValue::NULL);
        record.topic = topic.into();
        let config = [("regex", regex), ("replacement", replacement)];
        apply(RegexRouter::default(), &config, record)
            .unwrap()
            .unwrap()
            .topic
            .clone()
    }

    #[test]
    fn apache_examples() {
        assert_eq!(routed("(.*)", "prefix-$1", "orig"), "prefix-orig");
        assert_eq!(routed("([^-]*)-(.*)", "$2-$1", "a-b"), "b-a");
        assert_eq!(routed("nomatch", "x", "orig"), "orig");
        assert_eq!(routed("(.*)", "cost\\$1", "orig"), "cost$1");
        assert_eq!(routed("(?<kind>.*)", "events.${kind}", "orders"), "events.orders");
    }
}
