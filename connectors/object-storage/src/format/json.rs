//! JsonFormat: each value as the JsonConverter writes it without schemas, one per line.

use kconnect_api::{ConfigMap, ConnectError, Converter, Result, SchemaAndValue};
use kconnect_converters::JsonConverter;

use super::RecordWriter;

/// Writes values as JSON lines.
pub(super) struct JsonWriter {
    converter: JsonConverter,
}

/// The JsonConverter without schemas, as JsonFormat writes and reads values.
fn schemaless_converter() -> Result<JsonConverter> {
    let mut converter = JsonConverter::default();
    let config: ConfigMap = [("schemas.enable".to_string(), "false".to_string())].into();
    converter.configure(&config, false)?;
    Ok(converter)
}

impl JsonWriter {
    pub(super) fn new() -> Result<Self> {
        Ok(Self {
            converter: schemaless_converter()?,
        })
    }
}

/// The values of a JsonFormat object, schemaless, one per line.
pub(super) fn read(bytes: &[u8]) -> Result<Vec<SchemaAndValue>> {
    let converter = schemaless_converter()?;
    bytes
        .split(|byte| *byte == b'\n')
        .filter(|line| !line.iter().all(u8::is_ascii_whitespace))
        .map(|line| converter.to_connect("", Some(line)))
        .collect()
}

impl RecordWriter for JsonWriter {
    fn write(&mut self, topic: &str, view: &SchemaAndValue, out: &mut Vec<u8>) -> Result<()> {
        let bytes = self
            .converter
            .to_bytes(topic, view.schema.as_ref(), &view.value)?
            .ok_or_else(|| ConnectError::data("a null value has no JSON line"))?;
        out.extend_from_slice(&bytes);
        out.push(b'\n');
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaBuilder, Struct, Value};

    use super::*;

    #[test]
    fn structs_become_schemaless_json_lines() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("name", Schema::optional_string())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .put("id", 7i64)
            .unwrap()
            .put("name", "x")
            .unwrap();
        let view = SchemaAndValue::new(Some(schema), Value::Struct(value));
        let mut out = Vec::new();
        JsonWriter::new().unwrap().write("t", &view, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "{\"id\":7,\"name\":\"x\"}\n");
    }
}
