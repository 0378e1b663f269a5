//! Connect schemas and values as Avro, the way Confluent's AvroData writes them: structs as records
//! (named after the Connect schema, `io.confluent.connect.avro.ConnectDefault` when unnamed),
//! optional schemas as unions with null first (last when they have a default, which an Avro
//! union's first branch must take), Connect's logical types as Avro's, INT8 and INT16 as `int`
//! marked with `connect.type`, maps with non-string keys as arrays of key/value records, every
//! schema's Connect name, version, doc, parameters and default as `connect.*` properties, and
//! defaults as the record fields' Avro defaults.

use std::collections::HashMap;

use apache_avro::types::Value as Avro;
use kconnect_api::logical::{DATE_NAME, DECIMAL_NAME, TIME_NAME, TIMESTAMP_NAME};
use kconnect_api::{ConnectError, Result, SchemaRef, SchemaType, Value};

use serde_json::{Map, Value as Json, json};

use super::connect_schema::{ENUM, ENUM_DEFAULT, ENUM_DOC, FIELD_DOC, GENERALIZED_ENUM, RECORD_DOC, is_union};
use super::defaults::{FIELD_DEFAULT, avro_takes, default_json};
use crate::confluent::scrub::scrub;

const NAMESPACE: &str = "io.confluent.connect.avro";
/// AvroData's precision for a Decimal without `connect.decimal.precision`.
const DEFAULT_PRECISION: &str = "64";

/// Builds the Avro schema JSON of a Connect schema, naming unnamed records uniquely.
#[derive(Default)]
struct SchemaJson {
    unnamed: usize,
    options: AvroOptions,
}

/// What AvroData's own keys change when Connect schemas are written as Avro.
#[derive(Debug, Clone, Copy)]
pub struct AvroOptions {
    /// Names Avro cannot hold are scrubbed instead of refused (`scrub.invalid.names`).
    pub scrub: bool,
    /// The `connect.*` properties are written (`connect.meta.data`); without them an INT8 or
    /// INT16 reads back as INT32, and names, docs and parameters of non-records are lost.
    pub metadata: bool,
    /// A null in an optional field with a default is written as null, not as the default
    /// (`ignore.default.for.nullables`).
    pub ignore_default_for_nullables: bool,
    /// Strings that were Avro enums are written as enums again, and named union members take
    /// their full names (`enhanced.avro.schema.support`).
    pub enhanced: bool,
    /// Unions read as `connect_union_<n>` structs of `connect_union_field_<index>` fields and
    /// enums with their symbols' indexes, and such enums written as enums
    /// (`generalized.sum.type.support`).
    pub generalized: bool,
}

impl AvroOptions {
    /// The parameter that names the enum a string was, as these options read and write it.
    pub(crate) fn enum_parameter(self) -> &'static str {
        if self.generalized { GENERALIZED_ENUM } else { ENUM }
    }
}

/// The symbols of a string schema that was an Avro enum, in their order, as `options` name
/// them.
pub(crate) fn enum_symbols(schema: &SchemaRef, options: AvroOptions) -> impl Iterator<Item = &str> {
    let parameter = options.enum_parameter();
    schema
        .parameters
        .keys()
        .filter_map(move |key| key.strip_prefix(parameter)?.strip_prefix('.'))
}

/// Whether `schema` is written as an Avro enum under `options`.
pub(crate) fn is_enum(schema: &SchemaRef, options: AvroOptions) -> bool {
    (options.enhanced || options.generalized)
        && schema.schema_type == SchemaType::String
        && schema.parameters.contains_key(options.enum_parameter())
}

/// The index of `symbol` among the enum `schema`'s symbols.
pub(crate) fn enum_index(schema: &SchemaRef, symbol: &str, options: AvroOptions) -> Result<usize> {
    enum_symbols(schema, options).position(|s| s == symbol).ok_or_else(|| {
        ConnectError::data(format!(
            "{symbol:?} is not a symbol of the enum {}",
            schema.parameters[options.enum_parameter()]
        ))
    })
}

/// What a value written under an optional or union schema is written as: the Avro union branch,
/// and the schema and value written there (`None` for null).
pub(crate) type Branch<'a> = (usize, Option<(&'a SchemaRef, &'a Value)>);

/// The branch `value` is written as under `schema`, as AvroData writes it: a union struct's set
/// member (after null, when the union is optional); an optional schema's value, or null, or with
/// a default that default in place of null (the union `[type, "null"]` then); `None` when
/// `schema` is written as no union at all.
pub(crate) fn branch<'a>(schema: &'a SchemaRef, value: &'a Value, options: AvroOptions) -> Result<Option<Branch<'a>>> {
    if is_union(schema) {
        return union_branch(schema, value).map(Some);
    }
    if !schema.optional {
        return Ok(None);
    }
    let (value_branch, null_branch) = if null_last(schema) { (0, 1) } else { (1, 0) };
    let written = match value {
        Value::Null => schema
            .default_value
            .as_ref()
            .filter(|_| !options.ignore_default_for_nullables),
        value => Some(value),
    };
    Ok(Some(match written {
        Some(value) => (value_branch, Some((schema, value))),
        None => (null_branch, None),
    }))
}

/// The branch a value of the union struct `schema` is written as: its set member's.
fn union_branch<'a>(schema: &'a SchemaRef, value: &'a Value) -> Result<Branch<'a>> {
    let set = match value {
        Value::Null => None,
        Value::Struct(members) => schema
            .fields
            .iter()
            .zip(members.values())
            .enumerate()
            .find(|(_, (_, value))| !value.is_null()),
        other => return Err(mismatch(schema, other)),
    };
    match set {
        Some((position, (field, value))) => Ok((position + usize::from(schema.optional), Some((&field.schema, value)))),
        None if schema.optional => Ok((0, None)),
        None => Err(ConnectError::data(
            "a union with no member set, and null is not one of its types",
        )),
    }
}

impl Default for AvroOptions {
    fn default() -> Self {
        Self {
            scrub: false,
            metadata: true,
            ignore_default_for_nullables: false,
            enhanced: false,
            generalized: false,
        }
    }
}

/// Whether an optional `schema` is written as a union with null last: when it has a default,
/// except a struct (AvroData writes an optional struct's union with null first either way).
pub(crate) fn null_last(schema: &SchemaRef) -> bool {
    schema.default_value.is_some() && schema.schema_type != SchemaType::Struct
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A schema's Connect doc, version, parameters, default and name as `connect.*` properties (the
/// default only when it did not come from an Avro field's default).
fn connect_metadata(schema: &SchemaRef, json: &mut Map<String, Json>) {
    if let Some(doc) = &schema.doc {
        json.insert("connect.doc".into(), json!(doc));
    }
    if let Some(version) = schema.version {
        json.insert("connect.version".into(), json!(version));
    }
    let parameters: Map<String, Json> = schema
        .parameters
        .iter()
        .filter(|(key, _)| *key != FIELD_DEFAULT)
        .map(|(key, value)| (key.clone(), json!(value)))
        .collect();
    if !parameters.is_empty() {
        json.insert("connect.parameters".into(), Json::Object(parameters));
    }
    if let Some(default) = &schema.default_value
        && !schema.parameters.contains_key(FIELD_DEFAULT)
        && let Some(default) = default_json(schema, default)
    {
        json.insert("connect.default".into(), default);
    }
    if let Some(name) = &schema.name {
        json.insert("connect.name".into(), json!(name));
    }
}

impl SchemaJson {
    fn next_default(&mut self, base: &str) -> String {
        self.unnamed += 1;
        match self.unnamed {
            1 => format!("{NAMESPACE}.{base}"),
            n => format!("{NAMESPACE}.{base}{n}"),
        }
    }

    /// The schema, as a union with null when it is optional.
    fn schema(&mut self, schema: &SchemaRef) -> Result<Json> {
        if is_union(schema) {
            return self.union(schema);
        }
        let inner = self.required(schema)?;
        Ok(match (schema.optional, null_last(schema)) {
            (false, _) => inner,
            (true, false) => json!(["null", inner]),
            (true, true) => json!([inner, "null"]),
        })
    }

    /// A non-record schema with AvroData's Connect metadata (`connect.doc`, `connect.version`,
    /// `connect.parameters`, `connect.name`, `connect.type` for INT8 and INT16) and its logical
    /// type; a bare type name when it has none.
    fn required(&mut self, schema: &SchemaRef) -> Result<Json> {
        let base = self.base(schema)?;
        if schema.schema_type == SchemaType::Struct {
            return Ok(base);
        }
        let mut json = match base {
            Json::Object(map) => map,
            bare => Map::from_iter([("type".to_string(), bare)]),
        };
        if self.options.metadata {
            connect_metadata(schema, &mut json);
            match schema.schema_type {
                SchemaType::Int8 => _ = json.insert("connect.type".into(), json!("int8")),
                SchemaType::Int16 => _ = json.insert("connect.type".into(), json!("int16")),
                _ => {}
            }
        }
        let logical = match schema.name.as_deref() {
            Some(DECIMAL_NAME) => Some("decimal"),
            Some(DATE_NAME) => Some("date"),
            Some(TIME_NAME) => Some("time-millis"),
            Some(TIMESTAMP_NAME) => Some("timestamp-millis"),
            _ => None,
        };
        if let Some(logical) = logical {
            json.insert("logicalType".into(), json!(logical));
        }
        Ok(match json.len() {
            1 => json.remove("type").unwrap_or_default(),
            _ => Json::Object(json),
        })
    }

    /// The Avro type of `schema` before its metadata.
    fn base(&mut self, schema: &SchemaRef) -> Result<Json> {
        if schema.name.as_deref() == Some(DECIMAL_NAME) {
            let scale = schema
                .parameters
                .get("scale")
                .map_or(0, |s| s.parse::<u64>().unwrap_or(0));
            let precision = schema
                .parameters
                .get("connect.decimal.precision")
                .map_or(DEFAULT_PRECISION, String::as_str);
            return Ok(json!({"type": "bytes", "scale": scale, "precision": precision.parse::<u64>().unwrap_or(64)}));
        }
        Ok(match schema.schema_type {
            SchemaType::Boolean => json!("boolean"),
            SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 => json!("int"),
            SchemaType::Int64 => json!("long"),
            SchemaType::Float32 => json!("float"),
            SchemaType::Float64 => json!("double"),
            SchemaType::String if is_enum(schema, self.options) => self.enumeration(schema),
            SchemaType::String => json!("string"),
            SchemaType::Bytes => json!("bytes"),
            SchemaType::Array => json!({"type": "array", "items": self.schema(schema.element_schema()?)?}),
            SchemaType::Map => {
                let (key, value) = schema.entry_schemas()?;
                if key.schema_type == SchemaType::String && !key.optional {
                    json!({"type": "map", "values": self.schema(value)?})
                } else {
                    let name = self.next_default("MapEntry");
                    json!({"type": "array", "items": {
                        "type": "record",
                        "name": name,
                        "fields": [
                            {"name": "key", "type": self.schema(key)?},
                            {"name": "value", "type": self.schema(value)?},
                        ],
                    }})
                }
            }
            SchemaType::Struct => self.record(schema)?,
        })
    }

    /// A union struct as the Avro union of its members (null first when it is optional), each as
    /// its required form.
    fn union(&mut self, schema: &SchemaRef) -> Result<Json> {
        let mut members = Vec::with_capacity(schema.fields.len() + 1);
        if schema.optional {
            members.push(json!("null"));
        }
        for field in &schema.fields {
            members.push(self.required(&field.schema)?);
        }
        Ok(Json::Array(members))
    }

    /// A string schema that was an Avro enum, as an enum again (`enhanced.avro.schema.support`):
    /// named, documented and defaulted from its parameters, as AvroData writes it (an unnamed
    /// schema takes the next `ConnectDefault` name, which only picks its doc and default).
    fn enumeration(&mut self, schema: &SchemaRef) -> Json {
        let connect_name = match &schema.name {
            Some(name) => name.clone(),
            None => self.next_default("ConnectDefault"),
        };
        let simple = connect_name.rsplit('.').next().unwrap_or_default();
        let mut json = Map::new();
        json.insert("type".into(), json!("enum"));
        json.insert("name".into(), json!(schema.parameters[self.options.enum_parameter()]));
        if let Some(doc) = schema.parameters.get(&format!("{ENUM_DOC}{simple}")) {
            json.insert("doc".into(), json!(doc));
        }
        json.insert(
            "symbols".into(),
            json!(enum_symbols(schema, self.options).collect::<Vec<_>>()),
        );
        if let Some(default) = schema.parameters.get(&format!("{ENUM_DEFAULT}{simple}")) {
            json.insert("default".into(), json!(default));
        }
        Json::Object(json)
    }

    fn record(&mut self, schema: &SchemaRef) -> Result<Json> {
        let name = match schema.name.as_deref() {
            Some(name) if self.options.scrub => match name.rsplit_once('.') {
                Some((namespace, name)) => format!("{namespace}.{}", scrub(name, true)),
                None => scrub(name, true),
            },
            Some(name) => name.to_string(),
            None => self.next_default("ConnectDefault"),
        };
        let mut fields = Vec::with_capacity(schema.fields.len());
        for field in &schema.fields {
            let field_name = if self.options.scrub {
                scrub(&field.name, true)
            } else if valid_name(&field.name) {
                field.name.clone()
            } else {
                return Err(ConnectError::data(format!(
                    "field name {:?} is not a valid Avro name (scrub.invalid.names=true makes it one)",
                    field.name
                )));
            };
            let mut json = Map::new();
            json.insert("name".into(), json!(field_name));
            json.insert("type".into(), self.schema(&field.schema)?);
            if let Some(doc) = schema.parameters.get(&format!("{FIELD_DOC}{}", field.name)) {
                json.insert("doc".into(), json!(doc));
            }
            if let Some(default) = field_default(&field.schema) {
                json.insert("default".into(), default);
            }
            fields.push(Json::Object(json));
        }
        // In the order Avro's Java writer gives a record's keys.
        let mut record = Map::new();
        record.insert("type".into(), json!("record"));
        record.insert("name".into(), json!(name));
        if let Some(doc) = schema.parameters.get(RECORD_DOC) {
            record.insert("doc".into(), json!(doc));
        }
        record.insert("fields".into(), Json::Array(fields));
        if self.options.metadata {
            connect_metadata(schema, &mut record);
        }
        Ok(Json::Object(record))
    }
}

/// A record field's Avro default: its schema's default where Avro takes it, null for an optional
/// field without one.
fn field_default(schema: &SchemaRef) -> Option<Json> {
    match &schema.default_value {
        Some(default) if avro_takes(schema, default) => default_json(schema, default),
        Some(_) => None,
        None => schema.optional.then_some(Json::Null),
    }
}

/// The Avro schema of records whose value schema is `schema`, parsed and as JSON text (with the
/// logical types, defaults and `connect.*` properties that the canonical form leaves out).
pub fn avro_schema(schema: &SchemaRef) -> Result<(apache_avro::Schema, String)> {
    avro_schema_with(schema, AvroOptions::default())
}

/// [`avro_schema`] as AvroData's `options` have it.
pub(crate) fn avro_schema_with(schema: &SchemaRef, options: AvroOptions) -> Result<(apache_avro::Schema, String)> {
    let json = SchemaJson {
        options,
        ..SchemaJson::default()
    }
    .schema(schema)?;
    let parsed =
        apache_avro::Schema::parse(&json).map_err(|e| ConnectError::data(format!("no Avro schema for {json}: {e}")))?;
    Ok((parsed, json.to_string()))
}

fn mismatch(schema: &SchemaRef, value: &Value) -> ConnectError {
    ConnectError::data(format!(
        "a {} value does not fit its schema {}",
        value_kind(value),
        schema.schema_type
    ))
}

fn value_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Struct(_) => "struct",
        Value::Array(_) => "array",
        Value::Map(_) => "map",
        _ => "primitive",
    }
}

/// `value` under `schema`, as an Avro value of [`avro_schema`]'s schema.
pub fn avro_value(schema: &SchemaRef, value: &Value) -> Result<Avro> {
    avro_value_with(schema, value, AvroOptions::default())
}

/// [`avro_value`] as AvroData's `options` have it.
pub(crate) fn avro_value_with(schema: &SchemaRef, value: &Value, options: AvroOptions) -> Result<Avro> {
    Ok(match branch(schema, value, options)? {
        None => required_value(schema, value, options)?,
        Some((index, written)) => {
            let written = match written {
                Some((schema, value)) => required_value(schema, value, options)?,
                None => Avro::Null,
            };
            Avro::Union(index as u32, Box::new(written))
        }
    })
}

fn required_value(schema: &SchemaRef, value: &Value, options: AvroOptions) -> Result<Avro> {
    let avro_value = |schema: &SchemaRef, value: &Value| avro_value_with(schema, value, options);
    Ok(match value {
        Value::Null => match &schema.default_value {
            Some(default) => required_value(schema, default, options)?,
            None => {
                return Err(ConnectError::data(
                    "a null value for a required field without a default",
                ));
            }
        },
        Value::Boolean(v) => Avro::Boolean(*v),
        Value::Int8(v) => Avro::Int(i32::from(*v)),
        Value::Int16(v) => Avro::Int(i32::from(*v)),
        Value::Int32(v) => Avro::Int(*v),
        Value::Int64(v) => Avro::Long(*v),
        Value::Float32(v) => Avro::Float(*v),
        Value::Float64(v) => Avro::Double(*v),
        Value::String(v) if is_enum(schema, options) => Avro::Enum(enum_index(schema, v, options)? as u32, v.clone()),
        Value::String(v) => Avro::String(v.clone()),
        Value::Bytes(v) => Avro::Bytes(v.clone()),
        Value::Decimal(v) => Avro::Decimal(apache_avro::Decimal::from(v.to_bytes())),
        Value::Date(v) => Avro::Date(*v),
        Value::Time(v) => Avro::TimeMillis(*v),
        Value::Timestamp(v) => Avro::TimestampMillis(*v),
        Value::Array(items) => {
            let element = schema.element_schema()?;
            Avro::Array(
                items
                    .iter()
                    .map(|item| avro_value(element, item))
                    .collect::<Result<_>>()?,
            )
        }
        Value::Map(entries) => {
            let (key_schema, value_schema) = schema.entry_schemas()?;
            if key_schema.schema_type == SchemaType::String && !key_schema.optional {
                let mut map = HashMap::with_capacity(entries.len());
                for (key, value) in entries {
                    let Value::String(key) = key else {
                        return Err(mismatch(key_schema, key));
                    };
                    map.insert(key.clone(), avro_value(value_schema, value)?);
                }
                Avro::Map(map)
            } else {
                let pairs = entries.iter().map(|(key, value)| {
                    Ok(Avro::Record(vec![
                        ("key".into(), avro_value(key_schema, key)?),
                        ("value".into(), avro_value(value_schema, value)?),
                    ]))
                });
                Avro::Array(pairs.collect::<Result<_>>()?)
            }
        }
        Value::Struct(s) => {
            let fields = schema
                .fields
                .iter()
                .zip(s.values())
                .map(|(field, value)| Ok((field.name.clone(), avro_value(&field.schema, value)?)));
            Avro::Record(fields.collect::<Result<_>>()?)
        }
    })
}

#[cfg(test)]
mod tests {
    use kconnect_api::logical::Decimal;
    use kconnect_api::{Schema, SchemaBuilder, Struct};

    use super::*;

    fn order_schema() -> SchemaRef {
        SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("qty", SchemaBuilder::new(SchemaType::Int16).build())
            .field("note", Schema::optional_string())
            .field(
                "price",
                SchemaBuilder::new(SchemaType::Bytes)
                    .name(DECIMAL_NAME)
                    .version(1)
                    .parameter("scale", "2")
                    .build(),
            )
            .field(
                "tags",
                SchemaBuilder::map(Schema::string(), Schema::int32()).optional().build(),
            )
            .build()
    }

    #[test]
    fn structs_become_records_as_avro_data_names_them() {
        let (_, text) = avro_schema(&order_schema()).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(json["name"], "io.confluent.connect.avro.ConnectDefault");
        assert_eq!(json["fields"][2]["type"], json!(["null", "string"]));
        assert_eq!(json["fields"][1]["type"]["connect.type"], "int16");
        assert_eq!(json["fields"][3]["type"]["logicalType"], "decimal");
        assert_eq!(json["fields"][4]["type"][1]["type"], "map");
    }

    #[test]
    fn values_encode_under_their_schema() {
        let connect = order_schema();
        let (schema, _) = avro_schema(&connect).unwrap();
        let value = Struct::new(connect.clone())
            .unwrap()
            .put("id", 7i64)
            .unwrap()
            .put("qty", Value::Int16(3))
            .unwrap()
            .put("price", Value::Decimal(Decimal::new(1250, 2)))
            .unwrap()
            .put("tags", Value::Map(vec![(Value::String("a".into()), Value::Int32(1))]))
            .unwrap();
        let avro = avro_value(&connect, &Value::Struct(value)).unwrap();
        let bytes = apache_avro::to_avro_datum(&schema, avro).unwrap();
        let back = apache_avro::from_avro_datum(&schema, &mut bytes.as_slice(), None).unwrap();
        let Avro::Record(fields) = back else { panic!("{back:?}") };
        assert_eq!(fields[0], ("id".into(), Avro::Long(7)));
        assert_eq!(fields[2], ("note".into(), Avro::Union(0, Box::new(Avro::Null))));
    }

    fn with_defaults() -> SchemaRef {
        SchemaBuilder::struct_()
            .name("shop.Line")
            .field(
                "qty",
                SchemaBuilder::new(SchemaType::Int32)
                    .default_value(Value::Int32(1))
                    .build(),
            )
            .field(
                "note",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value("none".into())
                    .build(),
            )
            .field("tag", Schema::optional_string())
            .build()
    }

    #[test]
    fn defaults_are_written_as_avro_data_writes_them_and_read_back() {
        let schema = with_defaults();
        let (_, text) = avro_schema(&schema).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(
            json["fields"],
            json!([
                {"name": "qty", "type": {"type": "int", "connect.default": 1}, "default": 1},
                {"name": "note", "type": [{"type": "string", "connect.default": "none"}, "null"], "default": "none"},
                {"name": "tag", "type": ["null", "string"], "default": null},
            ])
        );
        let read = crate::avro::connect_schema::connect_schema(&json).unwrap();
        assert_eq!(read, schema, "the same Connect schema, defaults included");
    }

    #[test]
    fn a_null_with_a_default_is_written_as_the_default_unless_told_otherwise() {
        let schema = with_defaults();
        let (avro, _) = avro_schema(&schema).unwrap();
        let line = Value::Struct(
            Struct::with_values(schema.clone(), vec![Value::Int32(2), Value::Null, Value::Null]).unwrap(),
        );
        let note = |options: AvroOptions| {
            let value = avro_value_with(&schema, &line, options).unwrap();
            let bytes = apache_avro::to_avro_datum(&avro, value.clone()).unwrap();
            let mut direct = Vec::new();
            super::super::binary::write_datum(&schema, &line, options, &mut direct).unwrap();
            assert_eq!(direct, bytes, "the direct encoder agrees");
            let Avro::Record(fields) = value else {
                panic!("{value:?}")
            };
            fields[1].1.clone()
        };
        assert_eq!(
            note(AvroOptions::default()),
            Avro::Union(0, Box::new(Avro::String("none".into())))
        );
        let keep_nulls = AvroOptions {
            ignore_default_for_nullables: true,
            ..AvroOptions::default()
        };
        assert_eq!(note(keep_nulls), Avro::Union(1, Box::new(Avro::Null)));
    }

    #[test]
    fn an_avro_field_default_is_not_written_again_as_connect_default() {
        let avro = json!({"type": "record", "name": "Line", "fields": [
            {"name": "qty", "type": "int", "default": 1}
        ]});
        let read = crate::avro::connect_schema::connect_schema(&avro).unwrap();
        let qty = &read.fields[0].schema;
        assert_eq!(qty.default_value, Some(Value::Int32(1)));
        assert_eq!(qty.parameters["io.confluent.connect.avro.field.default"], "true");
        let (_, text) = avro_schema(&read).unwrap();
        let json: Json = serde_json::from_str(&text).unwrap();
        assert_eq!(json["fields"][0], json!({"name": "qty", "type": "int", "default": 1}));
    }

    #[test]
    fn field_names_avro_cannot_hold_are_data_errors() {
        let schema = SchemaBuilder::struct_().field("bad-name", Schema::int32()).build();
        assert!(avro_schema(&schema).unwrap_err().is_data());
    }
}
