//! Whether data written under one JSON Schema is valid under another, as Confluent's registry
//! decides it: by the differences between the two schemas, each of which is either compatible or
//! not. The ones that break a reader: a changed type (other than to `true`/`{}`, or from `false`),
//! an integer-only number, tighter bounds (`maxLength`, `minLength`, `pattern`, `maximum`,
//! `minimum`, their exclusive forms, `multipleOf`, `maxItems`, `minItems`, `uniqueItems`,
//! `maxProperties`, `minProperties`), a narrowed `enum`, a property required without a default, a
//! property added to an open object (one that allows any other property: its old data may hold
//! that name with any value), a property removed from a closed one, additional properties
//! forbidden or given a schema, fewer `oneOf`/`anyOf` branches, more `allOf` ones, or a changed
//! combination. Local `$ref`s (`#/…`) are followed.

use std::collections::HashSet;

use serde_json::{Map, Value};

/// Why data written with `writer` cannot be read with `reader`; empty when it can.
pub fn breaking_changes(writer: &Value, reader: &Value) -> Vec<String> {
    let mut diff = Diff {
        roots: (writer, reader),
        problems: Vec::new(),
        visiting: HashSet::new(),
    };
    diff.compare("#", writer, reader);
    diff.problems
}

struct Diff<'a> {
    /// The whole schemas, for `$ref`s.
    roots: (&'a Value, &'a Value),
    problems: Vec<String>,
    /// Pairs of `$ref`s being compared, for schemas that refer to themselves.
    visiting: HashSet<(String, String)>,
}

/// What kind of schema a JSON Schema node is, as the registry's checker classes them.
#[derive(Debug, PartialEq, Eq, Clone, Copy)]
enum Class {
    /// `true` or `{}`: anything.
    Any,
    /// `false`: nothing.
    Nothing,
    Object,
    Array,
    String,
    Number,
    Boolean,
    Null,
    Enum,
    Const,
    Not,
    /// `oneOf`, `anyOf`, `allOf`, or `type` with several types.
    Combined,
}

fn class(schema: &Value) -> Class {
    let Value::Object(map) = schema else {
        return if schema == &Value::Bool(false) {
            Class::Nothing
        } else {
            Class::Any
        };
    };
    if ["oneOf", "anyOf", "allOf"].iter().any(|k| map.contains_key(*k)) {
        return Class::Combined;
    }
    if map.contains_key("enum") {
        return Class::Enum;
    }
    if map.contains_key("const") {
        return Class::Const;
    }
    if map.contains_key("not") {
        return Class::Not;
    }
    match map.get("type") {
        Some(Value::String(kind)) => type_class(kind),
        Some(Value::Array(kinds)) if kinds.len() == 1 => type_class(kinds[0].as_str().unwrap_or_default()),
        Some(Value::Array(_)) => Class::Combined,
        _ if map.contains_key("properties") || map.contains_key("additionalProperties") => Class::Object,
        _ if map.contains_key("items") => Class::Array,
        _ => Class::Any,
    }
}

fn type_class(kind: &str) -> Class {
    match kind {
        "object" => Class::Object,
        "array" => Class::Array,
        "string" => Class::String,
        "number" | "integer" => Class::Number,
        "boolean" => Class::Boolean,
        "null" => Class::Null,
        _ => Class::Any,
    }
}

/// The branches of a combined schema and how they combine (`oneOf`, `anyOf`, `allOf`).
fn branches(schema: &Value) -> (&'static str, Vec<Value>) {
    for criterion in ["oneOf", "anyOf", "allOf"] {
        if let Some(Value::Array(branches)) = schema.get(criterion) {
            return (criterion, branches.clone());
        }
    }
    let kinds = schema
        .get("type")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let branches = kinds
        .into_iter()
        .map(|kind| {
            let mut branch = schema.as_object().cloned().unwrap_or_default();
            branch.insert("type".into(), kind);
            Value::Object(branch)
        })
        .collect();
    ("anyOf", branches)
}

fn number(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

fn properties(schema: &Value) -> Map<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

fn required(schema: &Value) -> HashSet<String> {
    let listed = schema.get("required").and_then(Value::as_array);
    listed
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string))
        .collect()
}

/// Whether an object allows properties it does not list, with any value.
fn open_content_model(schema: &Value) -> bool {
    schema
        .get("patternProperties")
        .is_none_or(|p| p.as_object().is_none_or(Map::is_empty))
        && schema
            .get("additionalProperties")
            .is_none_or(|a| a == &Value::Bool(true))
}

/// What an object says of properties it does not list: `None` when it forbids them.
fn additional(schema: &Value) -> Option<Value> {
    match schema.get("additionalProperties") {
        None => Some(Value::Bool(true)),
        Some(Value::Bool(false)) => None,
        Some(other) => Some(other.clone()),
    }
}

impl<'a> Diff<'a> {
    fn problem(&mut self, at: &str, what: &str) {
        self.problems.push(format!("{at}: {what}"));
    }

    /// `schema` with a local `$ref` followed, in the writer's (`writer`) or the reader's schema.
    fn resolve(&self, schema: &Value, writer: bool) -> Value {
        let mut schema = schema.clone();
        for _ in 0..32 {
            let Some(pointer) = schema
                .get("$ref")
                .and_then(Value::as_str)
                .and_then(|r| r.strip_prefix('#'))
            else {
                break;
            };
            let root = if writer { self.roots.0 } else { self.roots.1 };
            match root.pointer(pointer) {
                Some(target) => schema = target.clone(),
                None => break,
            }
        }
        schema
    }

    fn compare(&mut self, at: &str, writer: &Value, reader: &Value) {
        let refs = (
            writer.get("$ref").and_then(Value::as_str).map(str::to_string),
            reader.get("$ref").and_then(Value::as_str).map(str::to_string),
        );
        if let (Some(w), Some(r)) = &refs
            && !self.visiting.insert((w.clone(), r.clone()))
        {
            return;
        }
        let (writer, reader) = (self.resolve(writer, true), self.resolve(reader, false));
        self.compare_resolved(at, &writer, &reader);
        if let (Some(w), Some(r)) = refs {
            self.visiting.remove(&(w, r));
        }
    }

    /// Whether `reader` takes what `writer` allows, without recording why not.
    fn compatible(&mut self, at: &str, writer: &Value, reader: &Value) -> bool {
        let before = self.problems.len();
        self.compare(at, writer, reader);
        let compatible = self.problems.len() == before;
        self.problems.truncate(before);
        compatible
    }

    fn compare_resolved(&mut self, at: &str, writer: &Value, reader: &Value) {
        let (written, read) = (class(writer), class(reader));
        if written != Class::Combined && read == Class::Combined {
            let (criterion, options) = branches(reader);
            let single = options.len() == 1;
            if (single || criterion != "allOf") && options.iter().any(|option| self.compatible(at, writer, option)) {
                return;
            }
        } else if written == Class::Combined && read != Class::Combined {
            let (_, options) = branches(writer);
            if options.len() == 1 && self.compatible(at, &options[0], reader) {
                return;
            }
        }
        if written != read {
            if written != Class::Nothing && read != Class::Any {
                self.problem(at, &format!("the type changed from {written:?} to {read:?}"));
            }
            return;
        }
        match written {
            Class::String => self.string(at, writer, reader),
            Class::Number => self.number(at, writer, reader),
            Class::Enum | Class::Const => self.values(at, writer, reader),
            Class::Object => self.object(at, writer, reader),
            Class::Array => self.array(at, writer, reader),
            Class::Combined => self.combined(at, writer, reader),
            Class::Not => {
                // Not the writer's is read when the reader excludes no more: compared the other way.
                let (w, r) = (
                    writer.get("not").cloned().unwrap_or_default(),
                    reader.get("not").cloned().unwrap_or_default(),
                );
                self.compare(&format!("{at}/not"), &r, &w);
            }
            _ => {}
        }
    }

    /// A bound that may only loosen: `larger` when a larger value loosens it (a maximum).
    fn bound(&mut self, at: &str, key: &str, writer: &Value, reader: &Value, larger: bool) {
        match (number(writer, key), number(reader, key)) {
            (None, Some(_)) => self.problem(at, &format!("{key} was added")),
            (Some(w), Some(r)) if (larger && r < w) || (!larger && r > w) => {
                self.problem(at, &format!("{key} went from {w} to {r}"));
            }
            _ => {}
        }
    }

    fn string(&mut self, at: &str, writer: &Value, reader: &Value) {
        self.bound(at, "maxLength", writer, reader, true);
        self.bound(at, "minLength", writer, reader, false);
        if reader.get("pattern").is_some() && writer.get("pattern") != reader.get("pattern") {
            self.problem(at, "the pattern was added or changed");
        }
    }

    fn number(&mut self, at: &str, writer: &Value, reader: &Value) {
        let integer = |schema: &Value| schema.get("type").and_then(Value::as_str) == Some("integer");
        if integer(reader) && !integer(writer) {
            self.problem(at, "the number became an integer");
        }
        for (key, larger) in [
            ("maximum", true),
            ("exclusiveMaximum", true),
            ("minimum", false),
            ("exclusiveMinimum", false),
        ] {
            self.bound(at, key, writer, reader, larger);
        }
        match (number(writer, "multipleOf"), number(reader, "multipleOf")) {
            (None, Some(_)) => self.problem(at, "multipleOf was added"),
            (Some(w), Some(r)) if r != w && (w / r).fract() != 0.0 => {
                self.problem(at, &format!("multipleOf went from {w} to {r}"));
            }
            _ => {}
        }
    }

    /// An `enum` (or `const`) may only gain values.
    fn values(&mut self, at: &str, writer: &Value, reader: &Value) {
        let listed = |schema: &Value| -> Vec<Value> {
            match (schema.get("enum"), schema.get("const")) {
                (Some(Value::Array(values)), _) => values.clone(),
                (_, Some(value)) => vec![value.clone()],
                _ => Vec::new(),
            }
        };
        let read = listed(reader);
        if listed(writer).iter().any(|value| !read.contains(value)) {
            self.problem(at, "the enum lost values");
        }
    }

    fn object(&mut self, at: &str, writer: &Value, reader: &Value) {
        let (written, read) = (properties(writer), properties(reader));
        let (was_required, is_required) = (required(writer), required(reader));
        let has_default = |name: &str| read.get(name).is_some_and(|schema| schema.get("default").is_some());
        for name in written.keys().filter(|name| read.contains_key(*name)) {
            if is_required.contains(name) && !was_required.contains(name) && !has_default(name) {
                self.problem(
                    &format!("{at}/required/{name}"),
                    "the property became required without a default",
                );
            }
        }
        for (name, schema) in &written {
            let path = format!("{at}/properties/{name}");
            match read.get(name) {
                Some(read_schema) => self.compare(&path, schema, read_schema),
                None if open_content_model(reader) => {}
                None => match additional(reader) {
                    Some(other) => {
                        if !self.compatible(&path, schema, &other) {
                            self.problem(
                                &path,
                                "the property was removed and other properties do not take its values",
                            );
                        }
                    }
                    None if schema == &Value::Bool(false) => {}
                    None => self.problem(&path, "the property was removed from an object that allows no other"),
                },
            }
        }
        for (name, schema) in read.iter().filter(|(name, _)| !written.contains_key(*name)) {
            let path = format!("{at}/properties/{name}");
            if open_content_model(writer) {
                if class(schema) != Class::Any {
                    self.problem(
                        &path,
                        "the property was added to an object that allowed any other property",
                    );
                }
                continue;
            }
            if let Some(other) = additional(writer).filter(|other| other != &Value::Bool(true))
                && !self.compatible(&path, &other, schema)
            {
                self.problem(
                    &path,
                    "the property was added and does not take the values other properties had",
                );
            }
            if is_required.contains(name) && schema.get("default").is_none() {
                self.problem(&path, "a required property without a default was added");
            }
        }
        match (additional(writer), additional(reader)) {
            (Some(_), None) => self.problem(at, "additional properties are no longer allowed"),
            (Some(Value::Bool(true)), Some(r)) if r != Value::Bool(true) => {
                self.problem(at, "additional properties were given a schema");
            }
            (Some(w), Some(r)) if w != Value::Bool(true) && r != Value::Bool(true) => {
                self.compare(&format!("{at}/additionalProperties"), &w, &r);
            }
            _ => {}
        }
        self.bound(at, "maxProperties", writer, reader, true);
        self.bound(at, "minProperties", writer, reader, false);
    }

    fn array(&mut self, at: &str, writer: &Value, reader: &Value) {
        match (writer.get("items"), reader.get("items")) {
            (Some(w), Some(r)) if w.is_object() || w.is_boolean() => self.compare(&format!("{at}/items"), w, r),
            (None, Some(r)) if class(r) != Class::Any => self.problem(at, "the items were given a schema"),
            _ => {}
        }
        self.bound(at, "maxItems", writer, reader, true);
        self.bound(at, "minItems", writer, reader, false);
        let unique = |schema: &Value| schema.get("uniqueItems") == Some(&Value::Bool(true));
        if unique(reader) && !unique(writer) {
            self.problem(at, "the items must now be unique");
        }
    }

    fn combined(&mut self, at: &str, writer: &Value, reader: &Value) {
        let ((written_criterion, written), (read_criterion, read)) = (branches(writer), branches(reader));
        if written_criterion != read_criterion {
            self.problem(at, &format!("{written_criterion} became {read_criterion}"));
            return;
        }
        if written_criterion == "allOf" {
            // Every reader branch must be implied by some writer branch: a new one narrows.
            for (i, branch) in read.iter().enumerate() {
                if !written.iter().any(|w| self.compatible(at, w, branch)) {
                    self.problem(
                        &format!("{at}/allOf/{i}"),
                        "a branch no earlier branch satisfies was added",
                    );
                }
            }
        } else {
            // Every writer branch must be read by some reader branch: a lost one narrows.
            for (i, branch) in written.iter().enumerate() {
                if !read.iter().any(|r| self.compatible(at, branch, r)) {
                    self.problem(
                        &format!("{at}/{written_criterion}/{i}"),
                        "no branch of the new schema reads this one",
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn breaks(old: Value, new: Value) -> Vec<String> {
        breaking_changes(&old, &new)
    }

    #[test]
    fn open_and_closed_objects_evolve_as_confluents_registry_lets_them() {
        let open = json!({"type": "object", "properties": {"id": {"type": "integer"}}});
        let closed =
            json!({"type": "object", "additionalProperties": false, "properties": {"id": {"type": "integer"}}});
        let with = |base: &Value, name: &str, schema: Value| {
            let mut schema_with = base.clone();
            schema_with["properties"][name] = schema;
            schema_with
        };
        assert!(breaks(open.clone(), open.clone()).is_empty());
        assert_eq!(
            breaks(open.clone(), with(&open, "note", json!({"type": "string"}))).len(),
            1,
            "added to an open object"
        );
        assert!(
            breaks(open.clone(), with(&open, "note", json!({}))).is_empty(),
            "an empty schema added"
        );
        assert!(
            breaks(closed.clone(), with(&closed, "note", json!({"type": "string"}))).is_empty(),
            "optional, closed"
        );
        let mut required = with(&closed, "note", json!({"type": "string"}));
        required["required"] = json!(["note"]);
        assert_eq!(
            breaks(closed.clone(), required.clone()).len(),
            1,
            "required without a default"
        );
        required["properties"]["note"]["default"] = json!("");
        assert!(breaks(closed.clone(), required).is_empty(), "required with a default");
        assert!(
            breaks(with(&open, "note", json!({"type": "string"})), open.clone()).is_empty(),
            "removed from open"
        );
        assert_eq!(
            breaks(with(&closed, "note", json!({"type": "string"})), closed.clone()).len(),
            1,
            "removed from closed"
        );
        assert_eq!(
            breaks(open.clone(), closed.clone()).len(),
            1,
            "additional properties forbidden"
        );
    }

    #[test]
    fn types_bounds_enums_and_unions() {
        assert_eq!(breaks(json!({"type": "string"}), json!({"type": "integer"})).len(), 1);
        assert!(
            breaks(json!({"type": "integer"}), json!({"type": "number"})).is_empty(),
            "widened"
        );
        assert_eq!(
            breaks(json!({"type": "number"}), json!({"type": "integer"})).len(),
            1,
            "narrowed"
        );
        assert!(
            breaks(
                json!({"type": "string", "maxLength": 5}),
                json!({"type": "string", "maxLength": 9})
            )
            .is_empty()
        );
        assert_eq!(
            breaks(json!({"type": "string"}), json!({"type": "string", "maxLength": 9})).len(),
            1
        );
        assert!(breaks(json!({"enum": ["a"]}), json!({"enum": ["a", "b"]})).is_empty());
        assert_eq!(breaks(json!({"enum": ["a", "b"]}), json!({"enum": ["a"]})).len(), 1);
        let nullable = json!({"oneOf": [{"type": "null"}, {"type": "string"}]});
        assert!(
            breaks(json!({"type": "string"}), nullable.clone()).is_empty(),
            "a union that takes it"
        );
        assert_eq!(
            breaks(nullable.clone(), json!({"type": "string"})).len(),
            1,
            "the null branch lost"
        );
        assert!(
            breaks(json!({"type": "string"}), json!(true)).is_empty(),
            "anything reads it"
        );
        let by_ref = json!({"definitions": {"n": {"type": "integer"}}, "type": "object",
                            "properties": {"id": {"$ref": "#/definitions/n"}}});
        let mut changed = by_ref.clone();
        changed["definitions"]["n"] = json!({"type": "string"});
        assert_eq!(breaks(by_ref.clone(), changed).len(), 1, "through a $ref");
        assert!(breaks(by_ref.clone(), by_ref).is_empty());
    }
}
