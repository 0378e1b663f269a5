//! Connect schemas: the type of a key, value, header or field.

use indexmap::IndexMap;
use std::fmt;
use std::sync::{Arc, LazyLock};

use crate::error::{ConnectError, Result};
use crate::value::Value;

/// A shared, immutable schema.
pub type SchemaRef = Arc<Schema>;

/// The twelve Connect schema types, named as Apache's `Schema.Type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SchemaType {
    /// 8-bit signed integer.
    Int8,
    /// 16-bit signed integer.
    Int16,
    /// 32-bit signed integer.
    Int32,
    /// 64-bit signed integer.
    Int64,
    /// IEEE 754 single precision float.
    Float32,
    /// IEEE 754 double precision float.
    Float64,
    /// true or false.
    Boolean,
    /// UTF-8 text.
    String,
    /// Raw bytes.
    Bytes,
    /// An ordered list of values of one schema.
    Array,
    /// A map from keys of one schema to values of another.
    Map,
    /// Named fields, each with its own schema, in order.
    Struct,
}

impl SchemaType {
    /// Every type, in Apache's declaration order.
    pub const ALL: [SchemaType; 12] = [
        Self::Int8,
        Self::Int16,
        Self::Int32,
        Self::Int64,
        Self::Float32,
        Self::Float64,
        Self::Boolean,
        Self::String,
        Self::Bytes,
        Self::Array,
        Self::Map,
        Self::Struct,
    ];

    /// Apache's upper-case name (`INT32`, `STRING`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Int8 => "INT8",
            Self::Int16 => "INT16",
            Self::Int32 => "INT32",
            Self::Int64 => "INT64",
            Self::Float32 => "FLOAT32",
            Self::Float64 => "FLOAT64",
            Self::Boolean => "BOOLEAN",
            Self::String => "STRING",
            Self::Bytes => "BYTES",
            Self::Array => "ARRAY",
            Self::Map => "MAP",
            Self::Struct => "STRUCT",
        }
    }

    /// Whether the type has no child schemas.
    pub fn is_primitive(self) -> bool {
        !matches!(self, Self::Array | Self::Map | Self::Struct)
    }
}

impl fmt::Display for SchemaType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One field of a struct schema.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    /// The field's name.
    pub name: String,
    /// Its position in the struct, from 0.
    pub index: usize,
    /// The field's schema.
    pub schema: SchemaRef,
}

/// A Connect schema, with every attribute Apache's `ConnectSchema` has.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The type.
    pub schema_type: SchemaType,
    /// Whether null is a valid value.
    pub optional: bool,
    /// The value used when none is given.
    pub default_value: Option<Value>,
    /// The schema's name; logical types are recognised by it.
    pub name: Option<String>,
    /// The schema's version.
    pub version: Option<i32>,
    /// Documentation.
    pub doc: Option<String>,
    /// Free-form parameters (a Decimal's `scale`, for one), in the order they were set, as
    /// Apache's `SchemaBuilder` keeps them (equality ignores the order).
    pub parameters: IndexMap<String, String>,
    /// A struct's fields, in order; empty for other types.
    pub fields: Vec<Field>,
    /// A map's key schema.
    pub key_schema: Option<SchemaRef>,
    /// An array's element schema or a map's value schema.
    pub value_schema: Option<SchemaRef>,
}

macro_rules! primitive_constructors {
    ($($required:ident, $optional:ident => $variant:ident),* $(,)?) => {
        $(
            #[doc = concat!("A required ", stringify!($variant), " schema (one shared instance).")]
            pub fn $required() -> SchemaRef {
                static SHARED: LazyLock<SchemaRef> = LazyLock::new(|| SchemaBuilder::new(SchemaType::$variant).build());
                SHARED.clone()
            }

            #[doc = concat!("An optional ", stringify!($variant), " schema (one shared instance).")]
            pub fn $optional() -> SchemaRef {
                static SHARED: LazyLock<SchemaRef> =
                    LazyLock::new(|| SchemaBuilder::new(SchemaType::$variant).optional().build());
                SHARED.clone()
            }
        )*
    };
}

impl Schema {
    primitive_constructors!(
        int8, optional_int8 => Int8,
        int16, optional_int16 => Int16,
        int32, optional_int32 => Int32,
        int64, optional_int64 => Int64,
        float32, optional_float32 => Float32,
        float64, optional_float64 => Float64,
        boolean, optional_boolean => Boolean,
        string, optional_string => String,
        bytes, optional_bytes => Bytes,
    );

    /// `schema`, optional: itself when it is already, else a copy that is.
    pub fn optional_of(schema: &SchemaRef) -> SchemaRef {
        if schema.optional {
            return schema.clone();
        }
        let mut optional = (**schema).clone();
        optional.optional = true;
        Arc::new(optional)
    }

    /// An array's element schema (a map's value schema); a data error for a schema without one.
    pub fn element_schema(&self) -> Result<&SchemaRef> {
        self.value_schema
            .as_ref()
            .ok_or_else(|| ConnectError::data(format!("a {} schema without an element schema", self.schema_type)))
    }

    /// A map's key and value schemas; a data error for a schema without them.
    pub fn entry_schemas(&self) -> Result<(&SchemaRef, &SchemaRef)> {
        match (&self.key_schema, &self.value_schema) {
            (Some(key), Some(value)) => Ok((key, value)),
            _ => Err(ConnectError::data(format!(
                "a {} schema without key and value schemas",
                self.schema_type
            ))),
        }
    }

    /// The field named `name`, if this is a struct schema that has it.
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|field| field.name == name)
    }

    /// Checks that `value` fits this schema, recursively, as Apache's `ConnectSchema.validateValue`.
    pub fn validate_value(&self, value: &Value) -> Result<()> {
        if value.is_null() {
            return if self.optional || self.default_value.is_some() {
                Ok(())
            } else {
                Err(ConnectError::data(format!(
                    "Invalid value: null used for required field: \"{}\", schema type: {}",
                    self.name.as_deref().unwrap_or("null"),
                    self.schema_type
                )))
            };
        }
        let mismatch = || {
            ConnectError::data(format!(
                "Invalid Java object for schema with type {}: {}",
                self.schema_type,
                value.type_name()
            ))
        };
        match (self.schema_type, value) {
            (SchemaType::Array, Value::Array(items)) => {
                let element = self.value_schema.as_ref().ok_or_else(mismatch)?;
                items.iter().try_for_each(|item| element.validate_value(item))
            }
            (SchemaType::Map, Value::Map(entries)) => {
                let (keys, values) = match (&self.key_schema, &self.value_schema) {
                    (Some(k), Some(v)) => (k, v),
                    _ => return Err(mismatch()),
                };
                entries.iter().try_for_each(|(k, v)| {
                    keys.validate_value(k)?;
                    values.validate_value(v)
                })
            }
            (SchemaType::Struct, Value::Struct(s)) => {
                if !std::ptr::eq(s.schema().as_ref(), self) && s.schema().as_ref() != self {
                    return Err(ConnectError::data("Struct schemas do not match.".to_string()));
                }
                s.validate()
            }
            _ if value.fits_type(self.schema_type) => Ok(()),
            _ => Err(mismatch()),
        }
    }
}

/// Builds a [`Schema`] step by step, as Apache's `SchemaBuilder`.
#[derive(Debug, Clone)]
pub struct SchemaBuilder {
    schema: Schema,
}

impl SchemaBuilder {
    /// A builder for a required schema of `schema_type` with no other attribute set.
    pub fn new(schema_type: SchemaType) -> Self {
        Self {
            schema: Schema {
                schema_type,
                optional: false,
                default_value: None,
                name: None,
                version: None,
                doc: None,
                parameters: IndexMap::new(),
                fields: Vec::new(),
                key_schema: None,
                value_schema: None,
            },
        }
    }

    /// A builder for a struct schema.
    pub fn struct_() -> Self {
        Self::new(SchemaType::Struct)
    }

    /// A builder for an array of `element`.
    pub fn array(element: SchemaRef) -> Self {
        let mut builder = Self::new(SchemaType::Array);
        builder.schema.value_schema = Some(element);
        builder
    }

    /// A builder for a map from `key` to `value`.
    pub fn map(key: SchemaRef, value: SchemaRef) -> Self {
        let mut builder = Self::new(SchemaType::Map);
        builder.schema.key_schema = Some(key);
        builder.schema.value_schema = Some(value);
        builder
    }

    /// Makes the schema optional.
    pub fn optional(mut self) -> Self {
        self.schema.optional = true;
        self
    }

    /// Sets whether the schema is optional.
    pub fn with_optional(mut self, optional: bool) -> Self {
        self.schema.optional = optional;
        self
    }

    /// Sets the default value.
    pub fn default_value(mut self, value: Value) -> Self {
        self.schema.default_value = Some(value);
        self
    }

    /// Sets the name.
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.schema.name = Some(name.into());
        self
    }

    /// Sets the version.
    pub fn version(mut self, version: i32) -> Self {
        self.schema.version = Some(version);
        self
    }

    /// Sets the documentation.
    pub fn doc(mut self, doc: impl Into<String>) -> Self {
        self.schema.doc = Some(doc.into());
        self
    }

    /// Adds one parameter.
    pub fn parameter(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.schema.parameters.insert(key.into(), value.into());
        self
    }

    /// Appends a field to a struct schema.
    pub fn field(mut self, name: impl Into<String>, schema: SchemaRef) -> Self {
        let index = self.schema.fields.len();
        self.schema.fields.push(Field {
            name: name.into(),
            index,
            schema,
        });
        self
    }

    /// The finished, shareable schema.
    pub fn build(self) -> SchemaRef {
        Arc::new(self.schema)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builder_sets_every_attribute() {
        let schema = SchemaBuilder::struct_()
            .name("com.example.Row")
            .version(2)
            .doc("a row")
            .parameter("k", "v")
            .field("id", Schema::int32())
            .field("name", Schema::optional_string())
            .optional()
            .build();
        assert_eq!(schema.schema_type, SchemaType::Struct);
        assert!(schema.optional);
        assert_eq!(schema.name.as_deref(), Some("com.example.Row"));
        assert_eq!(schema.version, Some(2));
        assert_eq!(schema.field("name").unwrap().index, 1);
        assert_eq!(schema.parameters["k"], "v");
    }

    #[test]
    fn validation_rejects_null_for_required_and_wrong_types() {
        assert!(Schema::int32().validate_value(&Value::Null).is_err());
        assert!(Schema::optional_int32().validate_value(&Value::Null).is_ok());
        assert!(Schema::int32().validate_value(&Value::String("x".into())).is_err());
        let array = SchemaBuilder::array(Schema::string()).build();
        assert!(
            array
                .validate_value(&Value::Array(vec![Value::String("a".into())]))
                .is_ok()
        );
        assert!(array.validate_value(&Value::Array(vec![Value::Int8(1)])).is_err());
    }
}
