//! Schemaless JSON as the Connect value JsonConverter gives for it (INT64, FLOAT64, BOOLEAN,
//! STRING, ARRAY or MAP): read straight from text, without building a JSON tree first (a sink
//! reading schemaless JSON spent as long copying the tree as parsing it), or from a tree.

use std::collections::HashMap;
use std::fmt;

use kconnect_api::Value;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};

/// Objects with more keys than this find a repeated key through an index rather than a scan.
const SCANNED_KEYS: usize = 16;

/// A schemaless JSON document as a Connect value. A key an object repeats keeps its first place
/// and takes its last value, as in a JSON tree read first.
pub struct Schemaless(pub Value);

impl<'de> Deserialize<'de> for Schemaless {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(SchemalessVisitor).map(Schemaless)
    }
}

struct SchemalessVisitor;

impl<'de> Visitor<'de> for SchemalessVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Boolean(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Int64(value))
    }

    /// Above INT64's range a whole number becomes a FLOAT64.
    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(i64::try_from(value).map_or(Value::Float64(value as f64), Value::Int64))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Value, E> {
        Ok(Value::Float64(value))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(Schemaless(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Entries::default();
        while let Some(key) = map.next_key::<String>()? {
            let Schemaless(value) = map.next_value()?;
            entries.insert(key, value);
        }
        Ok(Value::Map(entries.list))
    }
}

/// An object's entries in the order their keys first came.
#[derive(Default)]
struct Entries {
    list: Vec<(Value, Value)>,
    /// Where each key is, once there are more than [`SCANNED_KEYS`].
    index: HashMap<String, usize>,
}

impl Entries {
    fn insert(&mut self, key: String, value: Value) {
        if let Some(at) = self.position(&key) {
            self.list[at].1 = value;
            return;
        }
        if self.list.len() == SCANNED_KEYS {
            self.index = self
                .list
                .iter()
                .enumerate()
                .filter_map(|(at, (key, _))| match key {
                    Value::String(key) => Some((key.clone(), at)),
                    _ => None,
                })
                .collect();
        }
        if self.list.len() >= SCANNED_KEYS {
            self.index.insert(key.clone(), self.list.len());
        }
        self.list.push((Value::String(key), value));
    }

    fn position(&self, key: &str) -> Option<usize> {
        if self.list.len() > SCANNED_KEYS {
            return self.index.get(key).copied();
        }
        self.list
            .iter()
            .position(|(known, _)| matches!(known, Value::String(known) if known == key))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::{JsonSettings, from_json};

    fn read(text: &str) -> Value {
        serde_json::from_str::<Schemaless>(text).unwrap().0
    }

    fn through_a_tree(text: &str) -> Value {
        let json: serde_json::Value = serde_json::from_str(text).unwrap();
        from_json(None, &json, &JsonSettings::default()).unwrap()
    }

    #[test]
    fn numbers_become_int64_unless_fractional_or_too_large() {
        assert_eq!(
            read("[1, -2, 2.5, 3.0, 18446744073709551615]"),
            Value::Array(vec![
                Value::Int64(1),
                Value::Int64(-2),
                Value::Float64(2.5),
                Value::Float64(3.0),
                Value::Float64(18446744073709551615.0),
            ])
        );
    }

    #[test]
    fn documents_read_as_through_a_json_tree() {
        let many_keys: String = (0..40).map(|n| format!(r#""k{}":{n},"#, n % 30)).collect();
        for text in [
            r#"{"id":"1-0","body":{"body":"x","n":[1,-2,2.5,18446744073709551615,true,null]}}"#,
            r#"[1, "two", {"three": 3.0}]"#,
            r#""text""#,
            "null",
            r#"{"a":1,"b":2,"a":3}"#,
            &format!("{{{many_keys}\"last\":0}}"),
        ] {
            assert_eq!(read(text), through_a_tree(text), "{text}");
        }
    }

    #[test]
    fn a_repeated_key_keeps_its_place_and_takes_the_last_value() {
        let Value::Map(entries) = read(r#"{"a":1,"b":2,"a":3}"#) else {
            panic!("a map");
        };
        assert_eq!(
            entries,
            vec![
                (Value::String("a".into()), Value::Int64(3)),
                (Value::String("b".into()), Value::Int64(2)),
            ]
        );
    }
}
