//! `HeaderFrom$Key` / `$Value`: copies or moves fields into headers (`fields`, `headers`,
//! `operation=copy|move`).

use kconnect_api::config::{ConfigKey, ConfigType, Importance, Validator};
use kconnect_api::{
    ConfigDef, ConfigMap, ConnectError, ConnectRecord, Result, SchemaAndValue, SchemaRef, Transformation, Value,
};
use kconnect_memo::SchemaMemo;

use crate::Side;
use crate::field::{Fields, copied_entries, fields, map_get, rebuild, replace_null_with_default};

/// Turns fields into headers.
#[derive(Debug)]
pub struct HeaderFrom {
    side: Side,
    pairs: Vec<(String, String)>,
    remove: bool,
    schemas: SchemaMemo<SchemaRef>,
}

impl HeaderFrom {
    /// The variant for `side`.
    pub fn new(side: Side) -> Self {
        Self {
            side,
            pairs: Vec::new(),
            remove: false,
            schemas: SchemaMemo::default(),
        }
    }
}

impl<R: ConnectRecord> Transformation<R> for HeaderFrom {
    fn config_def(&self) -> ConfigDef {
        let list = |name: &str, doc: &str| {
            ConfigKey::new(name, ConfigType::List)
                .importance(Importance::High)
                .doc(doc)
        };
        ConfigDef::new()
            .define(list("fields", "Field names in the record whose values are to be copied or moved to headers."))
            .define(list("headers", "Header names, in the same order as the field names listed in the fields configuration property."))
            .define(
                ConfigKey::new("operation", ConfigType::String)
                    .validator(Validator::one_of(&["move", "copy"]))
                    .importance(Importance::High)
                    .doc("Either move if the fields are to be moved to the headers (removed from the key/value), or copy if the fields are to be copied to the headers (retained in the key/value)."),
            )
            .define(replace_null_with_default())
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        let (fields, headers) = (parsed.list("fields"), parsed.list("headers"));
        if fields.len() != headers.len() {
            return Err(ConnectError::config(
                "headers",
                "'fields' config must have the same number of elements as 'headers' config.",
            ));
        }
        self.pairs = fields.into_iter().zip(headers).collect();
        self.remove = parsed.string("operation") == Some("move");
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let data = self.side.data(record.core()).clone();
        if data.value.is_null() {
            return Ok(Some(record));
        }
        let moved = |name: &str| self.remove && self.pairs.iter().any(|(f, _)| f == name);
        let (headers, remaining) = match fields(data.schema.is_some(), &data.value, "header from")? {
            Fields::Struct(original) => {
                let mut headers = Vec::new();
                for (field, header) in &self.pairs {
                    let schema_field = original
                        .schema()
                        .field(field)
                        .ok_or_else(|| ConnectError::data(format!("Unknown field: {field}")))?;
                    headers.push((
                        header.clone(),
                        Some(schema_field.schema.clone()),
                        original.get(field).cloned().unwrap_or(Value::Null),
                    ));
                }
                let remaining = if self.remove {
                    let kept = copied_entries(original).filter(|(name, _, _)| !moved(name)).collect();
                    rebuild(&self.schemas, original.schema(), kept)?
                } else {
                    data.clone()
                };
                (headers, remaining)
            }
            Fields::Map(entries) => {
                let headers = self
                    .pairs
                    .iter()
                    .map(|(field, header)| {
                        (
                            header.clone(),
                            None,
                            map_get(entries, field).cloned().unwrap_or(Value::Null),
                        )
                    })
                    .collect();
                let kept = entries
                    .iter()
                    .filter(|(k, _)| !k.as_str().is_some_and(moved))
                    .cloned()
                    .collect();
                (headers, SchemaAndValue::new(None, Value::Map(kept)))
            }
        };
        let core = record.core_mut();
        for (name, schema, value) in headers {
            core.headers.add(name, schema, value);
        }
        *self.side.data_mut(core) = remaining;
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn copies_and_moves_fields_to_headers() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int32())
            .field("name", Schema::string())
            .build();
        let row = Struct::new(schema.clone())
            .unwrap()
            .put("id", 7)
            .unwrap()
            .put("name", "x")
            .unwrap();
        let data = SchemaAndValue::new(Some(schema), Value::Struct(row));
        let config = [("fields", "id"), ("headers", "record-id"), ("operation", "move")];
        let out = apply(HeaderFrom::new(Side::Value), &config, source(data.clone()))
            .unwrap()
            .unwrap();
        assert_eq!(out.headers.last_with_name("record-id").unwrap().value, Value::Int32(7));
        let names: Vec<&str> = out
            .value
            .value
            .as_struct()
            .unwrap()
            .schema()
            .fields
            .iter()
            .map(|f| f.name.as_str())
            .collect();
        assert_eq!(names, ["name"]);

        let copy = [("fields", "name"), ("headers", "n"), ("operation", "copy")];
        let out = apply(HeaderFrom::new(Side::Value), &copy, source(data))
            .unwrap()
            .unwrap();
        assert_eq!(out.value.value.as_struct().unwrap().values().len(), 2);
        assert_eq!(out.headers.last_with_name("n").unwrap().value, Value::from("x"));
    }

    #[test]
    fn mismatched_lists_are_rejected() {
        let config = [("fields", "a,b"), ("headers", "x"), ("operation", "copy")];
        let err = apply(HeaderFrom::new(Side::Value), &config, source(SchemaAndValue::NULL)).unwrap_err();
        assert!(err.to_string().contains("headers"), "{err}");
        let bad = [("fields", "a"), ("headers", "x"), ("operation", "rename")];
        assert!(
            apply(HeaderFrom::new(Side::Value), &bad, source(SchemaAndValue::NULL))
                .unwrap_err()
                .to_string()
                .contains("operation")
        );
    }
}
