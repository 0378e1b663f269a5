//! Single message transformations and predicates.

use crate::config::{ConfigDef, ConfigMap};
use crate::error::Result;
use crate::record::ConnectRecord;

/// Changes one record at a time; returning `None` drops the record.
///
/// The same transformation is written once for source and sink records through
/// [`ConnectRecord`]. [`Transformation::configure`] is called once before any record.
pub trait Transformation<R: ConnectRecord>: Send + Sync {
    /// The transformation's configuration keys.
    fn config_def(&self) -> ConfigDef;
    /// Applies the configuration.
    fn configure(&mut self, config: &ConfigMap) -> Result<()>;
    /// Transforms `record`, or drops it with `None`.
    fn apply(&self, record: R) -> Result<Option<R>>;
}

/// A condition on a record that decides whether a transformation applies.
pub trait Predicate<R: ConnectRecord>: Send + Sync {
    /// The predicate's configuration keys.
    fn config_def(&self) -> ConfigDef;
    /// Applies the configuration.
    fn configure(&mut self, config: &ConfigMap) -> Result<()>;
    /// Whether `record` matches.
    fn test(&self, record: &R) -> bool;
}
