//! `SetSchemaMetadata$Key` / `$Value`: sets the schema's name and/or version.

use std::sync::Arc;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, Struct, Transformation, Value};

use crate::Side;
use crate::field::{optional_string, replace_null_with_default};

/// Renames or re-versions a schema.
#[derive(Debug)]
pub struct SetSchemaMetadata {
    side: Side,
    name: Option<String>,
    version: Option<i32>,
}

impl SetSchemaMetadata {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            name: None,
            version: None,
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for SetSchemaMetadata {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(optional_string("schema.name", "Schema name to set."))
            .define(
                ConfigKey::new("schema.version", ConfigType::Int)
                    .default_value(ConfigValue::Null)
                    .importance(Importance::High)
                    .doc("Schema version to set."),
            )
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.name = parsed.string("schema.name").map(str::to_string);
        self.version = parsed.int("schema.version");
        if self.name.is_none() && self.version.is_none() {
            return Err(ConnectError::config(
                "schema.name",
                "Neither schema name nor version configured",
            ));
        }
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data_mut(record.core_mut());
        let Some(schema) = &data.schema else {
            return Err(ConnectError::data(format!(
                "Schema required for [updating schema metadata] on the record {}",
                self.side.name()
            )));
        };
        let mut updated = (**schema).clone();
        if let Some(name) = &self.name {
            updated.name = Some(name.clone());
        }
        if let Some(version) = self.version {
            updated.version = Some(version);
        }
        let updated = Arc::new(updated);
        if let Value::Struct(original) = &data.value {
            let mut rebuilt = Struct::new(updated.clone())?;
            for (field, value) in original.schema().fields.iter().zip(original.values()) {
                rebuilt.set(&field.name, value.clone())?;
            }
            data.value = Value::Struct(rebuilt);
        }
        data.schema = Some(updated);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaAndValue, SchemaBuilder};

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn sets_name_and_version_and_rebuilds_structs() {
        let schema = SchemaBuilder::struct_().field("a", Schema::int32()).build();
        let row = Struct::new(schema.clone()).unwrap().put("a", 1).unwrap();
        let config = [("schema.name", "foo"), ("schema.version", "42")];
        let out = apply(
            SetSchemaMetadata::new(Side::Value),
            &config,
            source(SchemaAndValue::new(Some(schema), Value::Struct(row))),
        )
        .unwrap()
        .unwrap();
        let schema = out.value.schema.clone().unwrap();
        assert_eq!((schema.name.as_deref(), schema.version), (Some("foo"), Some(42)));
        assert_eq!(out.value.value.as_struct().unwrap().schema(), &schema);
        let err = apply(
            SetSchemaMetadata::new(Side::Value),
            &config,
            source(SchemaAndValue::new(None, Value::Int64(1))),
        )
        .unwrap_err();
        assert!(err.to_string().contains("Schema required"), "{err}");
    }
}
