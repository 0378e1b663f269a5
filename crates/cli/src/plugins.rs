//! The plugin table of this binary: the only place that names every plugin family.
//!
//! Converters, transformations and predicates are always built in; each connector family is behind
//! its own cargo feature (all on by default), so `--no-default-features --features file` builds a
//! binary with FileStream alone.

use kconnect_api::PluginTable;

/// Every plugin built into this binary.
pub fn builtin_plugins() -> PluginTable {
    let table = kconnect_converters::plugins().merge(kconnect_transforms::plugins());
    #[cfg(feature = "file")]
    let table = table.merge(kconnect_file::plugins());
    #[cfg(feature = "jdbc")]
    let table = table.merge(kconnect_jdbc::plugins());
    table
}
