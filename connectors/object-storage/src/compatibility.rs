//! `schema.compatibility`, as Confluent's storage sinks apply it to value schemas: with `NONE`
//! any other schema starts a new object; with `BACKWARD` and `FULL` a newer schema version does,
//! and a record of an older version is projected onto the open objects' schema; with `FORWARD`
//! the reverse. A schema that cannot be projected (another type, name or parameters) always starts
//! a new object; records without schema versions cannot be compared (a data error).

use std::sync::Arc;

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, ParsedConfig, Validator};
use kconnect_api::schema_projector::project;
use kconnect_api::{ConfigDef, ConnectError, Result, SchemaRef, SinkRecord};

const SCHEMA_COMPATIBILITY: &str = "schema.compatibility";

/// The `schema.compatibility` key.
pub(crate) fn definition() -> ConfigDef {
    ConfigDef::new().define(
        ConfigKey::new(SCHEMA_COMPATIBILITY, ConfigType::String)
            .default_value(ConfigValue::String("NONE".into()))
            .validator(Validator::one_of_ignore_case(&["NONE", "BACKWARD", "FORWARD", "FULL"]))
            .importance(Importance::High)
            .doc(
                "How a value schema that differs from the open objects' is written: NONE starts a new \
                 object; BACKWARD and FULL start one for a newer version and project older versions onto \
                 it; FORWARD starts one for an older version and projects newer ones.",
            ),
    )
}

/// The rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Compatibility {
    /// Any change starts a new object.
    None,
    /// Newer versions start a new object, older ones are projected (`BACKWARD`, `FULL`).
    Backward,
    /// Older versions start a new object, newer ones are projected.
    Forward,
}

/// What a record's value schema asks of the open objects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fit {
    /// It is theirs.
    Same,
    /// It needs objects of its own.
    NewObjects,
    /// Its value is to be projected onto their schema.
    Projected,
}

/// Whether two optional schemas are the same: the same `Arc`, equal, or both absent.
pub(crate) fn same_schema(a: Option<&SchemaRef>, b: Option<&SchemaRef>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => Arc::ptr_eq(a, b) || a == b,
        (None, None) => true,
        _ => false,
    }
}

impl Compatibility {
    /// The rules `schema.compatibility` names.
    pub fn from_parsed(parsed: &ParsedConfig) -> Result<Self> {
        Ok(
            match parsed.get_string(SCHEMA_COMPATIBILITY)?.to_ascii_uppercase().as_str() {
                "BACKWARD" | "FULL" => Self::Backward,
                "FORWARD" => Self::Forward,
                _ => Self::None,
            },
        )
    }

    /// How a record of value schema `schema` fits objects whose records have `current`.
    pub fn fit(self, schema: Option<&SchemaRef>, current: Option<&SchemaRef>) -> Result<Fit> {
        if same_schema(schema, current) {
            return Ok(Fit::Same);
        }
        if self == Self::None {
            return Ok(Fit::NewObjects);
        }
        let (schema, current) = match (schema, current) {
            (Some(schema), Some(current)) => (schema, current),
            _ => {
                return Err(ConnectError::data(
                    "switching between values with and without a schema is not supported by schema.compatibility",
                ));
            }
        };
        let (Some(version), Some(current_version)) = (schema.version, current.version) else {
            return Err(ConnectError::data(format!(
                "schema.compatibility={self:?} compares schema versions, and a value schema has none"
            )));
        };
        let projectable = schema.name == current.name
            && schema.parameters == current.parameters
            && schema.schema_type == current.schema_type;
        let newer_side = match self {
            Self::Backward => version > current_version,
            _ => version < current_version,
        };
        Ok(if projectable && !newer_side {
            Fit::Projected
        } else {
            Fit::NewObjects
        })
    }
}

/// `record` with its value projected onto `schema`.
pub(crate) fn projected(record: &SinkRecord, schema: &SchemaRef) -> Result<SinkRecord> {
    let value = &record.core.value;
    let source = value
        .schema
        .as_ref()
        .ok_or_else(|| ConnectError::data("a value without a schema cannot be projected"))?;
    let mut projected = record.clone();
    projected.core.value.value = project(source, &value.value, schema)?;
    projected.core.value.schema = Some(schema.clone());
    Ok(projected)
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder};

    use super::*;

    fn order(version: i32) -> SchemaRef {
        SchemaBuilder::struct_()
            .name("Order")
            .version(version)
            .field("id", Schema::int64())
            .build()
    }

    #[test]
    fn each_rule_starts_objects_on_its_side_and_projects_the_other() {
        let (v1, v2) = (order(1), order(2));
        let fit = |rules: Compatibility, schema: &SchemaRef, current: &SchemaRef| {
            rules.fit(Some(schema), Some(current)).unwrap()
        };
        assert_eq!(fit(Compatibility::None, &v1, &v2), Fit::NewObjects);
        assert_eq!(fit(Compatibility::Backward, &v2, &v1), Fit::NewObjects);
        assert_eq!(fit(Compatibility::Backward, &v1, &v2), Fit::Projected);
        assert_eq!(fit(Compatibility::Forward, &v1, &v2), Fit::NewObjects);
        assert_eq!(fit(Compatibility::Forward, &v2, &v1), Fit::Projected);
        assert_eq!(fit(Compatibility::Backward, &v1, &order(1)), Fit::Same);
        let renamed = SchemaBuilder::struct_().name("Other").version(1).build();
        assert_eq!(fit(Compatibility::Backward, &renamed, &v2), Fit::NewObjects);
    }

    #[test]
    fn unversioned_or_schemaless_values_cannot_be_compared() {
        let unversioned = SchemaBuilder::struct_().name("Order").build();
        let backward = Compatibility::Backward;
        assert!(backward.fit(Some(&unversioned), Some(&order(1))).unwrap_err().is_data());
        assert!(backward.fit(None, Some(&order(1))).unwrap_err().is_data());
        assert_eq!(Compatibility::None.fit(None, Some(&order(1))).unwrap(), Fit::NewObjects);
    }
}
