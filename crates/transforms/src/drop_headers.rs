//! `DropHeaders`: removes the named headers.

use kconnect_api::config::{ConfigKey, ConfigType, Importance};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, Transformation};

/// Removes headers by name.
#[derive(Debug, Default)]
pub struct DropHeaders {
    headers: Vec<String>,
}

impl<R: ConnectRecord> Transformation<R> for DropHeaders {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new().define(
            ConfigKey::new("headers", ConfigType::List)
                .importance(Importance::High)
                .doc("The name of the headers to be removed."),
        )
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.headers = Transformation::<R>::config_def(self).parse(config)?.list("headers");
        if self.headers.is_empty() {
            return Err(ConnectError::config("headers", "Must specify at least one header"));
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let headers = &mut record.core_mut().headers;
        for name in &self.headers {
            headers.remove(name);
        }
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SchemaAndValue;

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn drops_every_named_header() {
        let mut record = source(SchemaAndValue::NULL);
        record
            .headers
            .add_string("a", "1")
            .add_string("b", "2")
            .add_string("a", "3");
        let out = apply(DropHeaders::default(), &[("headers", "a,c")], record)
            .unwrap()
            .unwrap();
        let keys: Vec<&str> = out.headers.iter().map(|h| h.key.as_str()).collect();
        assert_eq!(keys, ["b"]);
        let err = apply(DropHeaders::default(), &[], source(SchemaAndValue::NULL)).unwrap_err();
        assert!(err.to_string().contains("headers"), "{err}");
    }
}
