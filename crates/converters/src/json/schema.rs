//! Connect schemas to and from Apache's JSON schema form.

use kconnect_api::{ConnectError, Result, SchemaBuilder, SchemaRef, SchemaType};
use serde_json::{Map, Value as Json};

use super::JsonSettings;
use super::data::{from_json, to_json};

fn type_name(schema_type: SchemaType) -> &'static str {
    match schema_type {
        SchemaType::Boolean => "boolean",
        SchemaType::Int8 => "int8",
        SchemaType::Int16 => "int16",
        SchemaType::Int32 => "int32",
        SchemaType::Int64 => "int64",
        SchemaType::Float32 => "float",
        SchemaType::Float64 => "double",
        SchemaType::Bytes => "bytes",
        SchemaType::String => "string",
        SchemaType::Array => "array",
        SchemaType::Map => "map",
        SchemaType::Struct => "struct",
    }
}

fn type_from_name(name: &str) -> Option<SchemaType> {
    SchemaType::ALL.into_iter().find(|t| type_name(*t) == name)
}

/// The JSON form of `schema`, attribute for attribute in Apache's order.
pub fn schema_to_json(schema: &SchemaRef, settings: &JsonSettings) -> Json {
    let mut json = Map::new();
    json.insert("type".into(), type_name(schema.schema_type).into());
    match schema.schema_type {
        SchemaType::Array => {
            if let Some(items) = &schema.value_schema {
                json.insert("items".into(), schema_to_json(items, settings));
            }
        }
        SchemaType::Map => {
            if let (Some(keys), Some(values)) = (&schema.key_schema, &schema.value_schema) {
                json.insert("keys".into(), schema_to_json(keys, settings));
                json.insert("values".into(), schema_to_json(values, settings));
            }
        }
        SchemaType::Struct => {
            let fields = schema
                .fields
                .iter()
                .map(|field| {
                    let mut field_json = schema_to_json(&field.schema, settings);
                    if let Json::Object(map) = &mut field_json {
                        map.insert("field".into(), field.name.clone().into());
                    }
                    field_json
                })
                .collect();
            json.insert("fields".into(), Json::Array(fields));
        }
        _ => {}
    }
    json.insert("optional".into(), schema.optional.into());
    if let Some(name) = &schema.name {
        json.insert("name".into(), name.clone().into());
    }
    if let Some(version) = schema.version {
        json.insert("version".into(), version.into());
    }
    if let Some(doc) = &schema.doc {
        json.insert("doc".into(), doc.clone().into());
    }
    if !schema.parameters.is_empty() {
        let parameters = schema
            .parameters
            .iter()
            .map(|(k, v)| (k.clone(), Json::String(v.clone())))
            .collect();
        json.insert("parameters".into(), Json::Object(parameters));
    }
    if let Some(default) = &schema.default_value
        && let Ok(default_json) = to_json(Some(schema), default, settings)
    {
        json.insert("default".into(), default_json);
    }
    Json::Object(json)
}

/// The schema a JSON schema describes; `None` for JSON null.
pub fn schema_from_json(json: &Json) -> Result<Option<SchemaRef>> {
    let object = match json {
        Json::Null => return Ok(None),
        Json::Object(object) => object,
        _ => return Err(ConnectError::data("Schema must be a JSON object")),
    };
    let name = object
        .get("type")
        .and_then(Json::as_str)
        .ok_or_else(|| ConnectError::data("Schema must contain 'type' field"))?;
    let schema_type = type_from_name(name).ok_or_else(|| ConnectError::data(format!("Unknown schema type: {name}")))?;
    let child = |key: &str| -> Result<SchemaRef> {
        let json = object
            .get(key)
            .ok_or_else(|| ConnectError::data(format!("{name} schema must contain '{key}' field")))?;
        schema_from_json(json)?.ok_or_else(|| ConnectError::data(format!("{name} schema '{key}' may not be null")))
    };
    let mut builder = match schema_type {
        SchemaType::Array => SchemaBuilder::array(child("items")?),
        SchemaType::Map => SchemaBuilder::map(child("keys")?, child("values")?),
        SchemaType::Struct => {
            let fields = object
                .get("fields")
                .and_then(Json::as_array)
                .ok_or_else(|| ConnectError::data("Struct schema's \"fields\" argument is not an array."))?;
            fields.iter().try_fold(SchemaBuilder::struct_(), |builder, field| {
                let field_name = field
                    .get("field")
                    .and_then(Json::as_str)
                    .ok_or_else(|| ConnectError::data("Struct schema's field name not specified properly"))?;
                let field_schema = schema_from_json(field)?
                    .ok_or_else(|| ConnectError::data("Struct field schema may not be null"))?;
                Ok::<_, ConnectError>(builder.field(field_name, field_schema))
            })?
        }
        primitive => SchemaBuilder::new(primitive),
    };
    if let Some(optional) = object.get("optional").and_then(Json::as_bool) {
        builder = builder.with_optional(optional);
    }
    if let Some(name) = object.get("name").and_then(Json::as_str) {
        builder = builder.name(name);
    }
    if let Some(version) = object.get("version").and_then(Json::as_i64) {
        builder = builder.version(version as i32);
    }
    if let Some(doc) = object.get("doc").and_then(Json::as_str) {
        builder = builder.doc(doc);
    }
    if let Some(parameters) = object.get("parameters") {
        let parameters = parameters
            .as_object()
            .ok_or_else(|| ConnectError::data("Schema parameters must be a JSON object"))?;
        for (key, value) in parameters {
            let value = value
                .as_str()
                .ok_or_else(|| ConnectError::data("Schema parameters must have string values."))?;
            builder = builder.parameter(key, value);
        }
    }
    if let Some(default) = object.get("default").filter(|d| !d.is_null()) {
        let without_default = builder.clone().build();
        let value = from_json(Some(&without_default), default, &JsonSettings::default())?;
        builder = builder.default_value(value);
    }
    Ok(Some(builder.build()))
}
