//! `Flatten$Key` / `$Value`: lifts the fields of nested structs (or maps) to the top level, their
//! names joined with `delimiter` (default `.`).

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectRecord, Result, Schema, SchemaAndValue, SchemaBuilder, SchemaRef, SchemaType, Struct,
    Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use crate::Side;
use crate::field::{Fields, fields};

/// Flattens nested data.
#[derive(Debug)]
pub struct Flatten {
    side: Side,
    delimiter: String,
    /// The flattened schema for each input schema.
    schemas: SchemaMemo<SchemaRef>,
}

impl Flatten {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            delimiter: ".".into(),
            schemas: SchemaMemo::default(),
        }
    }

    fn name(&self, prefix: &str, field: &str) -> String {
        if prefix.is_empty() {
            field.to_string()
        } else {
            format!("{prefix}{}{field}", self.delimiter)
        }
    }

    /// Adds the flattened fields of `schema` (a struct, optional when any parent is) to `out`.
    fn flatten_schema(&self, prefix: &str, schema: &SchemaRef, optional: bool, out: &mut Vec<(String, SchemaRef)>) {
        for field in &schema.fields {
            let name = self.name(prefix, &field.name);
            let optional = optional || field.schema.optional;
            if field.schema.schema_type == SchemaType::Struct {
                self.flatten_schema(&name, &field.schema, optional, out);
            } else if optional && !field.schema.optional {
                out.push((name, Schema::optional_of(&field.schema)));
            } else {
                out.push((name, field.schema.clone()));
            }
        }
    }

    fn flatten_struct(&self, prefix: &str, value: Option<&Struct>, schema: &SchemaRef, out: &mut Struct) -> Result<()> {
        for field in &schema.fields {
            let name = self.name(prefix, &field.name);
            let field_value = value.and_then(|s| s.get(&field.name)).cloned().unwrap_or(Value::Null);
            match (field.schema.schema_type, field_value) {
                (SchemaType::Struct, Value::Struct(inner)) => {
                    self.flatten_struct(&name, Some(&inner), &field.schema, out)?
                }
                (SchemaType::Struct, _) => self.flatten_struct(&name, None, &field.schema, out)?,
                (_, other) => out.set(&name, other)?,
            }
        }
        Ok(())
    }

    fn flatten_map(&self, prefix: &str, entries: &[(Value, Value)], out: &mut Vec<(Value, Value)>) {
        for (key, value) in entries {
            let name = self.name(prefix, &key.to_string());
            match value {
                Value::Map(inner) => self.flatten_map(&name, inner, out),
                other => out.push((Value::String(name), other.clone())),
            }
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for Flatten {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new().define(
            ConfigKey::new("delimiter", ConfigType::String)
                .default_value(ConfigValue::String(".".into()))
                .importance(Importance::Medium)
                .doc("Delimiter to insert between field names from the input record when generating field names for the output record"),
        )
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        self.delimiter = Transformation::<R>::config_def(self)
            .parse(config)?
            .string("delimiter")
            .unwrap_or(".")
            .to_string();
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data(record.core());
        if data.value.is_null() {
            return Ok(Some(record));
        }
        let flattened = match fields(data.schema.is_some(), &data.value, "flattening")? {
            Fields::Struct(original) => {
                let base = original.schema();
                let schema = self.schemas.get_or_try_insert(base, |base| {
                    let mut flat_fields = Vec::new();
                    self.flatten_schema("", base, false, &mut flat_fields);
                    let mut builder = SchemaBuilder::struct_().with_optional(base.optional);
                    if let Some(name) = &base.name {
                        builder = builder.name(name);
                    }
                    for (name, schema) in flat_fields {
                        builder = builder.field(name, schema);
                    }
                    Ok(builder.build())
                })?;
                let mut flat = Struct::new(schema.clone())?;
                self.flatten_struct("", Some(original), base, &mut flat)?;
                SchemaAndValue::new(Some(schema), Value::Struct(flat))
            }
            Fields::Map(entries) => {
                let mut flat = Vec::new();
                self.flatten_map("", entries, &mut flat);
                SchemaAndValue::new(None, Value::Map(flat))
            }
        };
        *self.side.data_mut(record.core_mut()) = flattened;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::Schema;

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn flattens_nested_structs_and_maps() {
        let inner = SchemaBuilder::struct_()
            .field("b", Schema::int32())
            .field("c", Schema::string())
            .build();
        let outer = SchemaBuilder::struct_()
            .field("a", inner.clone())
            .field("d", Schema::boolean())
            .build();
        let inner_value = Struct::new(inner).unwrap().put("b", 1).unwrap().put("c", "x").unwrap();
        let row = Struct::new(outer.clone())
            .unwrap()
            .put("a", Value::Struct(inner_value))
            .unwrap()
            .put("d", true)
            .unwrap();
        let out = apply(
            Flatten::new(Side::Value),
            &[("delimiter", "_")],
            source(SchemaAndValue::new(Some(outer), Value::Struct(row))),
        )
        .unwrap()
        .unwrap();
        let flat = out.value.value.as_struct().unwrap();
        let names: Vec<&str> = flat.schema().fields.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["a_b", "a_c", "d"]);
        assert_eq!(flat.values(), [Value::Int32(1), Value::from("x"), Value::Boolean(true)]);

        let map = Value::Map(vec![
            ("a".into(), Value::Map(vec![("b".into(), Value::Int64(1))])),
            ("c".into(), Value::Int64(2)),
        ]);
        let out = apply(Flatten::new(Side::Value), &[], source(SchemaAndValue::new(None, map)))
            .unwrap()
            .unwrap();
        assert_eq!(
            out.value.value,
            Value::Map(vec![("a.b".into(), Value::Int64(1)), ("c".into(), Value::Int64(2))])
        );
    }
}
