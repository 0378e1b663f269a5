//! Caches for plugins: what a converter or transformation derives from the first record of a
//! kind (a parsed schema, an updated schema) is kept in a bounded map instead of being worked out
//! again for every record, as Apache's converters and transformations keep theirs. A plugin's
//! own concern, not the API's: plugins that want one depend on this crate.

mod memo;
mod schema_memo;

pub use memo::Memo;
pub use schema_memo::{SchemaMemo, TRANSFORMATION_SCHEMAS};
