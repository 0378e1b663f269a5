//! `schemas.cache.size`: schemas read from JSON, kept by their exact text, so that a topic whose
//! records all carry the same schema parses it once instead of once per record.

use std::sync::Arc;

use kconnect_api::{ConnectError, Result, SchemaRef};
use kconnect_memo::Memo;

use super::schema_from_json;

/// Schemas by their JSON text (`None` for `null`), shared by the clones of one converter.
#[derive(Debug, Clone)]
pub(crate) struct SchemaCache(Arc<Memo<Arc<str>, Option<SchemaRef>>>);

impl SchemaCache {
    /// A cache of at most `capacity` schemas besides the previous record's.
    pub(crate) fn new(capacity: usize) -> Self {
        Self(Arc::new(Memo::new(capacity)))
    }

    /// The schema the JSON `text` describes (`None` for `null`), parsed on first sight.
    pub(crate) fn schema(&self, text: &str) -> Result<Option<SchemaRef>> {
        self.0.get_or_try_insert(text, |text| {
            let json: serde_json::Value =
                serde_json::from_str(text).map_err(|err| ConnectError::data(format!("Invalid schema JSON: {err}")))?;
            schema_from_json(&json)
        })
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
        assert!(cache.schema(r#"{"type":"int8","optional":false}"#).unwrap().is_some());
        let other = cache.schema(r#"{"type":"string","optional":false}"#).unwrap().unwrap();
        assert!(!Arc::ptr_eq(&first, &other), "a full cache starts again");
        assert_eq!(first, other);
    }
}
