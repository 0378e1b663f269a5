//! `schemas.cache.size`: schemas read from JSON, kept by their exact text, so that a topic whose
//! records all carry the same schema parses it once instead of once per record.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use kconnect_api::{Result, SchemaRef};

use super::schema_from_json;

/// A bounded map from schema text to schema; when full it starts again empty.
#[derive(Debug, Clone)]
pub(crate) struct SchemaCache {
    capacity: usize,
    entries: Arc<Mutex<HashMap<Box<str>, Option<SchemaRef>>>>,
}

impl SchemaCache {
    /// A cache of at most `capacity` schemas; 0 caches nothing.
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            entries: Arc::default(),
        }
    }

    /// The schema the JSON `text` describes (`None` for `null`), parsed on first sight.
    pub(crate) fn schema(&self, text: &str) -> Result<Option<SchemaRef>> {
        let mut entries = self.entries.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if let Some(schema) = entries.get(text) {
            return Ok(schema.clone());
        }
        let json: serde_json::Value = serde_json::from_str(text)
            .map_err(|err| kconnect_api::ConnectError::data(format!("Invalid schema JSON: {err}")))?;
        let schema = schema_from_json(&json)?;
        if self.capacity > 0 {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(text.into(), schema.clone());
        }
        Ok(schema)
    }
}

impl Default for SchemaCache {
    fn default() -> Self {
        Self::new(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_text_gives_the_same_schema_without_parsing_again() {
        let cache = SchemaCache::new(1);
        let first = cache.schema(r#"{"type":"string","optional":false}"#).unwrap().unwrap();
        let again = cache.schema(r#"{"type":"string","optional":false}"#).unwrap().unwrap();
        assert!(Arc::ptr_eq(&first, &again));
        assert!(cache.schema("null").unwrap().is_none());
        let other = cache.schema(r#"{"type":"string","optional":false}"#).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &other), "a full cache starts again");
        assert_eq!(first, other);
    }
}
