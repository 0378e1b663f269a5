//! `Filter`: drops every record; used with a predicate to drop the matching ones.

use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, Result, Transformation};

/// Drops records.
#[derive(Debug, Default)]
pub struct Filter;

impl<R: ConnectRecord> Transformation<R> for Filter {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
    }

    fn configure(&mut self, _config: &ConfigMap) -> Result<()> {
        Ok(())
    }

    fn apply(&self, _record: R) -> Result<Option<R>> {
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SchemaAndValue;

    use super::*;
    use crate::testing::{apply, sink};

    #[test]
    fn drops_every_record() {
        assert!(apply(Filter, &[], sink(SchemaAndValue::NULL)).unwrap().is_none());
    }
}
