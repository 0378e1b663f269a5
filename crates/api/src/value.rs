//! Connect values and structs.

use crate::error::{ConnectError, Result};
use crate::logical::Decimal;
use crate::schema::{SchemaRef, SchemaType};

/// A Connect value: what a key, value, header or field holds.
///
/// Logical types have their own variants so that transformations and converters see the meaning,
/// not only the encoding: [`Value::Decimal`] (BYTES), [`Value::Date`] (INT32 days since the epoch),
/// [`Value::Time`] (INT32 milliseconds since midnight) and [`Value::Timestamp`] (INT64 milliseconds
/// since the epoch).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// No value.
    Null,
    /// INT8.
    Int8(i8),
    /// INT16.
    Int16(i16),
    /// INT32.
    Int32(i32),
    /// INT64.
    Int64(i64),
    /// FLOAT32.
    Float32(f32),
    /// FLOAT64.
    Float64(f64),
    /// BOOLEAN.
    Boolean(bool),
    /// STRING.
    String(String),
    /// BYTES.
    Bytes(Vec<u8>),
    /// ARRAY.
    Array(Vec<Value>),
    /// MAP, entries in insertion order.
    Map(Vec<(Value, Value)>),
    /// STRUCT.
    Struct(Struct),
    /// The Decimal logical type.
    Decimal(Decimal),
    /// The Date logical type: days since 1970-01-01.
    Date(i32),
    /// The Time logical type: milliseconds since midnight.
    Time(i32),
    /// The Timestamp logical type: milliseconds since 1970-01-01T00:00:00Z.
    Timestamp(i64),
}

impl Value {
    /// Whether this is [`Value::Null`].
    pub fn is_null(&self) -> bool {
        matches!(self, Self::Null)
    }

    /// A short name of the variant, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Null => "null",
            Self::Int8(_) => "Byte",
            Self::Int16(_) => "Short",
            Self::Int32(_) => "Integer",
            Self::Int64(_) => "Long",
            Self::Float32(_) => "Float",
            Self::Float64(_) => "Double",
            Self::Boolean(_) => "Boolean",
            Self::String(_) => "String",
            Self::Bytes(_) => "byte[]",
            Self::Array(_) => "List",
            Self::Map(_) => "Map",
            Self::Struct(_) => "Struct",
            Self::Decimal(_) => "BigDecimal",
            Self::Date(_) | Self::Time(_) | Self::Timestamp(_) => "Date",
        }
    }

    /// Whether a non-null value may stand where `schema_type` is expected.
    pub fn fits_type(&self, schema_type: SchemaType) -> bool {
        matches!(
            (schema_type, self),
            (SchemaType::Int8, Self::Int8(_))
                | (SchemaType::Int16, Self::Int16(_))
                | (SchemaType::Int32, Self::Int32(_) | Self::Date(_) | Self::Time(_))
                | (SchemaType::Int64, Self::Int64(_) | Self::Timestamp(_))
                | (SchemaType::Float32, Self::Float32(_))
                | (SchemaType::Float64, Self::Float64(_))
                | (SchemaType::Boolean, Self::Boolean(_))
                | (SchemaType::String, Self::String(_))
                | (SchemaType::Bytes, Self::Bytes(_) | Self::Decimal(_))
                | (SchemaType::Array, Self::Array(_))
                | (SchemaType::Map, Self::Map(_))
                | (SchemaType::Struct, Self::Struct(_))
        )
    }

    /// The text of a [`Value::String`].
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Self::String(s) => Some(s),
            _ => None,
        }
    }

    /// The struct of a [`Value::Struct`].
    pub fn as_struct(&self) -> Option<&Struct> {
        match self {
            Self::Struct(s) => Some(s),
            _ => None,
        }
    }
}

impl From<&str> for Value {
    fn from(s: &str) -> Self {
        Self::String(s.to_string())
    }
}

impl From<String> for Value {
    fn from(s: String) -> Self {
        Self::String(s)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Self::Int32(v)
    }
}

impl From<i64> for Value {
    fn from(v: i64) -> Self {
        Self::Int64(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Self::Boolean(v)
    }
}

/// Prints the value as Java's `toString` of the corresponding object does: strings as they are,
/// lists as `[a, b]`, maps as `{k=v}`, structs as `Struct{f=v}`.
impl std::fmt::Display for Value {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Null => f.write_str("null"),
            Self::Int8(v) => write!(f, "{v}"),
            Self::Int16(v) => write!(f, "{v}"),
            Self::Int32(v) | Self::Date(v) | Self::Time(v) => write!(f, "{v}"),
            Self::Int64(v) | Self::Timestamp(v) => write!(f, "{v}"),
            Self::Float32(v) => write!(f, "{v:?}"),
            Self::Float64(v) => write!(f, "{v:?}"),
            Self::Boolean(v) => write!(f, "{v}"),
            Self::String(v) => f.write_str(v),
            Self::Bytes(v) => write!(f, "{v:?}"),
            Self::Decimal(v) => f.write_str(&v.to_plain_string()),
            Self::Array(items) => write_joined(f, "[", items.iter().map(|v| (None, v)), ", ", "]"),
            Self::Map(entries) => write_joined(f, "{", entries.iter().map(|(k, v)| (Some(k as _), v)), ", ", "}"),
            Self::Struct(s) => {
                let set = s.schema().fields.iter().zip(s.values()).filter(|(_, v)| !v.is_null());
                write_joined(
                    f,
                    "Struct{",
                    set.map(|(field, v)| (Some(&field.name as _), v)),
                    ",",
                    "}",
                )
            }
        }
    }
}

/// Writes `open`, each item as `key=value` (or `value` without key) separated by `separator`,
/// then `close`, as Java's collections and `Struct.toString` print them.
fn write_joined<'a>(
    f: &mut std::fmt::Formatter<'_>,
    open: &str,
    items: impl Iterator<Item = (Option<&'a dyn std::fmt::Display>, &'a Value)>,
    separator: &str,
    close: &str,
) -> std::fmt::Result {
    f.write_str(open)?;
    for (i, (key, value)) in items.enumerate() {
        if i > 0 {
            f.write_str(separator)?;
        }
        if let Some(key) = key {
            write!(f, "{key}=")?;
        }
        write!(f, "{value}")?;
    }
    f.write_str(close)
}

/// A struct value: one value per field of its struct schema, in field order.
#[derive(Debug, Clone, PartialEq)]
pub struct Struct {
    schema: SchemaRef,
    values: Vec<Value>,
}

impl Struct {
    /// An empty struct (every field null) of `schema`, which must be a struct schema.
    pub fn new(schema: SchemaRef) -> Result<Self> {
        if schema.schema_type != SchemaType::Struct {
            return Err(ConnectError::data(format!(
                "Not a struct schema: {}",
                schema.schema_type
            )));
        }
        let values = vec![Value::Null; schema.fields.len()];
        Ok(Self { schema, values })
    }

    /// A struct of `schema` holding `values` in field order, each checked against its field's
    /// schema as [`Struct::set`] checks one.
    pub fn with_values(schema: SchemaRef, values: Vec<Value>) -> Result<Self> {
        if schema.schema_type != SchemaType::Struct || values.len() != schema.fields.len() {
            return Err(ConnectError::data(format!(
                "{} values given for a {} schema of {} fields",
                values.len(),
                schema.schema_type,
                schema.fields.len()
            )));
        }
        for (field, value) in schema.fields.iter().zip(&values) {
            field.schema.validate_value(value)?;
        }
        Ok(Self { schema, values })
    }

    /// The struct's schema.
    pub fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    /// Sets field `name` to `value` after checking it against the field's schema.
    pub fn put(mut self, name: &str, value: impl Into<Value>) -> Result<Self> {
        self.set(name, value.into())?;
        Ok(self)
    }

    /// Sets field `name` in place after checking `value` against the field's schema.
    pub fn set(&mut self, name: &str, value: Value) -> Result<()> {
        let field = self
            .schema
            .field(name)
            .ok_or_else(|| ConnectError::data(format!("{name} is not a valid field name")))?;
        field.schema.validate_value(&value)?;
        let index = field.index;
        self.values[index] = value;
        Ok(())
    }

    /// The value of field `name`, the field's default when it is null and has one.
    pub fn get(&self, name: &str) -> Option<&Value> {
        let field = self.schema.field(name)?;
        let value = &self.values[field.index];
        match (&field.schema.default_value, value) {
            (Some(default), Value::Null) => Some(default),
            _ => Some(value),
        }
    }

    /// The value of field `name` as set, without applying defaults.
    pub fn get_without_default(&self, name: &str) -> Option<&Value> {
        self.schema.field(name).map(|field| &self.values[field.index])
    }

    /// The values in field order, as set.
    pub fn values(&self) -> &[Value] {
        &self.values
    }

    /// The values in field order, as set, taken out of the struct.
    pub fn into_values(self) -> Vec<Value> {
        self.values
    }

    /// Checks every field's value against its schema.
    pub fn validate(&self) -> Result<()> {
        self.schema
            .fields
            .iter()
            .zip(&self.values)
            .try_for_each(|(field, value)| {
                field
                    .schema
                    .validate_value(value)
                    .map_err(|err| ConnectError::data(format!("Invalid value for field \"{}\": {err}", field.name)))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Schema, SchemaBuilder};

    fn row_schema() -> SchemaRef {
        SchemaBuilder::struct_()
            .field("id", Schema::int32())
            .field(
                "name",
                SchemaBuilder::new(SchemaType::String)
                    .optional()
                    .default_value("anon".into())
                    .build(),
            )
            .build()
    }

    #[test]
    fn struct_put_get_and_defaults() {
        let row = Struct::new(row_schema()).unwrap().put("id", 7).unwrap();
        assert_eq!(row.get("id"), Some(&Value::Int32(7)));
        assert_eq!(row.get("name"), Some(&Value::from("anon")));
        assert_eq!(row.get_without_default("name"), Some(&Value::Null));
        assert!(row.validate().is_ok());
    }

    #[test]
    fn with_values_checks_each_value_against_its_field() {
        let row = Struct::with_values(row_schema(), vec![Value::Int32(7), Value::Null]).unwrap();
        assert_eq!(row, Struct::new(row_schema()).unwrap().put("id", 7).unwrap());
        let wrong = Struct::with_values(row_schema(), vec![Value::from("7"), Value::Null]).unwrap_err();
        assert!(wrong.to_string().contains("INT32"), "{wrong}");
        let short = Struct::with_values(row_schema(), vec![Value::Int32(7)]).unwrap_err();
        assert!(short.to_string().contains("1 values given"), "{short}");
    }

    #[test]
    fn display_matches_java_to_string() {
        let row = Struct::new(row_schema()).unwrap().put("id", 7).unwrap();
        assert_eq!(Value::Struct(row).to_string(), "Struct{id=7}");
        assert_eq!(Value::from("line").to_string(), "line");
        let list = Value::Array(vec![Value::Int32(1), Value::Map(vec![("a".into(), Value::Null)])]);
        assert_eq!(list.to_string(), "[1, {a=null}]");
    }

    #[test]
    fn struct_rejects_unknown_fields_and_wrong_types() {
        let row = Struct::new(row_schema()).unwrap();
        assert!(row.clone().put("nope", 1).is_err());
        assert!(row.clone().put("id", "seven").is_err());
        assert!(row.validate().is_err(), "id is required");
    }
}
