//! CsvFormat, kconnect's own: a header row of the value struct's field names, then one row per
//! record (RFC 4180 quoting; nested values in Connect's string form, null as an empty cell).

use kconnect_api::values::to_display_string;
use kconnect_api::{ConnectError, Result, Schema, SchemaAndValue, SchemaBuilder, SchemaRef, SchemaType, Struct, Value};

use super::RecordWriter;

/// Writes struct values as CSV rows.
pub(super) struct CsvWriter {
    header: Vec<u8>,
}

/// `text` as one CSV cell.
fn cell(text: &str, out: &mut Vec<u8>) {
    if text.contains([',', '"', '\n', '\r']) {
        out.push(b'"');
        out.extend_from_slice(text.replace('"', "\"\"").as_bytes());
        out.push(b'"');
    } else {
        out.extend_from_slice(text.as_bytes());
    }
}

fn row<'a>(cells: impl Iterator<Item = Option<&'a str>>, out: &mut Vec<u8>) {
    for (n, text) in cells.enumerate() {
        if n > 0 {
            out.push(b',');
        }
        if let Some(text) = text {
            cell(text, out);
        }
    }
    out.push(b'\n');
}

fn not_a_struct() -> ConnectError {
    ConnectError::data("CsvFormat writes structs with a schema; this record's is not one")
}

impl CsvWriter {
    /// A writer for values of `schema`, which must be a struct.
    pub(super) fn new(schema: Option<&SchemaRef>) -> Result<Self> {
        let mut header = Vec::new();
        match schema {
            Some(schema) if schema.schema_type == SchemaType::Struct => {
                row(schema.fields.iter().map(|field| Some(field.name.as_str())), &mut header);
            }
            // The first record decides the object's schema; one that is not a struct is
            // rejected when it is written.
            _ => {}
        }
        Ok(Self { header })
    }
}

impl RecordWriter for CsvWriter {
    fn header(&self) -> Vec<u8> {
        self.header.clone()
    }

    fn write(&mut self, _topic: &str, view: &SchemaAndValue, out: &mut Vec<u8>) -> Result<()> {
        let Value::Struct(value) = &view.value else {
            return Err(not_a_struct());
        };
        if self.header.is_empty() {
            return Err(not_a_struct());
        }
        let texts: Vec<Option<String>> = value
            .values()
            .iter()
            .map(|value| match value {
                Value::Null => None,
                Value::String(text) => Some(text.clone()),
                other => Some(to_display_string(other)),
            })
            .collect();
        row(texts.iter().map(Option::as_deref), out);
        Ok(())
    }
}

/// The rows of CSV text: cells split on commas, with RFC 4180 quoting.
fn rows(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    let (mut row, mut cell) = (Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    if !cell.is_empty() || !row.is_empty() {
        row.push(cell);
        rows.push(row);
    }
    rows
}

/// The rows of a CsvFormat object as structs of optional strings named by the header; an empty
/// cell is null.
pub(super) fn read(bytes: &[u8]) -> Result<Vec<SchemaAndValue>> {
    let text = std::str::from_utf8(bytes).map_err(|e| ConnectError::data(format!("CSV that is not UTF-8: {e}")))?;
    let mut rows = rows(text).into_iter();
    let Some(header) = rows.next() else {
        return Ok(Vec::new());
    };
    let schema = header
        .iter()
        .fold(SchemaBuilder::struct_(), |builder, name| {
            builder.field(name.clone(), Schema::optional_string())
        })
        .build();
    rows.map(|cells| {
        let values = cells
            .into_iter()
            .map(|cell| {
                if cell.is_empty() {
                    Value::Null
                } else {
                    Value::String(cell)
                }
            })
            .collect();
        let value = Struct::with_values(schema.clone(), values)?;
        Ok(SchemaAndValue::new(Some(schema.clone()), Value::Struct(value)))
    })
    .collect()
}

#[cfg(test)]
mod tests {
    use kconnect_api::{Schema, SchemaAndValue, SchemaBuilder, Struct};

    use super::*;

    #[test]
    fn rows_follow_a_header_and_quote_what_needs_it() {
        let schema = SchemaBuilder::struct_()
            .field("id", Schema::int64())
            .field("note", Schema::optional_string())
            .build();
        let value = Struct::new(schema.clone())
            .unwrap()
            .put("id", 7i64)
            .unwrap()
            .put("note", "a \"b\", c")
            .unwrap();
        let view = SchemaAndValue::new(Some(schema.clone()), Value::Struct(value));
        let mut writer = CsvWriter::new(Some(&schema)).unwrap();
        let mut out = writer.header();
        writer.write("t", &view, &mut out).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "id,note\n7,\"a \"\"b\"\", c\"\n");
    }

    #[test]
    fn rows_read_back_as_structs_of_strings() {
        let values = read(b"id,note\n7,\"a \"\"b\"\", c\"\n8,\n").unwrap();
        let Value::Struct(first) = &values[0].value else {
            panic!()
        };
        assert_eq!(first.get("note"), Some(&Value::String("a \"b\", c".into())));
        let Value::Struct(second) = &values[1].value else {
            panic!()
        };
        assert_eq!(second.get("id"), Some(&Value::String("8".into())));
        assert_eq!(second.get("note"), Some(&Value::Null));
    }

    #[test]
    fn a_value_that_is_not_a_struct_is_a_data_error() {
        let view = SchemaAndValue::new(Some(Schema::string()), "x".into());
        let mut writer = CsvWriter::new(Some(&Schema::string())).unwrap();
        assert!(writer.write("t", &view, &mut Vec::new()).unwrap_err().is_data());
    }
}
