//! Connect schemas and values as Avro, the way Confluent's AvroData writes them: structs as records
//! (named after the Connect schema, `io.confluent.connect.avro.ConnectDefault` when unnamed),
//! optional schemas as unions with null first, Connect's logical types as Avro's, INT8 and INT16 as
//! `int` marked with `connect.type`, maps with non-string keys as arrays of key/value records, and
//! every schema's Connect name, version, doc and parameters as `connect.*` properties.

use std::collections::HashMap;

use apache_avro::types::Value as Avro;
use kconnect_api::logical::{DATE_NAME, DECIMAL_NAME, TIME_NAME, TIMESTAMP_NAME};
use kconnect_api::{ConnectError, Result, SchemaRef, SchemaType, Value};

use serde_json::{Map, Value as Json, json};

use super::connect_schema::{FIELD_DOC, RECORD_DOC};
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
}

impl Default for AvroOptions {
    fn default() -> Self {
        Self {
            scrub: false,
            metadata: true,
        }
    }
}

fn valid_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// A schema's Connect doc, version, parameters and name as `connect.*` properties.
fn connect_metadata(schema: &SchemaRef, json: &mut Map<String, Json>) {
    if let Some(doc) = &schema.doc {
        json.insert("connect.doc".into(), json!(doc));
    }
    if let Some(version) = schema.version {
        json.insert("connect.version".into(), json!(version));
    }
    if !schema.parameters.is_empty() {
        json.insert("connect.parameters".into(), json!(schema.parameters));
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

    /// The schema, as a union with null first when it is optional.
    fn schema(&mut self, schema: &SchemaRef) -> Result<Json> {
        let inner = self.required(schema)?;
        Ok(if schema.optional { json!(["null", inner]) } else { inner })
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
            if let Some(doc) = schema.parameters.get(&format!("{FIELD_DOC}{}", field.name)) {
                json.insert("doc".into(), json!(doc));
            }
            json.insert("type".into(), self.schema(&field.schema)?);
            if field.schema.optional {
                json.insert("default".into(), Json::Null);
            }
            fields.push(Json::Object(json));
        }
        let mut record = json!({"type": "record", "name": name, "fields": fields});
        if let Some(doc) = schema.parameters.get(RECORD_DOC) {
            record["doc"] = json!(doc);
        }
        if self.options.metadata
            && let Json::Object(map) = &mut record
        {
            connect_metadata(schema, map);
        }
        Ok(record)
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
    if schema.optional {
        return Ok(match value {
            Value::Null => Avro::Union(0, Box::new(Avro::Null)),
            value => Avro::Union(1, Box::new(required_value(schema, value)?)),
        });
    }
    required_value(schema, value)
}

fn required_value(schema: &SchemaRef, value: &Value) -> Result<Avro> {
    Ok(match value {
        Value::Null => match &schema.default_value {
            Some(default) => required_value(schema, default)?,
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

    #[test]
    fn field_names_avro_cannot_hold_are_data_errors() {
        let schema = SchemaBuilder::struct_().field("bad-name", Schema::int32()).build();
        assert!(avro_schema(&schema).unwrap_err().is_data());
    }
}
