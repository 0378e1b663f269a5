//! `ReplaceField$Key` / `$Value`: keeps (`include`), drops (`exclude`) and renames (`renames`,
//! `old:new`) fields.

use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, SchemaRef, Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use crate::Side;
use crate::field::{Fields, entries, list, rebuild, replace_null_with_default, take_fields};

/// Filters and renames fields.
#[derive(Debug)]
pub struct ReplaceField {
    side: Side,
    include: Vec<String>,
    exclude: Vec<String>,
    renames: Vec<(String, String)>,
    schemas: SchemaMemo<SchemaRef>,
}

impl ReplaceField {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            include: Vec::new(),
            exclude: Vec::new(),
            renames: Vec::new(),
            schemas: SchemaMemo::default(),
        }
    }

    fn keeps(&self, name: &str) -> bool {
        !self.exclude.iter().any(|e| e == name) && (self.include.is_empty() || self.include.iter().any(|i| i == name))
    }

    fn renamed<'a>(&'a self, name: &'a str) -> &'a str {
        self.renames
            .iter()
            .find(|(from, _)| from == name)
            .map_or(name, |(_, to)| to.as_str())
    }
}

impl<R: ConnectRecord> Transformation<R> for ReplaceField {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(list(
                "exclude",
                "Fields to exclude. This takes precedence over the fields to include.",
            ))
            .define(list(
                "include",
                "Fields to include. If specified, only these fields will be used.",
            ))
            .define(list("renames", "Field rename mappings, as old:new pairs."))
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.include = parsed.list("include");
        self.exclude = parsed.list("exclude");
        self.renames = parsed
            .list("renames")
            .iter()
            .map(|pair| match pair.split_once(':') {
                Some((from, to)) if !from.is_empty() && !to.is_empty() => Ok((from.to_string(), to.to_string())),
                _ => Err(ConnectError::config(
                    "renames",
                    format!("Invalid rename mapping: {pair}"),
                )),
            })
            .collect::<Result<_>>()?;
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data_mut(record.core_mut());
        if data.value.is_null() {
            return Ok(Some(record));
        }
        let updated = match take_fields(data.schema.is_some(), &mut data.value, "field replacement")? {
            Fields::Struct(original) => {
                let base = original.schema().clone();
                let kept = entries(&base, original.into_values())
                    .filter(|(name, _, _)| self.keeps(name))
                    .map(|(name, schema, value)| (self.renamed(name), schema, value))
                    .collect();
                rebuild(&self.schemas, &base, kept)?
            }
            Fields::Map(entries) => {
                let kept = entries
                    .into_iter()
                    .filter_map(|(k, v)| {
                        let name = k.as_str()?;
                        self.keeps(name)
                            .then(|| (Value::String(self.renamed(name).to_string()), v))
                    })
                    .collect();
                SchemaAndValue::new(None, Value::Map(kept))
            }
        };
        *data = updated;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn apache_example_with_schema() {
        let schema = SchemaBuilder::struct_()
            .field("dont", Schema::string())
            .field("abc", Schema::int32())
            .field("foo", Schema::boolean())
            .field("etc", Schema::string())
            .build();
        let row = Struct::new(schema.clone())
            .unwrap()
            .put("dont", "whatever")
            .unwrap()
            .put("abc", 42)
            .unwrap()
            .put("foo", true)
            .unwrap()
            .put("etc", "etc")
            .unwrap();
        let config = [("exclude", "dont"), ("renames", "abc:xyz,foo:bar")];
        let out = apply(
            ReplaceField::new(Side::Value),
            &config,
            source(SchemaAndValue::new(Some(schema), Value::Struct(row))),
        )
        .unwrap()
        .unwrap();
        let value = out.value.value.as_struct().unwrap();
        let names: Vec<&str> = value.schema().fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["xyz", "bar", "etc"]);
        assert_eq!(value.get("xyz"), Some(&Value::Int32(42)));
        assert_eq!(value.get("bar"), Some(&Value::Boolean(true)));
    }

    #[test]
    fn include_and_schemaless() {
        let map = Value::Map(vec![
            ("a".into(), Value::Int64(1)),
            ("b".into(), Value::Int64(2)),
            ("c".into(), Value::Int64(3)),
        ]);
        let config = [("include", "a,c"), ("exclude", "c"), ("renames", "a:z")];
        let out = apply(
            ReplaceField::new(Side::Value),
            &config,
            source(SchemaAndValue::new(None, map)),
        )
        .unwrap()
        .unwrap();
        assert_eq!(out.value.value, Value::Map(vec![("z".into(), Value::Int64(1))]));
        let bad = [("renames", "oops")];
        let err = apply(ReplaceField::new(Side::Value), &bad, source(SchemaAndValue::NULL)).unwrap_err();
        assert!(err.to_string().contains("renames"), "{err}");
    }
}
