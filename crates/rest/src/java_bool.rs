//! Boolean query parameters read as Apache's JAX-RS resources read them (`Boolean.valueOf`):
//! `true` in any case is true, and anything else is false. Clients that send `True` (Python's
//! `str(True)`) or `1` get Apache's answer instead of a 400.

use serde::{Deserialize, Deserializer};

/// Whether `text` is Java's `true`.
pub(crate) fn is_java_true(text: &str) -> bool {
    text.eq_ignore_ascii_case("true")
}

/// Deserializes a query parameter as Java's `Boolean.valueOf` reads it.
pub(crate) fn java_boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    String::deserialize(deserializer).map(|text| is_java_true(&text))
}

/// [`java_boolean`] for a parameter whose absence matters.
pub(crate) fn optional_java_boolean<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Option<bool>, D::Error> {
    Option::<String>::deserialize(deserializer).map(|text| text.map(|text| is_java_true(&text)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Deserialize)]
    struct Query {
        #[serde(deserialize_with = "java_boolean", default)]
        flag: bool,
        #[serde(deserialize_with = "optional_java_boolean", default)]
        maybe: Option<bool>,
    }

    fn parse(query: &str) -> (bool, Option<bool>) {
        let uri: axum::http::Uri = format!("/x?{query}").parse().unwrap();
        let axum::extract::Query(parsed) = axum::extract::Query::<Query>::try_from_uri(&uri).unwrap();
        (parsed.flag, parsed.maybe)
    }

    #[test]
    fn reads_booleans_as_java_does() {
        assert_eq!(parse("flag=True&maybe=FALSE"), (true, Some(false)));
        assert_eq!(parse("flag=true&maybe=yes"), (true, Some(false)));
        assert_eq!(parse("flag=1"), (false, None));
        assert_eq!(parse(""), (false, None));
    }
}
