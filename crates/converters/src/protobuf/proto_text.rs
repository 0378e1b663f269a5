//! The `.proto` text of a Connect schema, as Confluent's ProtobufData writes it: a proto3 file
//! whose package is the struct's namespace and whose one top-level message is the struct; each
//! field numbered by its `io.confluent.connect.protobuf.Tag` parameter or else in order from 1;
//! nested structs as nested messages (named as the struct, `…Message` when that is the field's
//! name), arrays as `repeated`, maps as repeated `…Entry` messages of a `key` and a `value`,
//! INT8/INT16 as `int32` marked with `connect.type`, Decimal/Date/Time/Timestamp as
//! `confluent.type.Decimal`, `google.type.Date`, `google.type.TimeOfDay` and
//! `google.protobuf.Timestamp`, strings with `io.confluent.connect.protobuf.Enum` as enums and
//! `io.confluent.connect.protobuf.Union.*` structs as `oneof`s. Unnamed structs and maps are
//! `ConnectDefault1`, `ConnectDefault2`, … in the order they are met. With `wrapper.for.nullables`,
//! optional primitives are `google.protobuf.*Value` wrappers, so that null is kept.

use std::collections::BTreeSet;
use std::fmt::Write;

use kconnect_api::logical::{DATE_NAME, DECIMAL_NAME, SCALE_PARAMETER, TIME_NAME, TIMESTAMP_NAME};
use kconnect_api::{ConnectError, Result, Schema, SchemaType};

use crate::confluent::scrub::scrub;

/// The parameter that numbers a field.
pub(crate) const TAG: &str = "io.confluent.connect.protobuf.Tag";
/// The parameter that makes a string an enum, naming it; `ENUM.<symbol>` gives each number.
pub(crate) const ENUM: &str = "io.confluent.connect.protobuf.Enum";
/// The name prefix of a struct that stands for a `oneof`.
pub(crate) const UNION_PREFIX: &str = "io.confluent.connect.protobuf.Union.";
/// The name given to unnamed structs and maps, numbered.
pub(crate) const DEFAULT_NAME: &str = "ConnectDefault";
/// A decimal's precision, as Connect's schema parameter.
pub(crate) const CONNECT_PRECISION: &str = "connect.decimal.precision";
/// The field option parameter that keeps INT8 and INT16.
pub(crate) const CONNECT_TYPE: &str = "connect.type";

/// The message types logical types are written as, and the files that define them.
pub(crate) const DECIMAL_TYPE: &str = "confluent.type.Decimal";
pub(crate) const DATE_TYPE: &str = "google.type.Date";
pub(crate) const TIME_TYPE: &str = "google.type.TimeOfDay";
pub(crate) const TIMESTAMP_TYPE: &str = "google.protobuf.Timestamp";
const META_FILE: &str = "confluent/meta.proto";

/// How a Connect schema is written as a `.proto` file.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct TextOptions {
    /// Optional primitives are `google.protobuf.*Value` wrappers (`wrapper.for.nullables`).
    pub wrappers: bool,
    /// Names Protobuf cannot hold are scrubbed (`scrub.invalid.names`).
    pub scrub: bool,
    /// Optional fields are declared `optional` (`optional.for.nullables`).
    pub optional_labels: bool,
}

/// A Connect schema's `.proto` text, and the full name of its message, as `options` say.
pub(crate) fn proto_text(schema: &Schema, options: TextOptions) -> Result<(String, String)> {
    if schema.schema_type != SchemaType::Struct {
        return Err(ConnectError::data(format!(
            "the ProtobufConverter writes structs; this schema is a {}",
            schema.schema_type.name()
        )));
    }
    let mut writing = Writing {
        wrappers: options.wrappers,
        scrub: options.scrub,
        optional_labels: options.optional_labels,
        ..Writing::default()
    };
    let full_name = writing.name_or_default(schema.name.as_deref());
    let (package, name) = match full_name.rsplit_once('.') {
        Some((package, name)) => (Some(package.to_string()), writing.name(name)),
        None => (None, writing.name(&full_name)),
    };
    let mut body = String::new();
    writing.message(&mut body, 0, &name, schema)?;
    let mut text = String::from("syntax = \"proto3\";\n");
    if let Some(package) = &package {
        let _ = writeln!(text, "package {package};");
    }
    text.push('\n');
    if !writing.imports.is_empty() {
        for import in &writing.imports {
            let _ = writeln!(text, "import \"{import}\";");
        }
        text.push('\n');
    }
    text.push_str(&body);
    Ok((
        text,
        package.map_or(name.clone(), |package| format!("{package}.{name}")),
    ))
}

/// What writing a file collects: its imports and how many default names were given.
#[derive(Default)]
struct Writing {
    imports: BTreeSet<&'static str>,
    defaults: usize,
    /// Optional primitives are wrappers.
    wrappers: bool,
    /// Names Protobuf cannot hold are scrubbed (`scrub.invalid.names`).
    scrub: bool,
    /// Optional fields outside a `oneof` are declared `optional`.
    optional_labels: bool,
    /// The fields being written are a `oneof`'s (which takes no label).
    in_oneof: bool,
}

/// The `google.protobuf` wrapper of a primitive type.
fn wrapper_of(schema_type: SchemaType) -> Option<&'static str> {
    Some(match schema_type {
        SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 => "google.protobuf.Int32Value",
        SchemaType::Int64 => "google.protobuf.Int64Value",
        SchemaType::Float32 => "google.protobuf.FloatValue",
        SchemaType::Float64 => "google.protobuf.DoubleValue",
        SchemaType::Boolean => "google.protobuf.BoolValue",
        SchemaType::String => "google.protobuf.StringValue",
        SchemaType::Bytes => "google.protobuf.BytesValue",
        _ => return None,
    })
}

/// The last part of a dotted name.
fn unqualified(name: &str) -> &str {
    name.rsplit('.').next().unwrap_or(name)
}

/// Guava's lower_underscore to UpperCamel, as Confluent names a map's entry message.
fn map_entry_name(name: &str) -> String {
    let camel = if name.contains('_') {
        name.split('_')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars.flat_map(char::to_lowercase)).collect()
                })
            })
            .collect()
    } else {
        name.to_string()
    };
    format!("{camel}Entry")
}

impl Writing {
    /// `name` as written: scrubbed when asked.
    fn name(&self, name: &str) -> String {
        if self.scrub {
            scrub(name, false)
        } else {
            name.to_string()
        }
    }

    fn name_or_default(&mut self, name: Option<&str>) -> String {
        match name.filter(|name| !name.is_empty()) {
            Some(name) => name.to_string(),
            None => {
                self.defaults += 1;
                format!("{DEFAULT_NAME}{}", self.defaults)
            }
        }
    }

    /// `message name { … }` for the struct `schema`, indented by `depth`.
    fn message(&mut self, out: &mut String, depth: usize, name: &str, schema: &Schema) -> Result<()> {
        let indent = "  ".repeat(depth);
        let mut fields = String::new();
        let mut nested = Vec::new();
        let mut index = 1;
        for field in &schema.fields {
            let tag = match field.schema.parameters.get(TAG) {
                Some(tag) => tag.clone(),
                None => {
                    let tag = index.to_string();
                    index += 1;
                    tag
                }
            };
            if field
                .schema
                .name
                .as_deref()
                .is_some_and(|n| n.starts_with(UNION_PREFIX))
            {
                self.oneof(&mut fields, &mut nested, depth + 1, &field.schema)?;
                continue;
            }
            self.field(&mut fields, &mut nested, depth + 1, &field.name, &field.schema, &tag)?;
        }
        let _ = writeln!(out, "{indent}message {name} {{");
        out.push_str(&fields);
        for definition in nested {
            out.push('\n');
            out.push_str(&definition);
        }
        let _ = writeln!(out, "{indent}}}");
        Ok(())
    }

    /// A `oneof` of the union struct `schema`'s fields.
    fn oneof(&mut self, out: &mut String, nested: &mut Vec<String>, depth: usize, schema: &Schema) -> Result<()> {
        let indent = "  ".repeat(depth);
        let name = self.name(unqualified(
            &schema.name.as_deref().unwrap_or_default()[UNION_PREFIX.len()..],
        ));
        let _ = writeln!(out, "{indent}oneof {name} {{");
        self.in_oneof = true;
        for field in &schema.fields {
            let tag = field.schema.parameters.get(TAG).cloned().ok_or_else(|| {
                ConnectError::data(format!(
                    "the oneof {name}'s field {} has no {TAG} parameter",
                    field.name
                ))
            })?;
            self.field(out, nested, depth + 1, &field.name, &field.schema, &tag)?;
        }
        self.in_oneof = false;
        let _ = writeln!(out, "{indent}}}");
        Ok(())
    }

    /// One field line, with the definitions its type needs added to `nested`.
    fn field(
        &mut self,
        out: &mut String,
        nested: &mut Vec<String>,
        depth: usize,
        name: &str,
        schema: &Schema,
        tag: &str,
    ) -> Result<()> {
        let (label, element) = match schema.schema_type {
            SchemaType::Array => ("repeated ", &**schema.element_schema()?),
            SchemaType::Map => ("repeated ", schema),
            _ if self.optional_labels && schema.optional && !self.in_oneof => ("optional ", schema),
            _ => ("", schema),
        };
        let mut params = Vec::new();
        let type_name = self.type_of(nested, depth, name, element, &mut params)?;
        let indent = "  ".repeat(depth);
        let name = self.name(name);
        let _ = write!(out, "{indent}{label}{type_name} {name} = {tag}");
        if !params.is_empty() {
            self.imports.insert(META_FILE);
            let entries: Vec<String> = params
                .iter()
                .map(|(key, value)| format!("{{ key: \"{key}\", value: \"{value}\" }}"))
                .collect();
            let _ = write!(
                out,
                " [(confluent.field_meta) = {{ params: [{}] }}]",
                entries.join(", ")
            );
        }
        out.push_str(";\n");
        Ok(())
    }

    /// The Protobuf type of a (non-array) field's schema, defining what it needs.
    fn type_of(
        &mut self,
        nested: &mut Vec<String>,
        depth: usize,
        field_name: &str,
        schema: &Schema,
        params: &mut Vec<(&'static str, String)>,
    ) -> Result<String> {
        let logical = match schema.name.as_deref() {
            Some(DECIMAL_NAME) => {
                if let Some(precision) = schema.parameters.get(CONNECT_PRECISION) {
                    params.push(("precision", precision.clone()));
                }
                if let Some(scale) = schema.parameters.get(SCALE_PARAMETER) {
                    params.push(("scale", scale.clone()));
                }
                Some((DECIMAL_TYPE, "confluent/type/decimal.proto"))
            }
            Some(DATE_NAME) => Some((DATE_TYPE, "google/type/date.proto")),
            Some(TIME_NAME) => Some((TIME_TYPE, "google/type/timeofday.proto")),
            Some(TIMESTAMP_NAME) => Some((TIMESTAMP_TYPE, "google/protobuf/timestamp.proto")),
            _ => None,
        };
        if let Some((type_name, file)) = logical {
            self.imports.insert(file);
            return Ok(type_name.to_string());
        }
        match schema.schema_type {
            SchemaType::Int8 => params.push((CONNECT_TYPE, "int8".into())),
            SchemaType::Int16 => params.push((CONNECT_TYPE, "int16".into())),
            _ => {}
        }
        // A string or INT32 (int.for.enums) that was an enum is the enum again.
        if matches!(schema.schema_type, SchemaType::String | SchemaType::Int32)
            && let Some(enum_name) = schema.parameters.get(ENUM)
        {
            nested.push(enum_definition(depth, schema)?);
            return Ok(enum_name.clone());
        }
        if self.wrappers
            && schema.optional
            && let Some(wrapper) = wrapper_of(schema.schema_type)
        {
            self.imports.insert("google/protobuf/wrappers.proto");
            return Ok(wrapper.to_string());
        }
        Ok(match schema.schema_type {
            SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 => "int32".into(),
            SchemaType::Int64 => "int64".into(),
            SchemaType::Float32 => "float".into(),
            SchemaType::Float64 => "double".into(),
            SchemaType::Boolean => "bool".into(),
            SchemaType::String => "string".into(),
            SchemaType::Bytes => "bytes".into(),
            SchemaType::Array => return Err(ConnectError::data("an array of arrays has no Protobuf form")),
            SchemaType::Map => {
                let named = self.name_or_default(schema.name.as_deref());
                let entry = map_entry_name(&self.name(unqualified(&named)));
                let (key, value) = schema.entry_schemas()?;
                let mut fields = String::new();
                let mut inner = Vec::new();
                self.field(&mut fields, &mut inner, depth + 1, "key", key, "1")?;
                self.field(&mut fields, &mut inner, depth + 1, "value", value, "2")?;
                let indent = "  ".repeat(depth);
                let mut definition = format!("{indent}message {entry} {{\n{fields}");
                for inner in inner {
                    definition.push('\n');
                    definition.push_str(&inner);
                }
                let _ = writeln!(definition, "{indent}}}");
                nested.push(definition);
                entry
            }
            SchemaType::Struct => {
                let named = self.name_or_default(schema.name.as_deref());
                let mut name = self.name(unqualified(&named));
                if name == self.name(field_name) {
                    name.push_str("Message");
                }
                let mut definition = String::new();
                self.message(&mut definition, depth, &name, schema)?;
                nested.push(definition);
                name
            }
        })
    }
}

/// `enum Name { SYMBOL = n; … }` of a string schema's enum parameters.
fn enum_definition(depth: usize, schema: &Schema) -> Result<String> {
    let name = unqualified(
        schema
            .name
            .as_deref()
            .or(schema.parameters.get(ENUM).map(String::as_str))
            .unwrap_or_default(),
    );
    let indent = "  ".repeat(depth);
    let mut definition = format!("{indent}enum {name} {{\n");
    let prefix = format!("{ENUM}.");
    let mut values: Vec<(i32, &str)> = Vec::new();
    for (key, number) in &schema.parameters {
        if let Some(symbol) = key.strip_prefix(&prefix) {
            let number = number
                .parse()
                .map_err(|_| ConnectError::data(format!("the enum {name}'s {symbol} is numbered {number}")))?;
            values.push((number, symbol));
        }
    }
    values.sort();
    for (number, symbol) in values {
        let _ = writeln!(definition, "{indent}  {symbol} = {number};");
    }
    let _ = writeln!(definition, "{indent}}}");
    Ok(definition)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kconnect_api::SchemaBuilder;
    use kconnect_api::logical::{decimal_schema, timestamp_schema};

    #[test]
    fn a_struct_is_a_proto3_message_as_confluent_writes_it() {
        let address = SchemaBuilder::struct_()
            .name("shop.address")
            .field("city", Schema::string())
            .build();
        let schema = SchemaBuilder::struct_()
            .name("shop.Order")
            .field("id", Schema::int64())
            .field("small", Schema::int8())
            .field("tags", SchemaBuilder::array(Schema::string()).build())
            .field("address", address)
            .field("counts", SchemaBuilder::map(Schema::string(), Schema::int32()).build())
            .field("price", decimal_schema(2).build())
            .field("at", timestamp_schema().optional().build())
            .build();
        let (text, name) = proto_text(&schema, TextOptions::default()).unwrap();
        assert_eq!(name, "shop.Order");
        let expected = r#"syntax = "proto3";
package shop;

import "confluent/meta.proto";
import "confluent/type/decimal.proto";
import "google/protobuf/timestamp.proto";

message Order {
  int64 id = 1;
  int32 small = 2 [(confluent.field_meta) = { params: [{ key: "connect.type", value: "int8" }] }];
  repeated string tags = 3;
  addressMessage address = 4;
  repeated ConnectDefault1Entry counts = 5;
  confluent.type.Decimal price = 6 [(confluent.field_meta) = { params: [{ key: "scale", value: "2" }] }];
  google.protobuf.Timestamp at = 7;

  message addressMessage {
    string city = 1;
  }

  message ConnectDefault1Entry {
    string key = 1;
    int32 value = 2;
  }
}
"#;
        assert_eq!(text, expected);
        kconnect_protobuf_schema::compile(&text, &[]).unwrap();
    }

    #[test]
    fn only_structs_are_messages() {
        assert!(proto_text(&Schema::int32(), TextOptions::default()).is_err());
    }
}
