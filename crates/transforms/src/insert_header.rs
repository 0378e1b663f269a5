//! `InsertHeader`: adds a header whose value is a literal, typed as Apache's `Values` parses it.

use kconnect_api::{ConfigDef, ConfigMap, ConnectRecord, Result, Transformation, values};

use crate::field::required_string;

/// Adds one header.
#[derive(Debug, Default)]
pub struct InsertHeader {
    header: String,
    literal: String,
}

impl<R: ConnectRecord> Transformation<R> for InsertHeader {
    fn config_def(&self) -> ConfigDef {
        ConfigDef::new()
            .define(required_string("header", "The name of the header."))
            .define(required_string(
                "value.literal",
                "The literal value that is to be set as the header value on all records.",
            ))
    }

    fn configure(&mut self, config: &ConfigMap) -> Result<()> {
        let parsed = Transformation::<R>::config_def(self).parse(config)?;
        self.header = parsed.get_string("header")?.to_string();
        self.literal = parsed.get_string("value.literal")?.to_string();
        Ok(())
    }

    fn apply(&self, mut record: R) -> Result<Option<R>> {
        let typed = values::parse_string(&self.literal);
        record.core_mut().headers.add(&self.header, typed.schema, typed.value);
        Ok(Some(record))
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaAndValue, Value};

    use super::*;
    use crate::testing::{apply, source};

    #[test]
    fn adds_a_typed_header() {
        let out = apply(
            InsertHeader::default(),
            &[("header", "version"), ("value.literal", "42")],
            source(SchemaAndValue::NULL),
        )
        .unwrap()
        .unwrap();
        let header = out.headers.last_with_name("version").unwrap();
        assert_eq!(
            (header.schema.clone(), header.value.clone()),
            (Some(Schema::int8()), Value::Int8(42))
        );
        let out = apply(
            InsertHeader::default(),
            &[("header", "env"), ("value.literal", "prod")],
            source(SchemaAndValue::NULL),
        )
        .unwrap()
        .unwrap();
        assert_eq!(out.headers.last_with_name("env").unwrap().value, Value::from("prod"));
        let err = apply(
            InsertHeader::default(),
            &[("header", "x")],
            source(SchemaAndValue::NULL),
        )
        .unwrap_err();
        assert!(err.to_string().contains("value.literal"), "{err}");
    }
}
