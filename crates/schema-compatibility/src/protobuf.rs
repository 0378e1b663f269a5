//! Whether data written with one Protobuf schema can be read with another, as Confluent's
//! registry decides it: the differences between the two files that break a reader. A changed
//! package, a removed message, a field whose kind (scalar, message, map) or scalar group changed
//! (`int32`/`int64`/`uint32`/`uint64`/`bool`/enums, `sint*`, `string`/`bytes`, `fixed32`,
//! `fixed64`, `float`, `double`), a message field whose type changed name or became incompatible,
//! a field taken out of a `oneof`, several fields moved into one `oneof` (or one into a `oneof`
//! that had others), a proto2 `required` field added or removed. Added or removed fields, messages,
//! enums and `oneof`s, renamed fields, moved messages and every enum change are compatible.

use std::collections::{BTreeMap, HashSet};

use kconnect_protobuf_schema::prost_reflect::{
    Cardinality, FieldDescriptor, FileDescriptor, Kind, MessageDescriptor, OneofDescriptor,
};

/// Why data written with `writer` cannot be read with `reader`; empty when it can.
pub fn breaking_changes(writer: &FileDescriptor, reader: &FileDescriptor) -> Vec<String> {
    let mut diff = Diff::default();
    if writer.package_name() != reader.package_name() {
        diff.problems.push(format!(
            "the package changed from '{}' to '{}'",
            writer.package_name(),
            reader.package_name()
        ));
    }
    diff.messages(writer.messages(), reader.messages());
    diff.problems
}

#[derive(Default)]
struct Diff {
    problems: Vec<String>,
    /// Message pairs compared already, for messages that contain themselves.
    compared: HashSet<(String, String)>,
}

/// How a field's type compares: scalars (enums among them), messages and maps differ in kind.
#[derive(PartialEq, Eq)]
enum FieldKind {
    Scalar(&'static str),
    Message,
    Map,
}

fn field_kind(field: &FieldDescriptor) -> FieldKind {
    if field.is_map() {
        return FieldKind::Map;
    }
    FieldKind::Scalar(match field.kind() {
        Kind::Int32 | Kind::Int64 | Kind::Uint32 | Kind::Uint64 | Kind::Bool | Kind::Enum(_) => "a general number",
        Kind::Sint32 | Kind::Sint64 => "a signed number",
        Kind::String | Kind::Bytes => "a string or bytes",
        Kind::Fixed32 | Kind::Sfixed32 => "a fixed32",
        Kind::Fixed64 | Kind::Sfixed64 => "a fixed64",
        Kind::Float => "a float",
        Kind::Double => "a double",
        Kind::Message(_) => return FieldKind::Message,
    })
}

/// A message's name within its package.
fn local_name(message: &MessageDescriptor) -> &str {
    let package = message.package_name();
    let full = message.full_name();
    if package.is_empty() {
        full
    } else {
        full.strip_prefix(package).map_or(full, |rest| &rest[1..])
    }
}

fn in_real_oneof(field: &FieldDescriptor) -> Option<OneofDescriptor> {
    field.containing_oneof().filter(|oneof| !oneof.is_synthetic())
}

impl Diff {
    fn messages(
        &mut self,
        writer: impl Iterator<Item = MessageDescriptor>,
        reader: impl Iterator<Item = MessageDescriptor>,
    ) {
        let reader: BTreeMap<String, MessageDescriptor> = reader.map(|m| (m.name().to_string(), m)).collect();
        for written in writer.filter(|m| !m.is_map_entry()) {
            match reader.get(written.name()) {
                Some(read) => self.message(&written, read),
                None => self
                    .problems
                    .push(format!("the message {} was removed", written.full_name())),
            }
        }
    }

    fn message(&mut self, writer: &MessageDescriptor, reader: &MessageDescriptor) {
        let pair = (writer.full_name().to_string(), reader.full_name().to_string());
        if !self.compared.insert(pair) {
            return;
        }
        let at = |field: &FieldDescriptor| format!("{}.{} ({})", writer.full_name(), field.name(), field.number());
        let mut top_level: BTreeMap<u32, FieldDescriptor> = writer
            .fields()
            .filter(|f| in_real_oneof(f).is_none())
            .map(|f| (f.number(), f))
            .collect();
        for oneof in reader.oneofs().filter(|oneof| !oneof.is_synthetic()) {
            let moved = oneof
                .fields()
                .filter(|f| top_level.remove(&f.number()).is_some())
                .count();
            let existing = oneof
                .fields()
                .filter(|f| {
                    writer
                        .get_field(f.number())
                        .is_some_and(|w| in_real_oneof(&w).is_some())
                })
                .count();
            if moved > 1 {
                self.problems.push(format!(
                    "several fields of {} moved into the oneof {}",
                    writer.full_name(),
                    oneof.name()
                ));
            } else if moved == 1 && existing > 0 {
                self.problems.push(format!(
                    "a field of {} moved into the existing oneof {}",
                    writer.full_name(),
                    oneof.name()
                ));
            }
        }
        for oneof in writer.oneofs().filter(|oneof| !oneof.is_synthetic()) {
            let Some(read) = reader.oneofs().find(|o| o.name() == oneof.name()) else {
                continue;
            };
            for field in oneof.fields() {
                if !read.fields().any(|f| f.number() == field.number()) {
                    self.problems.push(format!(
                        "the field {} was taken out of the oneof {}",
                        at(&field),
                        oneof.name()
                    ));
                }
            }
        }
        let required = |field: &FieldDescriptor| field.cardinality() == Cardinality::Required;
        for (number, field) in &top_level {
            match reader.get_field(*number) {
                Some(read) if in_real_oneof(&read).is_none() => self.field(&at(field), field, &read),
                None if required(field) => self
                    .problems
                    .push(format!("the required field {} was removed", at(field))),
                _ => {}
            }
        }
        for read in reader.fields().filter(|f| in_real_oneof(f).is_none() && required(f)) {
            if writer.get_field(read.number()).is_none() {
                self.problems
                    .push(format!("the required field {} was added", at(&read)));
            }
        }
        // Fields in a oneof on either side, compared by number.
        for field in writer.fields() {
            if let Some(read) = reader.get_field(field.number())
                && (in_real_oneof(&field).is_some() || in_real_oneof(&read).is_some())
            {
                self.field(&at(&field), &field, &read);
            }
        }
        self.messages(writer.child_messages(), reader.child_messages());
    }

    fn field(&mut self, at: &str, writer: &FieldDescriptor, reader: &FieldDescriptor) {
        let (written, read) = (field_kind(writer), field_kind(reader));
        match (&written, &read) {
            (FieldKind::Scalar(a), FieldKind::Scalar(b)) if a != b => {
                self.problems.push(format!("the field {at} changed from {a} to {b}"));
            }
            (FieldKind::Map, FieldKind::Map) => {
                let (Kind::Message(w), Kind::Message(r)) = (writer.kind(), reader.kind()) else {
                    return;
                };
                self.field(at, &w.map_entry_key_field(), &r.map_entry_key_field());
                self.field(at, &w.map_entry_value_field(), &r.map_entry_value_field());
            }
            (FieldKind::Message, FieldKind::Message) => {
                let (Kind::Message(w), Kind::Message(r)) = (writer.kind(), reader.kind()) else {
                    return;
                };
                if local_name(&w) != local_name(&r) {
                    self.problems.push(format!(
                        "the field {at} changed type from {} to {}",
                        w.full_name(),
                        r.full_name()
                    ));
                } else {
                    self.message(&w, &r);
                }
            }
            _ if written != read => self.problems.push(format!("the field {at} changed kind")),
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(body: &str) -> FileDescriptor {
        kconnect_protobuf_schema::compile(&format!("syntax = \"proto3\";\npackage shop;\n{body}"), &[]).unwrap()
    }

    fn breaks(old: &str, new: &str) -> Vec<String> {
        breaking_changes(&file(old), &file(new))
    }

    #[test]
    fn added_removed_and_renamed_fields_are_compatible_kind_changes_are_not() {
        let v1 = "message Order { int64 id = 1; string note = 2; }";
        assert!(breaks(v1, "message Order { int64 id = 1; }").is_empty());
        assert!(breaks(v1, "message Order { int64 id = 1; string note = 2; bool ok = 3; }").is_empty());
        assert!(
            breaks(v1, "message Order { int32 key = 1; bytes text = 2; }").is_empty(),
            "same groups"
        );
        let problems = breaks(v1, "message Order { int64 id = 1; double note = 2; }");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(problems[0].contains("shop.Order.note (2)"), "{problems:?}");
        assert_eq!(breaks(v1, "message Order { sint64 id = 1; string note = 2; }").len(), 1);
        assert_eq!(
            breaks(v1, "message Order { Inner id = 1; } message Inner {}").len(),
            1,
            "scalar to message"
        );
        assert_eq!(
            breaks(v1, "message Other { int64 id = 1; }").len(),
            1,
            "message removed"
        );
        let moved = breaking_changes(
            &file(v1),
            &kconnect_protobuf_schema::compile(&format!("syntax = \"proto3\";\npackage other;\n{v1}"), &[]).unwrap(),
        );
        assert_eq!(moved.len(), 1, "package changed");
    }

    #[test]
    fn nested_messages_maps_and_oneofs_are_compared_inside() {
        let v1 = "message Order { Line line = 1; map<string, int64> counts = 2; oneof pay { string card = 3; int32 voucher = 4; } }
                  message Line { int64 qty = 1; }";
        assert!(breaks(v1, v1).is_empty());
        assert_eq!(
            breaks(v1, &v1.replace("int64 qty", "string qty")).len(),
            1,
            "inside the nested message"
        );
        assert_eq!(
            breaks(v1, &v1.replace("map<string, int64>", "map<string, double>")).len(),
            1,
            "a map's value"
        );
        assert_eq!(
            breaks(v1, &v1.replace(" int32 voucher = 4;", "")).len(),
            1,
            "a oneof's field taken out"
        );
        let into_oneof = "message Order { oneof pay { Line line = 1; string card = 3; int32 voucher = 4; } map<string, int64> counts = 2; }
                          message Line { int64 qty = 1; }";
        assert_eq!(breaks(v1, into_oneof).len(), 1, "a field moved into an existing oneof");
    }
}
