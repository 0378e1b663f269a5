//! Protobuf schemas as a schema registry holds them: `.proto` text, or (as Confluent's clients
//! may register them) a base64 `FileDescriptorProto`. A schema compiles with the files it
//! references under their import names, Google's well-known types, and the imports Confluent's
//! serializers take as built in (`confluent/meta.proto`, `confluent/type/decimal.proto`,
//! `google/type/date.proto`, `google/type/timeofday.proto`).

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use prost::Message;
pub use prost_reflect;
use prost_reflect::FileDescriptor;
use protox::file::{ChainFileResolver, File, FileResolver, GoogleFileResolver};

/// The file name a registered schema compiles under; references keep their import names.
const REGISTERED: &str = "kconnect/registered.proto";

/// Confluent's built-in imports, by import name. Python's client names the decimal's file
/// `confluent/types/decimal.proto`.
const BUILT_IN: [(&str, &str); 5] = [
    ("confluent/meta.proto", include_str!("../proto/confluent/meta.proto")),
    (
        "confluent/type/decimal.proto",
        include_str!("../proto/confluent/type/decimal.proto"),
    ),
    (
        "confluent/types/decimal.proto",
        include_str!("../proto/confluent/type/decimal.proto"),
    ),
    (
        "google/type/date.proto",
        include_str!("../proto/google/type/date.proto"),
    ),
    (
        "google/type/timeofday.proto",
        include_str!("../proto/google/type/timeofday.proto"),
    ),
];

/// Why a schema does not compile.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SchemaError(pub String);

impl std::fmt::Display for SchemaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SchemaError {}

/// The files a schema may import, by name.
struct Sources(HashMap<String, File>);

impl FileResolver for Sources {
    fn open_file(&self, name: &str) -> Result<File, protox::Error> {
        self.0
            .get(name)
            .cloned()
            .ok_or_else(|| protox::Error::file_not_found(name))
    }
}

/// A registered schema's text as a file named `name`: `.proto` source, or a base64
/// `FileDescriptorProto` (named as it names itself).
fn file_of(name: &str, text: &str) -> Result<File, SchemaError> {
    let looks_like_source = text.contains(';') || text.contains('{') || text.trim().is_empty();
    if !looks_like_source && let Ok(bytes) = STANDARD.decode(text.trim()) {
        return File::decode_file_descriptor_proto(bytes.as_slice())
            .map_err(|err| SchemaError(format!("a base64 FileDescriptorProto that does not decode: {err}")));
    }
    File::from_source(name, text).map_err(|err| SchemaError(err.to_string()))
}

/// Compiles `text` with the schemas it references, as `(import name, text)`; the file of `text`.
pub fn compile(text: &str, references: &[(String, String)]) -> Result<FileDescriptor, SchemaError> {
    let mut files = HashMap::new();
    for (name, source) in BUILT_IN {
        files.insert(name.to_string(), file_of(name, source)?);
    }
    for (name, referenced) in references {
        files.insert(name.clone(), file_of(name, referenced)?);
    }
    let registered = file_of(REGISTERED, text)?;
    let name = registered.name().to_string();
    files.insert(name.clone(), registered);
    let mut resolver = ChainFileResolver::new();
    resolver.add(Sources(files));
    resolver.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(resolver);
    compiler.open_file(&name).map_err(|err| SchemaError(err.to_string()))?;
    compiler
        .descriptor_pool()
        .get_file_by_name(&name)
        .ok_or_else(|| SchemaError(format!("{name} was not compiled")))
}

/// A compiled schema as Confluent's `format=serialized` gives it: its `FileDescriptorProto`, in
/// base64.
pub fn serialized(file: &FileDescriptor) -> String {
    STANDARD.encode(file.file_descriptor_proto().encode_to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ORDER: &str = r#"
syntax = "proto3";
package shop;
import "confluent/meta.proto";
import "google/protobuf/timestamp.proto";
import "common.proto";
message Order {
  int32 small = 1 [(confluent.field_meta) = { params: [{ key: "connect.type", value: "int8" }] }];
  google.protobuf.Timestamp at = 2;
  common.Money total = 3;
}
"#;

    fn references() -> Vec<(String, String)> {
        let money = "syntax = \"proto3\"; package common; message Money { int64 cents = 1; }";
        vec![("common.proto".to_string(), money.to_string())]
    }

    #[test]
    fn a_schema_compiles_with_its_references_and_the_built_in_imports() {
        let file = compile(ORDER, &references()).unwrap();
        let order = file.messages().next().unwrap();
        assert_eq!(order.full_name(), "shop.Order");
        assert_eq!(
            order
                .get_field_by_name("total")
                .unwrap()
                .kind()
                .as_message()
                .unwrap()
                .full_name(),
            "common.Money"
        );
    }

    #[test]
    fn a_base64_descriptor_is_the_same_schema_and_errors_name_the_problem() {
        let file = compile(ORDER, &references()).unwrap();
        let encoded = serialized(&file);
        let again = compile(&encoded, &references()).unwrap();
        assert_eq!(again.messages().next().unwrap().full_name(), "shop.Order");

        let err = compile("syntax = \"proto3\"; message A { Missing m = 1; }", &[]).unwrap_err();
        assert!(err.0.contains("Missing"), "{err}");
        let err = compile(ORDER, &[]).unwrap_err();
        assert!(err.0.contains("common.proto"), "{err}");
    }
}
