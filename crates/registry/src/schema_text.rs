//! Checking a schema's text by its type and putting it in the one form ids are given by, so that
//! the same Avro or JSON Schema written with other spacing is the same schema. A Protobuf schema
//! is kept as written (`.proto` text or a base64 descriptor), once it compiles.

use serde_json::Value;

use crate::RegistryError;

/// The schema types, as the REST API names them.
pub(crate) const TYPES: [&str; 3] = ["AVRO", "JSON", "PROTOBUF"];

/// `text`, of `schema_type`, in its stored form: compact JSON, in the order written, or a
/// Protobuf schema trimmed. Avro and Protobuf schemas must parse, with the schemas they reference
/// (`referenced`, by the name they are referenced by) known first.
pub(crate) fn canonical(
    schema_type: &str,
    text: &str,
    referenced: &[(String, String)],
) -> Result<String, RegistryError> {
    let invalid = |why: String| RegistryError::InvalidSchema(format!("{text}, details: {why}"));
    if schema_type == "PROTOBUF" {
        kconnect_protobuf_schema::compile(text, referenced).map_err(|e| invalid(e.to_string()))?;
        return Ok(text.trim().to_string());
    }
    let json: Value = serde_json::from_str(text).map_err(|e| invalid(e.to_string()))?;
    match schema_type {
        "AVRO" => {
            let texts: Vec<String> = referenced.iter().map(|(_, text)| text.clone()).collect();
            parse_avro(text, &texts).map_err(|e| invalid(e.to_string()))?;
        }
        "JSON" if !(json.is_object() || json.is_boolean()) => {
            return Err(invalid("a JSON Schema is an object or a boolean".into()));
        }
        "JSON" => {}
        other => {
            return Err(invalid(format!(
                "schema type {other} is not supported; the types are {}",
                TYPES.join(", ")
            )));
        }
    }
    Ok(json.to_string())
}

/// The Avro schema `text`, any schema (a primitive too), naming the (named) schemas of
/// `referenced`.
pub(crate) fn parse_avro(text: &str, referenced: &[String]) -> Result<apache_avro::Schema, apache_avro::Error> {
    apache_avro::Schema::parse_str_with_list(text, referenced).map(|(schema, _)| schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spacing_does_not_make_another_schema_and_bad_ones_are_42201() {
        let a = canonical(
            "AVRO",
            r#"{"type": "record", "name": "A", "fields": [{"name": "x", "type": "long"}]}"#,
            &[],
        )
        .unwrap();
        let b = canonical(
            "AVRO",
            "{\"type\":\"record\",\"name\":\"A\",\"fields\":[{\"name\":\"x\",\"type\":\"long\"}]}",
            &[],
        )
        .unwrap();
        assert_eq!(a, b);
        let err = canonical("AVRO", r#"{"type": "record", "name": "A"}"#, &[]).unwrap_err();
        assert_eq!(err.code(), 42201);
        let referencing = r#"{"type": "record", "name": "B", "fields": [{"name": "a", "type": "A"}]}"#;
        assert!(canonical("AVRO", referencing, &[]).is_err());
        assert!(canonical("AVRO", referencing, &[("A".into(), a)]).is_ok());
        assert_eq!(canonical("PROTOBUF", "message {", &[]).unwrap_err().code(), 42201);
        let proto = "\nsyntax = \"proto3\";\nmessage A { int32 x = 1; }\n";
        assert_eq!(canonical("PROTOBUF", proto, &[]).unwrap(), proto.trim());
        assert_eq!(canonical("XML", "<a/>", &[]).unwrap_err().code(), 42201);
        assert_eq!(
            canonical("AVRO", " \"string\" ", &[]).unwrap(),
            "\"string\"",
            "a primitive is a schema"
        );
    }
}
