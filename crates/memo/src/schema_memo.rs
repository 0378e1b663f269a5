//! [`SchemaMemo`]: what a plugin derives from a schema (a transformation's updated schema, a
//! converter's schema text), worked out once per schema instead of once per record, as Apache's
//! transformations and JsonConverter keep theirs in a bounded cache keyed by schema.

use std::hash::{Hash, Hasher};
use std::sync::Arc;

use kconnect_api::{Result, Schema, SchemaRef};

use crate::memo::Memo;

/// How many schemas a transformation remembers, as Apache's transformations (`LRUCache(16)`).
pub const TRANSFORMATION_SCHEMAS: usize = 16;

/// A bounded map from schema to a value derived from it: a record carrying the very schema of the
/// previous record (the same `Arc`) is answered at once, an equal schema in another `Arc` is found
/// by its content.
#[derive(Debug, Clone)]
pub struct SchemaMemo<V>(Memo<SchemaKey, V>);

/// A schema as a map key: the same `Arc`, or an equal schema.
#[derive(Debug, Clone)]
struct SchemaKey(SchemaRef);

impl PartialEq for SchemaKey {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0 == other.0
    }
}

impl Eq for SchemaKey {}

impl Hash for SchemaKey {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_shape(&self.0, state);
    }
}

impl From<&SchemaKey> for SchemaKey {
    fn from(key: &SchemaKey) -> Self {
        key.clone()
    }
}

/// Hashes the parts of a schema that tell most schemas apart; equal schemas hash equally.
fn hash_shape<H: Hasher>(schema: &Schema, state: &mut H) {
    schema.schema_type.hash(state);
    schema.optional.hash(state);
    schema.name.hash(state);
    schema.version.hash(state);
    for field in &schema.fields {
        field.name.hash(state);
        hash_shape(&field.schema, state);
    }
    for inner in [&schema.key_schema, &schema.value_schema].into_iter().flatten() {
        hash_shape(inner, state);
    }
}

impl<V: Clone> SchemaMemo<V> {
    /// A memo of at most `capacity` schemas; 0 remembers only the last one.
    pub fn new(capacity: usize) -> Self {
        Self(Memo::new(capacity))
    }

    /// The value for `schema`: remembered, or made by `make` and remembered unless it failed.
    pub fn get_or_try_insert(&self, schema: &SchemaRef, make: impl FnOnce(&SchemaRef) -> Result<V>) -> Result<V> {
        self.0.get_or_try_insert(&SchemaKey(schema.clone()), |key| make(&key.0))
    }
}

impl<V: Clone> Default for SchemaMemo<V> {
    /// A memo of [`TRANSFORMATION_SCHEMAS`] schemas.
    fn default() -> Self {
        Self::new(TRANSFORMATION_SCHEMAS)
    }
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use kconnect_api::SchemaBuilder;

    fn row(field: &str) -> SchemaRef {
        SchemaBuilder::struct_().field(field, Schema::string()).build()
    }

    #[test]
    fn makes_once_per_schema_whether_the_same_arc_or_an_equal_one() {
        let memo = SchemaMemo::new(4);
        let made = Cell::new(0);
        let make = |schema: &SchemaRef| {
            made.set(made.get() + 1);
            Ok(schema.fields[0].name.clone())
        };
        let first = row("a");
        assert_eq!(memo.get_or_try_insert(&first, make).unwrap(), "a");
        assert_eq!(memo.get_or_try_insert(&first, make).unwrap(), "a");
        assert_eq!(memo.get_or_try_insert(&row("a"), make).unwrap(), "a");
        assert_eq!(made.get(), 1);
        assert_eq!(memo.get_or_try_insert(&row("b"), make).unwrap(), "b");
        assert_eq!(memo.get_or_try_insert(&first, make).unwrap(), "a");
        assert_eq!(made.get(), 2);
    }
}
