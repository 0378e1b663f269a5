//! Connect schemas as JSON Schemas and back, as Confluent's JsonSchemaData maps them: integers and
//! numbers marked with `connect.type` (`int8` … `float64`, `bytes`), bytes as base64 strings,
//! structs as objects whose properties carry `connect.index`, optional schemas as `oneOf` with
//! `{"type": "null"}`, string-keyed maps as objects of `additionalProperties` and other maps as
//! arrays of `{key, value}` objects (`connect.type: map`), the Connect name as `title`, its doc as
//! `description`, and `connect.version` and `connect.parameters` as given.

use std::sync::Arc;

use kconnect_api::{ConnectError, Result, SchemaBuilder, SchemaRef, SchemaType};
use serde_json::{Map, Value as Json, json};

use crate::json::{JsonData, JsonSettings, data_error, from_json};

const CONNECT_TYPE: &str = "connect.type";
const CONNECT_INDEX: &str = "connect.index";
const CONNECT_VERSION: &str = "connect.version";
const CONNECT_PARAMETERS: &str = "connect.parameters";
/// Parameters under this namespace are JsonSchemaData's own, never written as parameters.
const NAMESPACE: &str = "io.confluent.connect.json";
/// The parameter that marks a string schema as a JSON Schema enum; `<it>.<symbol>` lists symbols.
const ENUM: &str = "io.confluent.connect.json.Enum";

fn unsupported(what: &str) -> ConnectError {
    ConnectError::data(format!("JSON Schema: {what} has no Connect form in kconnect yet"))
}

/// What JsonSchemaData's own keys change.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SchemaOptions {
    /// Objects allow properties they do not list (`object.additional.properties`); when not, they
    /// say `"additionalProperties": false`.
    pub additional_properties: bool,
    /// Properties an object does not require read as optional fields
    /// (`use.optional.for.nonrequired`).
    pub optional_for_nonrequired: bool,
}

impl Default for SchemaOptions {
    fn default() -> Self {
        Self {
            additional_properties: true,
            optional_for_nonrequired: false,
        }
    }
}

/// The JSON Schema of a Connect schema; `settings` write its default values.
pub(crate) fn json_schema(schema: &SchemaRef, settings: &JsonSettings, options: SchemaOptions) -> Result<Json> {
    Writing { settings, options }.schema(schema, None, false)
}

struct Writing<'a> {
    settings: &'a JsonSettings,
    options: SchemaOptions,
}

/// `schema` as required.
fn required(schema: &SchemaRef) -> SchemaRef {
    let mut inner = (**schema).clone();
    inner.optional = false;
    Arc::new(inner)
}

fn one_of_null(inner: Json) -> Json {
    json!({"oneOf": [{"type": "null"}, inner]})
}

impl Writing<'_> {
    /// The JSON Schema of `schema`, the `index`th field of its struct when it is one; optional
    /// schemas are wrapped in `oneOf` with null unless `ignore_optional`.
    fn schema(&self, schema: &SchemaRef, index: Option<usize>, ignore_optional: bool) -> Result<Json> {
        let mut json = match schema.schema_type {
            SchemaType::Struct if schema.optional && !ignore_optional => {
                one_of_null(self.schema(&required(schema), None, false)?)
            }
            _ => {
                let mut json = self.body(schema)?;
                self.annotate(schema, &mut json)?;
                if schema.optional && !ignore_optional {
                    json = one_of_null(json);
                }
                json
            }
        };
        if let Some(index) = index {
            json[CONNECT_INDEX] = json!(index);
        }
        Ok(json)
    }

    /// The type's own part of the JSON Schema.
    fn body(&self, schema: &SchemaRef) -> Result<Json> {
        let number = |json_type: &str, connect_type: &str| json!({"type": json_type, CONNECT_TYPE: connect_type});
        Ok(match schema.schema_type {
            SchemaType::Int8 => number("integer", "int8"),
            SchemaType::Int16 => number("integer", "int16"),
            SchemaType::Int32 => number("integer", "int32"),
            SchemaType::Int64 => number("integer", "int64"),
            SchemaType::Float32 => number("number", "float32"),
            SchemaType::Float64 => number("number", "float64"),
            SchemaType::Boolean => json!({"type": "boolean"}),
            SchemaType::String if schema.parameters.contains_key(ENUM) => {
                let prefix = format!("{ENUM}.");
                let symbols: Vec<&str> = schema
                    .parameters
                    .keys()
                    .filter_map(|key| key.strip_prefix(&prefix))
                    .collect();
                json!({"type": "string", "enum": symbols})
            }
            SchemaType::String => json!({"type": "string"}),
            SchemaType::Bytes if schema.name.as_deref() == Some(kconnect_api::logical::DECIMAL_NAME) => {
                number("number", "bytes")
            }
            SchemaType::Bytes => number("string", "bytes"),
            SchemaType::Array => json!({"type": "array", "items": self.schema(schema.element_schema()?, None, false)?}),
            SchemaType::Map => {
                let (key, value) = schema.entry_schemas()?;
                if key.schema_type == SchemaType::String && !key.optional {
                    json!({"type": "object", "additionalProperties": self.schema(value, None, false)?, CONNECT_TYPE: "map"})
                } else {
                    let entry = json!({"type": "object", "properties": {
                        "key": self.schema(key, Some(0), false)?,
                        "value": self.schema(value, Some(1), false)?,
                    }});
                    json!({"type": "array", "items": entry, CONNECT_TYPE: "map"})
                }
            }
            SchemaType::Struct => {
                let mut properties = Map::new();
                for field in &schema.fields {
                    properties.insert(
                        field.name.clone(),
                        self.schema(&field.schema, Some(field.index), false)?,
                    );
                }
                let mut object = json!({"type": "object", "properties": properties});
                if !self.options.additional_properties {
                    object["additionalProperties"] = Json::Bool(false);
                }
                object
            }
        })
    }

    /// The name, version, doc, parameters and default of `schema` on its JSON Schema.
    fn annotate(&self, schema: &SchemaRef, json: &mut Json) -> Result<()> {
        if let Some(name) = &schema.name {
            json["title"] = json!(name);
        }
        if let Some(version) = schema.version {
            json[CONNECT_VERSION] = json!(version);
        }
        if let Some(doc) = &schema.doc {
            json["description"] = json!(doc);
        }
        let parameters: Map<String, Json> = schema
            .parameters
            .iter()
            .filter(|(key, _)| !key.starts_with(NAMESPACE))
            .map(|(key, value)| (key.clone(), json!(value)))
            .collect();
        if !parameters.is_empty() {
            json[CONNECT_PARAMETERS] = Json::Object(parameters);
        }
        if let Some(default) = &schema.default_value {
            json["default"] =
                serde_json::to_value(JsonData::new(Some(schema), default, self.settings)).map_err(data_error)?;
        }
        Ok(())
    }
}

/// The Connect schema of a JSON Schema; `settings` read its default values.
pub(crate) fn connect_schema(json: &Json, settings: &JsonSettings, options: SchemaOptions) -> Result<SchemaRef> {
    Reading { settings, options }.schema(json, false)
}

struct Reading<'a> {
    settings: &'a JsonSettings,
    options: SchemaOptions,
}

impl Reading<'_> {
    fn schema(&self, json: &Json, optional: bool) -> Result<SchemaRef> {
        let object = json
            .as_object()
            .ok_or_else(|| unsupported("a schema that is not an object"))?;
        if object.contains_key("$ref") {
            return Err(unsupported("a $ref"));
        }
        if object.contains_key("allOf") {
            return Err(unsupported("allOf"));
        }
        if let Some(variants) = object.get("oneOf").or_else(|| object.get("anyOf")) {
            return self.union(variants, optional);
        }
        if let Some(Json::Array(types)) = object.get("type") {
            return self.multi_type(json, types);
        }
        let builder = self.builder(json)?;
        let mut builder = with_annotations(builder, json);
        if let Some(default) = json.get("default") {
            let schema = builder.clone().build();
            builder = builder.default_value(from_json(Some(&schema), default, self.settings)?);
        }
        Ok(builder.with_optional(optional).build())
    }

    /// A `oneOf` (or `anyOf`) with null and one other schema: that schema, optional.
    fn union(&self, variants: &Json, optional: bool) -> Result<SchemaRef> {
        let variants = variants.as_array().map(Vec::as_slice).unwrap_or_default();
        let is_null = |v: &Json| v.get("type").and_then(Json::as_str) == Some("null");
        match variants {
            [a, b] if is_null(a) && !is_null(b) => self.schema(b, true),
            [a, b] if is_null(b) && !is_null(a) => self.schema(a, true),
            [only] => self.schema(only, optional),
            _ => Err(unsupported("a oneOf other than with null")),
        }
    }

    fn builder(&self, json: &Json) -> Result<SchemaBuilder> {
        let connect_type = json.get(CONNECT_TYPE).and_then(Json::as_str);
        let json_type = match json.get("type") {
            Some(Json::String(json_type)) => json_type.as_str(),
            _ if json.get("enum").is_some() => "string",
            _ => return Err(unsupported("a schema without a type")),
        };
        let schema_type = |connect: Option<&str>, fallback| match connect {
            Some("int8") => Ok(SchemaType::Int8),
            Some("int16") => Ok(SchemaType::Int16),
            Some("int32") => Ok(SchemaType::Int32),
            Some("int64") => Ok(SchemaType::Int64),
            Some("float32") => Ok(SchemaType::Float32),
            Some("float64") => Ok(SchemaType::Float64),
            Some("bytes") => Ok(SchemaType::Bytes),
            None => Ok(fallback),
            Some(other) => Err(ConnectError::data(format!("JSON Schema: unknown connect.type {other}"))),
        };
        Ok(match json_type {
            "boolean" => SchemaBuilder::new(SchemaType::Boolean),
            "integer" => SchemaBuilder::new(schema_type(connect_type, SchemaType::Int64)?),
            "number" => SchemaBuilder::new(schema_type(connect_type, SchemaType::Float64)?),
            "string" if connect_type == Some("bytes") => SchemaBuilder::new(SchemaType::Bytes),
            "string" => match json.get("enum").and_then(Json::as_array) {
                Some(symbols) => symbols.iter().fold(
                    SchemaBuilder::new(SchemaType::String).parameter(ENUM, ""),
                    |builder, symbol| {
                        let symbol = symbol.as_str().map_or_else(|| symbol.to_string(), str::to_string);
                        builder.parameter(format!("{ENUM}.{symbol}"), symbol)
                    },
                ),
                None => SchemaBuilder::new(SchemaType::String),
            },
            "array" => {
                let items = json.get("items").ok_or_else(|| unsupported("an array without items"))?;
                match (connect_type, items.get("properties")) {
                    (Some("map"), Some(entry)) => SchemaBuilder::map(
                        self.schema(entry.get("key").unwrap_or(&Json::Null), false)?,
                        self.schema(entry.get("value").unwrap_or(&Json::Null), false)?,
                    ),
                    _ => SchemaBuilder::array(self.schema(items, false)?),
                }
            }
            "object" if connect_type == Some("map") => {
                let values = json
                    .get("additionalProperties")
                    .ok_or_else(|| unsupported("a map without additionalProperties"))?;
                SchemaBuilder::map(kconnect_api::Schema::string(), self.schema(values, false)?)
            }
            "object" => self.structure(json)?,
            "null" => return Err(unsupported("a null schema on its own")),
            other => return Err(ConnectError::data(format!("JSON Schema: unknown type {other}"))),
        })
    }

    /// `"type": [t, "null"]`: the one type, optional.
    fn multi_type(&self, json: &Json, types: &[Json]) -> Result<SchemaRef> {
        let others: Vec<&Json> = types.iter().filter(|t| t.as_str() != Some("null")).collect();
        let [only] = others.as_slice() else {
            return Err(unsupported("a type list other than one type and null"));
        };
        let mut single = json.clone();
        single["type"] = (*only).clone();
        self.schema(&single, others.len() < types.len())
    }

    /// An object's properties as struct fields, in `connect.index` order.
    fn structure(&self, json: &Json) -> Result<SchemaBuilder> {
        let properties = json
            .get("properties")
            .and_then(Json::as_object)
            .cloned()
            .unwrap_or_default();
        let mut fields: Vec<(usize, String, Json)> = properties
            .into_iter()
            .enumerate()
            .map(|(position, (name, schema))| {
                let index = schema
                    .get(CONNECT_INDEX)
                    .and_then(Json::as_u64)
                    .map_or(position, |i| i as usize);
                (index, name, schema)
            })
            .collect();
        fields.sort_by_key(|(index, ..)| *index);
        let required: Vec<&str> = json
            .get("required")
            .and_then(Json::as_array)
            .into_iter()
            .flatten()
            .filter_map(Json::as_str)
            .collect();
        fields
            .into_iter()
            .try_fold(SchemaBuilder::struct_(), |builder, (_, name, schema)| {
                let optional = self.options.optional_for_nonrequired && !required.contains(&name.as_str());
                Ok(builder.field(name, self.schema(&schema, optional)?))
            })
    }
}

/// `title`, `connect.version`, `description` and `connect.parameters` of `json` on `builder`.
fn with_annotations(mut builder: SchemaBuilder, json: &Json) -> SchemaBuilder {
    if let Some(title) = json.get("title").and_then(Json::as_str) {
        builder = builder.name(title);
    }
    if let Some(version) = json.get(CONNECT_VERSION).and_then(Json::as_i64) {
        builder = builder.version(version as i32);
    }
    if let Some(doc) = json.get("description").and_then(Json::as_str) {
        builder = builder.doc(doc);
    }
    for (key, value) in json
        .get(CONNECT_PARAMETERS)
        .and_then(Json::as_object)
        .into_iter()
        .flatten()
    {
        builder = builder.parameter(key.clone(), value.as_str().unwrap_or_default());
    }
    builder
}

#[cfg(test)]
mod tests {
    use kconnect_api::logical::{date_schema, decimal_schema};
    use kconnect_api::{Schema, SchemaBuilder};

    use super::*;

    fn settings() -> JsonSettings {
        crate::json_schema::JsonSchemaFormat::default_settings()
    }

    #[test]
    fn structs_are_objects_with_indexed_properties_and_optional_ones_are_one_of_null() {
        let schema = SchemaBuilder::struct_()
            .name("shop.Order")
            .field("id", Schema::int32())
            .field("note", Schema::optional_string())
            .build();
        assert_eq!(
            json_schema(&schema, &settings(), SchemaOptions::default()).unwrap(),
            json!({"type": "object", "title": "shop.Order", "properties": {
                "id": {"type": "integer", "connect.type": "int32", "connect.index": 0},
                "note": {"oneOf": [{"type": "null"}, {"type": "string"}], "connect.index": 1},
            }})
        );
    }

    #[test]
    fn every_type_comes_back_as_it_went() {
        let inner = SchemaBuilder::struct_()
            .field("a", Schema::boolean())
            .optional()
            .build();
        let schema = SchemaBuilder::struct_()
            .name("shop.Everything")
            .version(3)
            .doc("all of it")
            .field("i8", Schema::int8())
            .field("i16", Schema::int16())
            .field(
                "i64",
                SchemaBuilder::new(SchemaType::Int64).default_value(5i64.into()).build(),
            )
            .field("f32", Schema::float32())
            .field("f64", Schema::optional_float64())
            .field("bytes", Schema::bytes())
            .field("price", decimal_schema(2).build())
            .field("day", date_schema().build())
            .field("tags", SchemaBuilder::array(Schema::string()).build())
            .field("counts", SchemaBuilder::map(Schema::string(), Schema::int64()).build())
            .field("by_id", SchemaBuilder::map(Schema::int32(), Schema::string()).build())
            .field("inner", inner)
            .field(
                "kind",
                SchemaBuilder::new(SchemaType::String)
                    .parameter(ENUM, "")
                    .parameter(format!("{ENUM}.A"), "A")
                    .build(),
            )
            .build();
        let json = json_schema(&schema, &settings(), SchemaOptions::default()).unwrap();
        assert_eq!(
            connect_schema(&json, &settings(), SchemaOptions::default()).unwrap(),
            schema
        );
    }

    #[test]
    fn what_connect_cannot_hold_is_named() {
        let err = connect_schema(
            &json!({"$ref": "#/definitions/a"}),
            &settings(),
            SchemaOptions::default(),
        )
        .unwrap_err();
        assert!(err.to_string().contains("$ref"), "{err}");
        let either = json!({"oneOf": [{"type": "string"}, {"type": "integer"}]});
        assert!(connect_schema(&either, &settings(), SchemaOptions::default()).is_err());
        let nullable = json!({"type": ["string", "null"]});
        assert!(
            connect_schema(&nullable, &settings(), SchemaOptions::default())
                .unwrap()
                .optional
        );
    }

    #[test]
    fn objects_can_be_closed_and_unrequired_properties_read_as_optional() {
        let schema = SchemaBuilder::struct_().field("id", Schema::int64()).build();
        let closed = SchemaOptions {
            additional_properties: false,
            ..SchemaOptions::default()
        };
        let json = json_schema(&schema, &settings(), closed).unwrap();
        assert_eq!(json["additionalProperties"], false);
        let open = json_schema(&schema, &settings(), SchemaOptions::default()).unwrap();
        assert!(open.get("additionalProperties").is_none());

        let written = json!({"type": "object", "required": ["id"],
                             "properties": {"id": {"type": "integer"}, "note": {"type": "string"}}});
        let optional = SchemaOptions {
            optional_for_nonrequired: true,
            ..SchemaOptions::default()
        };
        let read = connect_schema(&written, &settings(), optional).unwrap();
        assert!(!read.field("id").unwrap().schema.optional);
        assert!(read.field("note").unwrap().schema.optional);
        let read = connect_schema(&written, &settings(), SchemaOptions::default()).unwrap();
        assert!(!read.field("note").unwrap().schema.optional, "as written, by default");
    }
}
