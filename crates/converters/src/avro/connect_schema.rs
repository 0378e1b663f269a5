//! The Connect schema of an Avro schema, read from its JSON as Confluent's AvroData reads it, with
//! the properties a parsed Avro schema drops: `connect.type` (INT8, INT16), `connect.name`,
//! `connect.version`, `connect.doc`, `connect.parameters` and `connect.default`, and the record
//! fields' Avro defaults. Unions of other types than null become union structs (a field per
//! member, named by its type, or `connect_union_field_<n>` with `generalized.sum.type.support`).
//! Records become structs (AvroData's
//! `ConnectDefault` names become unnamed structs again), unions with null optional schemas,
//! arrays of `MapEntry` records maps, and Avro's logical types Connect's.

use std::collections::HashMap;
use std::sync::Arc;

use kconnect_api::logical::{
    DATE_NAME, TIME_NAME, TIMESTAMP_NAME, date_schema, decimal_schema, time_schema, timestamp_schema,
};
use kconnect_api::{ConnectError, Result, Schema, SchemaBuilder, SchemaRef, SchemaType};
use serde_json::Value as Json;

use super::data::AvroOptions;
use super::defaults::{FIELD_DEFAULT, default_value};

const NAMESPACE: &str = "io.confluent.connect.avro";
/// The parameter naming the Avro enum a string was; `ENUM.<symbol>` lists each symbol.
pub(crate) const ENUM: &str = "io.confluent.connect.avro.Enum";
/// The parameter prefix keeping an enum's Avro `doc`, followed by its simple name.
pub(crate) const ENUM_DOC: &str = "io.confluent.connect.avro.enum.doc.";
/// The parameter prefix keeping an enum's Avro `default`, followed by its simple name.
pub(crate) const ENUM_DEFAULT: &str = "io.confluent.connect.avro.enum.default.";
/// The parameter keeping a record's Avro `doc`.
pub(crate) const RECORD_DOC: &str = "io.confluent.connect.avro.record.doc";
/// The parameter prefix keeping a field's Avro `doc`, followed by the field's name.
pub(crate) const FIELD_DOC: &str = "io.confluent.connect.avro.field.doc.";
/// The name of a union's struct.
pub(crate) const UNION: &str = "io.confluent.connect.avro.Union";
/// With `generalized.sum.type.support`, the parameter naming a union's struct
/// (`connect_union_<n>`).
pub(crate) const GENERALIZED_UNION: &str = "org.apache.kafka.connect.data.Union";
/// With `generalized.sum.type.support`, the parameter naming an enum; `.<symbol>` gives each
/// symbol's index.
pub(crate) const GENERALIZED_ENUM: &str = "org.apache.kafka.connect.data.Enum";

/// Whether `schema` is a union's struct (either naming).
pub(crate) fn is_union(schema: &Schema) -> bool {
    schema.schema_type == SchemaType::Struct
        && (schema.name.as_deref() == Some(UNION) || schema.parameters.contains_key(GENERALIZED_UNION))
}

/// The error for Avro that has no Connect form.
pub(super) fn unsupported(what: &str) -> ConnectError {
    ConnectError::data(format!("an Avro {what} has no Connect form"))
}

/// The Connect schema of the Avro schema `json`.
pub(crate) fn connect_schema(json: &Json) -> Result<SchemaRef> {
    connect_schema_referencing(json, &[], AvroOptions::default())
}

/// The Connect schema of the Avro schema `json`, which may name the records of `referenced`, as
/// AvroData's `options` read it.
pub(crate) fn connect_schema_referencing(json: &Json, referenced: &[Json], options: AvroOptions) -> Result<SchemaRef> {
    let mut reading = Reading {
        options,
        named: HashMap::new(),
        unions: 0,
    };
    for schema in referenced {
        reading.schema(schema, None)?;
    }
    reading.schema(json, None)
}

/// How a schema is read: the named types read so far, by full name, for the names that refer
/// back to them, whether docs and parameters are read (`connect.meta.data`), and how many unions
/// were named `connect_union_<n>`.
struct Reading {
    options: AvroOptions,
    named: HashMap<String, SchemaRef>,
    unions: usize,
}

/// The Avro type name of a union member's JSON: `int`, `array`, a named type's name…
fn type_name(json: &Json) -> &str {
    match json {
        Json::String(name) => name,
        Json::Object(object) => object.get("type").map_or("", type_name),
        _ => "",
    }
}

/// Whether a member's JSON defines a named type (record, enum, fixed).
fn defines_named(json: &Json) -> bool {
    matches!(type_name(json), "record" | "enum" | "fixed")
}

/// `schema` with the default `json` gives it, and the parameter `marks` when one is given;
/// `schema` itself when the default is null or does not fit (AvroData ignores such defaults).
fn with_default(schema: SchemaRef, json: &Json, marks: Option<&str>) -> SchemaRef {
    let Some(default) = default_value(&schema, json) else {
        return schema;
    };
    let mut with = Schema::clone(&schema);
    with.default_value = Some(default);
    if let Some(parameter) = marks {
        with.parameters.insert(parameter.to_string(), "true".to_string());
    }
    Arc::new(with)
}

fn full_name(name: &str, namespace: Option<&str>) -> String {
    match namespace {
        Some(namespace) if !name.contains('.') && !namespace.is_empty() => format!("{namespace}.{name}"),
        _ => name.to_string(),
    }
}

/// The `connect.*` properties of `json` on `builder`: its doc and parameters only with `metadata`.
fn with_connect_properties(mut builder: SchemaBuilder, json: &Json, metadata: bool) -> SchemaBuilder {
    if let Some(name) = json["connect.name"].as_str() {
        builder = builder.name(name);
    }
    if let Some(version) = json["connect.version"].as_i64() {
        builder = builder.version(version as i32);
    }
    if !metadata {
        return builder;
    }
    if let Some(doc) = json["connect.doc"].as_str() {
        builder = builder.doc(doc);
    }
    if let Some(parameters) = json["connect.parameters"].as_object() {
        for (key, value) in parameters {
            builder = builder.parameter(key.clone(), value.as_str().unwrap_or_default());
        }
    }
    builder
}

/// A string schema of an Avro enum, as AvroData reads one: named after the enum, its full name
/// and symbols as parameters (the symbols' indexes with generalized sum types), and its doc and
/// default when it has them.
fn enum_schema(json: &Json, namespace: Option<&str>, options: AvroOptions) -> SchemaBuilder {
    let (metadata, generalized) = (options.metadata, options.generalized);
    let full = full_name(
        json["name"].as_str().unwrap_or_default(),
        json["namespace"].as_str().or(namespace),
    );
    let name = full.rsplit('.').next().unwrap_or_default();
    let mut builder = SchemaBuilder::new(SchemaType::String).name(full.clone());
    if let Some(doc) = json["doc"].as_str().filter(|_| metadata) {
        builder = builder.parameter(format!("{ENUM_DOC}{name}"), doc);
    }
    if let Some(default) = json["default"].as_str().filter(|_| metadata) {
        builder = builder.parameter(format!("{ENUM_DEFAULT}{name}"), default);
    }
    let parameter = options.enum_parameter();
    builder = builder.parameter(parameter, full);
    let symbols = json["symbols"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Json::as_str);
    for (index, symbol) in symbols.enumerate() {
        let value = if generalized {
            index.to_string()
        } else {
            symbol.to_string()
        };
        builder = builder.parameter(format!("{parameter}.{symbol}"), value);
    }
    builder
}

impl Reading {
    fn schema(&mut self, json: &Json, namespace: Option<&str>) -> Result<SchemaRef> {
        match json {
            Json::String(name) => self.named_or_primitive(name, namespace),
            Json::Array(variants) => {
                let others: Vec<&Json> = variants.iter().filter(|v| v.as_str() != Some("null")).collect();
                match (variants.len(), others.as_slice()) {
                    // A singleton union is its member (AvroData's flatten.singleton.unions).
                    (1, [inner]) => self.schema(inner, namespace),
                    (2, [inner]) => Ok(Schema::optional_of(&self.schema(inner, namespace)?)),
                    _ => self.union(variants, namespace),
                }
            }
            Json::Object(_) => {
                let schema = self.complex(json, namespace)?;
                Ok(match json.get("connect.default") {
                    Some(default) => with_default(schema, default, None),
                    None => schema,
                })
            }
            _ => Err(unsupported("schema")),
        }
    }

    /// A union of other types than null, as a struct of a field per member (optional when null
    /// is a member), named `io.confluent.connect.avro.Union` or `connect_union_<n>`.
    fn union(&mut self, variants: &[Json], namespace: Option<&str>) -> Result<SchemaRef> {
        let mut builder = SchemaBuilder::struct_();
        if self.options.generalized {
            let name = format!("connect_union_{}", self.unions);
            self.unions += 1;
            builder = builder.name(name.clone()).parameter(GENERALIZED_UNION, name);
        } else {
            builder = builder.name(UNION);
        }
        let mut names = std::collections::HashSet::new();
        for (index, member) in variants.iter().enumerate() {
            if type_name(member) == "null" {
                builder = builder.optional();
                continue;
            }
            let schema = Schema::optional_of(&self.schema(member, namespace)?);
            let name = self.member_name(member, &schema, index);
            if !names.insert(name.clone()) {
                return Err(ConnectError::data(format!(
                    "two members of an Avro union map to the Connect union field {name}"
                )));
            }
            builder = builder.field(name, schema);
        }
        Ok(builder.build())
    }

    /// A union member's field name, as AvroData names it: `connect_union_field_<index>` with
    /// `generalized.sum.type.support`; a named type's name (full with
    /// `enhanced.avro.schema.support`); else its type (`int`, `string`, `array`…).
    fn member_name(&self, member: &Json, schema: &Schema, index: usize) -> String {
        if self.options.generalized {
            return format!("connect_union_field_{index}");
        }
        let named = defines_named(member) || self.named.contains_key(type_name(member));
        match (&schema.name, named) {
            (Some(full), true) if self.options.enhanced => full.clone(),
            (Some(full), true) => full.rsplit('.').next().unwrap_or(full).to_string(),
            _ => type_name(member).to_string(),
        }
    }

    fn named_or_primitive(&self, name: &str, namespace: Option<&str>) -> Result<SchemaRef> {
        let schema_type = match name {
            "boolean" => SchemaType::Boolean,
            "int" => SchemaType::Int32,
            "long" => SchemaType::Int64,
            "float" => SchemaType::Float32,
            "double" => SchemaType::Float64,
            "bytes" => SchemaType::Bytes,
            "string" => SchemaType::String,
            _ => {
                return self
                    .named
                    .get(&full_name(name, namespace))
                    .or_else(|| self.named.get(name))
                    .cloned()
                    .ok_or_else(|| unsupported(&format!("reference to {name}")));
            }
        };
        Ok(SchemaBuilder::new(schema_type).build())
    }

    fn complex(&mut self, json: &Json, namespace: Option<&str>) -> Result<SchemaRef> {
        let kind = json["type"].as_str().unwrap_or_default();
        let builder = match (kind, json["logicalType"].as_str()) {
            ("bytes" | "fixed", Some("decimal")) => {
                let mut builder = decimal_schema(json["scale"].as_i64().unwrap_or(0) as i32);
                if let Some(precision) = json["precision"].as_u64().filter(|p| *p != 64) {
                    builder = builder.parameter("connect.decimal.precision", precision.to_string());
                }
                builder
            }
            ("int", Some("date")) => date_schema(),
            ("int", Some("time-millis")) => time_schema(),
            ("long", Some("timestamp-millis")) => timestamp_schema(),
            ("int", _) => SchemaBuilder::new(match json["connect.type"].as_str() {
                Some("int8") => SchemaType::Int8,
                Some("int16") => SchemaType::Int16,
                _ => SchemaType::Int32,
            }),
            ("record", _) => return self.record(json, namespace),
            ("array", _) => return self.array(json, namespace),
            ("map", _) => SchemaBuilder::map(
                SchemaBuilder::new(SchemaType::String).build(),
                self.schema(&json["values"], namespace)?,
            ),
            ("enum", _) => {
                let schema =
                    with_connect_properties(enum_schema(json, namespace, self.options), json, self.options.metadata)
                        .build();
                let full = schema.name.clone().unwrap_or_default();
                self.named.insert(full, schema.clone());
                return Ok(schema);
            }
            ("fixed", _) => SchemaBuilder::new(SchemaType::Bytes),
            (primitive, _) => {
                return Ok(with_connect_properties(
                    SchemaBuilder::new(self.named_or_primitive(primitive, namespace)?.schema_type),
                    json,
                    self.options.metadata,
                )
                .build());
            }
        };
        let builder = with_connect_properties(builder, json, self.options.metadata);
        // Connect's logical types keep their own names whatever `connect.name` says.
        Ok(match json["logicalType"].as_str() {
            Some("date") => builder.name(DATE_NAME).build(),
            Some("time-millis") => builder.name(TIME_NAME).build(),
            Some("timestamp-millis") => builder.name(TIMESTAMP_NAME).build(),
            _ => builder.build(),
        })
    }

    fn array(&mut self, json: &Json, namespace: Option<&str>) -> Result<SchemaRef> {
        let items = &json["items"];
        let map_entry = items["type"] == "record"
            && full_name(
                items["name"].as_str().unwrap_or_default(),
                items["namespace"].as_str().or(namespace),
            )
            .starts_with(&format!("{NAMESPACE}.MapEntry"));
        let builder = match (map_entry, items["fields"].as_array().map(Vec::as_slice)) {
            (true, Some([key, value])) if key["name"] == "key" && value["name"] == "value" => SchemaBuilder::map(
                self.schema(&key["type"], namespace)?,
                self.schema(&value["type"], namespace)?,
            ),
            _ => SchemaBuilder::array(self.schema(items, namespace)?),
        };
        Ok(with_connect_properties(builder, json, self.options.metadata).build())
    }

    fn record(&mut self, json: &Json, namespace: Option<&str>) -> Result<SchemaRef> {
        let name = json["name"]
            .as_str()
            .ok_or_else(|| unsupported("record without a name"))?;
        let own_namespace = json["namespace"].as_str().or(namespace);
        let full = full_name(name, own_namespace);
        let inner_namespace = full.rsplit_once('.').map(|(namespace, _)| namespace.to_string());
        let mut builder = SchemaBuilder::struct_();
        if !full.starts_with(&format!("{NAMESPACE}.ConnectDefault")) {
            builder = builder.name(full.clone());
        }
        if let Some(doc) = json["doc"].as_str().filter(|_| self.options.metadata) {
            builder = builder.parameter(RECORD_DOC, doc);
        }
        for field in json["fields"].as_array().into_iter().flatten() {
            let field_name = field["name"]
                .as_str()
                .ok_or_else(|| unsupported("field without a name"))?;
            if let Some(doc) = field["doc"].as_str().filter(|_| self.options.metadata) {
                builder = builder.parameter(format!("{FIELD_DOC}{field_name}"), doc);
            }
            let field_type = &field["type"];
            let mut field_schema = self.schema(field_type, inner_namespace.as_deref())?;
            // A field's Avro default wins over its type's connect.default, as in AvroData; a
            // union's (an optional field's) is left to connect.default.
            if let Some(default) = field.get("default").filter(|_| !field_type.is_array()) {
                let from_avro_only = self.options.metadata && field_type.get("connect.default").is_none();
                field_schema = with_default(field_schema, default, from_avro_only.then_some(FIELD_DEFAULT));
            }
            builder = builder.field(field_name, field_schema);
        }
        let schema = with_connect_properties(builder, json, self.options.metadata).build();
        self.named.insert(full, schema.clone());
        Ok(schema)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn confluents_connect_properties_come_back() {
        let schema = connect_schema(&json!({
            "type": "record", "name": "Order", "namespace": "shop", "connect.version": 3,
            "fields": [
                {"name": "qty", "type": {"type": "int", "connect.type": "int16"}},
                {"name": "note", "type": ["null", "string"], "default": null},
                {"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2}},
                {"name": "day", "type": {"type": "int", "logicalType": "date"}},
                {"name": "prices", "type": {"type": "array", "items": {"type": "record",
                    "name": "MapEntry", "namespace": "io.confluent.connect.avro",
                    "fields": [{"name": "key", "type": "int"}, {"name": "value", "type": "string"}]}}}
            ]
        }))
        .unwrap();
        assert_eq!((schema.name.as_deref(), schema.version), (Some("shop.Order"), Some(3)));
        let types: Vec<SchemaType> = schema.fields.iter().map(|f| f.schema.schema_type).collect();
        assert_eq!(
            types,
            [
                SchemaType::Int16,
                SchemaType::String,
                SchemaType::Bytes,
                SchemaType::Int32,
                SchemaType::Map
            ]
        );
        assert!(schema.fields[1].schema.optional);
        assert_eq!(schema.fields[2].schema.parameters["scale"], "2");
        assert_eq!(schema.fields[2].schema.parameters["connect.decimal.precision"], "10");
        assert_eq!(schema.fields[3].schema.name.as_deref(), Some(DATE_NAME));
    }

    #[test]
    fn enums_and_docs_are_kept_as_avro_data_keeps_them() {
        let schema = connect_schema(&json!({
            "type": "record", "name": "Order", "namespace": "shop", "doc": "an order",
            "fields": [{"name": "status", "doc": "where it is",
                        "type": {"type": "enum", "name": "Status", "symbols": ["NEW", "SHIPPED"]}}]
        }))
        .unwrap();
        assert_eq!(schema.parameters[RECORD_DOC], "an order");
        assert_eq!(
            schema.parameters["io.confluent.connect.avro.field.doc.status"],
            "where it is"
        );
        let status = &schema.fields[0].schema;
        assert_eq!(status.schema_type, SchemaType::String);
        assert_eq!(status.parameters[ENUM], "shop.Status");
        assert_eq!(status.parameters["io.confluent.connect.avro.Enum.SHIPPED"], "SHIPPED");

        // Written again, the docs come back as Avro docs and the enum's parameters as connect.*.
        let (_, text) = crate::avro::data::avro_schema(&schema).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(json["doc"], "an order");
        assert_eq!(json["fields"][0]["doc"], "where it is");
        assert_eq!(json["fields"][0]["type"]["type"], "string");
        assert_eq!(json["fields"][0]["type"]["connect.parameters"][ENUM], "shop.Status");
        assert_eq!(
            connect_schema(&json).unwrap(),
            schema,
            "the same Connect schema read again"
        );
    }
}
