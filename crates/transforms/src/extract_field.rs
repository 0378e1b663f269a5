//! `ExtractField$Key` / `$Value`: replaces the key or value with one of its fields; with
//! `field.syntax.version=V2`, a dotted path into nested structs or maps (KIP-821).

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance, Validator};
use kconnect_api::{ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, Transformation, Value};

use crate::Side;
use crate::field::{Fields, fields, map_get, replace_null_with_default, required_string};

/// Pulls one (possibly nested) field out.
#[derive(Debug)]
pub struct ExtractField {
    side: Side,
    path: Vec<String>,
    replace_null_with_default: bool,
}

impl ExtractField {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            path: Vec::new(),
            replace_null_with_default: true,
        }
    }
}

/// Splits a V2 path on dots; a name in backticks may contain dots (`` `a.b`.c ``).
fn parse_path(path: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut current = String::new();
    let mut quoted = false;
    for c in path.chars() {
        match c {
            '`' => quoted = !quoted,
            '.' if !quoted => parts.push(std::mem::take(&mut current)),
            other => current.push(other),
        }
    }
    parts.push(current);
    parts
}

impl ExtractField {
    fn step(&self, data: SchemaAndValue, name: &str) -> Result<SchemaAndValue> {
        if data.value.is_null() {
            return Ok(SchemaAndValue::NULL);
        }
        Ok(match fields(data.schema.is_some(), &data.value, "field extraction")? {
            Fields::Struct(s) => {
                let field = s
                    .schema()
                    .field(name)
                    .ok_or_else(|| ConnectError::data(format!("Unknown field: {name}")))?;
                let value = if self.replace_null_with_default {
                    s.get(name)
                } else {
                    s.get_without_default(name)
                };
                SchemaAndValue::new(Some(field.schema.clone()), value.cloned().unwrap_or(Value::Null))
            }
            Fields::Map(entries) => SchemaAndValue::new(None, map_get(entries, name).cloned().unwrap_or(Value::Null)),
        })
    }
}

impl<R: ConnectRecord> Transformation<R> for ExtractField {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(required_string("field", "Field name to extract."))
            .define(
                ConfigKey::new("field.syntax.version", ConfigType::String)
                    .default_value(ConfigValue::String("V1".into()))
                    .validator(Validator::one_of_ignore_case(&["V1", "V2"]))
                    .importance(Importance::High)
                    .doc("Defines the version of the syntax to access fields. V1: field names as they are; V2: dotted paths into nested structures, with backticks around names that contain dots."),
            )
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        let field = parsed.get_string("field")?;
        let v2 = parsed
            .string("field.syntax.version")
            .is_some_and(|v| v.eq_ignore_ascii_case("V2"));
        self.path = if v2 { parse_path(field) } else { vec![field.to_string()] };
        self.replace_null_with_default = parsed.get_boolean("replace.null.with.default")?;
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data_mut(record.core_mut());
        let mut current = std::mem::replace(data, SchemaAndValue::NULL);
        for name in &self.path {
            current = self.step(current, name)?;
        }
        *data = current;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    use super::*;
    use crate::testing::{apply, source};

    fn nested() -> SchemaAndValue {
        let inner_schema = SchemaBuilder::struct_().field("id", Schema::int64()).build();
        let outer_schema = SchemaBuilder::struct_()
            .field("user", inner_schema.clone())
            .field("a.b", Schema::string())
            .build();
        let inner = Struct::new(inner_schema).unwrap().put("id", Value::Int64(7)).unwrap();
        let outer = Struct::new(outer_schema.clone())
            .unwrap()
            .put("user", Value::Struct(inner))
            .unwrap()
            .put("a.b", "dotted")
            .unwrap();
        SchemaAndValue::new(Some(outer_schema), Value::Struct(outer))
    }

    #[test]
    fn extracts_top_level_fields() {
        // Apache's example: {"id":42,"name":"x"} with field=id gives 42.
        let map = Value::Map(vec![("id".into(), Value::Int64(42)), ("name".into(), "x".into())]);
        let out = apply(
            ExtractField::new(Side::Value),
            &[("field", "id")],
            source(SchemaAndValue::new(None, map)),
        )
        .unwrap()
        .unwrap();
        assert_eq!(out.value.value, Value::Int64(42));

        let out = apply(ExtractField::new(Side::Value), &[("field", "a.b")], source(nested()))
            .unwrap()
            .unwrap();
        assert_eq!(out.value, SchemaAndValue::new(Some(Schema::string()), "dotted".into()));
    }

    #[test]
    fn v2_paths_reach_nested_fields() {
        let config = [("field", "user.id"), ("field.syntax.version", "V2")];
        let out = apply(ExtractField::new(Side::Value), &config, source(nested()))
            .unwrap()
            .unwrap();
        assert_eq!(out.value, SchemaAndValue::new(Some(Schema::int64()), Value::Int64(7)));
        let quoted = [("field", "`a.b`"), ("field.syntax.version", "V2")];
        assert_eq!(
            apply(ExtractField::new(Side::Value), &quoted, source(nested()))
                .unwrap()
                .unwrap()
                .value
                .value,
            Value::from("dotted")
        );
    }

    #[test]
    fn errors_name_the_problem() {
        let err = apply(ExtractField::new(Side::Value), &[("field", "nope")], source(nested())).unwrap_err();
        assert!(err.to_string().contains("Unknown field: nope"), "{err}");
        let err = apply(
            ExtractField::new(Side::Value),
            &[("field", "x")],
            source(SchemaAndValue::new(None, Value::Int64(1))),
        )
        .unwrap_err();
        assert!(err.to_string().contains("Only Map objects supported"), "{err}");
        let bad = [("field", "x"), ("field.syntax.version", "V3")];
        assert!(
            apply(ExtractField::new(Side::Value), &bad, source(nested()))
                .unwrap_err()
                .to_string()
                .contains("field.syntax.version")
        );
        let tombstone = apply(
            ExtractField::new(Side::Value),
            &[("field", "x")],
            source(SchemaAndValue::NULL),
        )
        .unwrap()
        .unwrap();
        assert_eq!(tombstone.value, SchemaAndValue::NULL);
    }
}
