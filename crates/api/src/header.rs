//! Record headers: an ordered multimap from key to schema and value.

use crate::schema::SchemaRef;
use crate::value::Value;

/// One header.
#[derive(Debug, Clone, PartialEq)]
pub struct Header {
    /// The header's key.
    pub key: String,
    /// The value's schema, if known.
    pub schema: Option<SchemaRef>,
    /// The value.
    pub value: Value,
}

/// The headers of a record, in order; a key may appear more than once.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Headers(Vec<Header>);

impl Headers {
    /// No headers.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends a header.
    pub fn add(&mut self, key: impl Into<String>, schema: Option<SchemaRef>, value: Value) -> &mut Self {
        self.0.push(Header {
            key: key.into(),
            schema,
            value,
        });
        self
    }

    /// Appends a string header with an optional-string schema.
    pub fn add_string(&mut self, key: impl Into<String>, value: impl Into<String>) -> &mut Self {
        self.add(
            key,
            Some(crate::schema::Schema::optional_string()),
            Value::String(value.into()),
        )
    }

    /// The last header with `key`.
    pub fn last_with_name(&self, key: &str) -> Option<&Header> {
        self.0.iter().rev().find(|header| header.key == key)
    }

    /// Every header with `key`, in order.
    pub fn all_with_name<'a>(&'a self, key: &'a str) -> impl Iterator<Item = &'a Header> + 'a {
        self.0.iter().filter(move |header| header.key == key)
    }

    /// Removes every header with `key`.
    pub fn remove(&mut self, key: &str) -> &mut Self {
        self.0.retain(|header| header.key != key);
        self
    }

    /// Keeps only the last header of each key.
    pub fn retain_latest(&mut self) -> &mut Self {
        let mut seen = std::collections::HashSet::new();
        let mut kept: Vec<Header> = self
            .0
            .drain(..)
            .rev()
            .filter(|header| seen.insert(header.key.clone()))
            .collect();
        kept.reverse();
        self.0 = kept;
        self
    }

    /// Every header, in order.
    pub fn iter(&self) -> impl Iterator<Item = &Header> {
        self.0.iter()
    }

    /// The number of headers.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// Whether there are no headers.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl FromIterator<Header> for Headers {
    fn from_iter<I: IntoIterator<Item = Header>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multimap_operations() {
        let mut headers = Headers::new();
        headers.add_string("a", "1").add_string("b", "2").add_string("a", "3");
        assert_eq!(headers.last_with_name("a").unwrap().value, Value::from("3"));
        assert_eq!(headers.all_with_name("a").count(), 2);
        headers.retain_latest();
        let keys: Vec<_> = headers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["b", "a"]);
        headers.remove("a");
        assert_eq!(headers.len(), 1);
    }
}
