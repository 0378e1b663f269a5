//! Whether a new schema may follow a subject's earlier ones, at Confluent's levels: BACKWARD
//! (the new schema reads data written with the earlier one), FORWARD (the earlier reads the new's),
//! FULL (both), against the latest version or, `_TRANSITIVE`, against every live one; NONE
//! accepts anything. Reading is the format's: Avro's schema resolution (apache-avro's
//! `can_read`), Protobuf's and JSON Schema's breaking changes ([`crate::protobuf`],
//! [`crate::json`]).

use apache_avro::Schema;
use apache_avro::schema_compatibility::SchemaCompatibility;

/// Why data written with the first schema cannot be read with the second; empty when it can.
pub type CanRead<S> = fn(&S, &S) -> Vec<String>;

/// The Avro schema `text`, naming the named schemas of `referenced`, as schema resolution sees
/// it: without its logical types, since Avro's (Java) resolution checks only the underlying
/// types, where apache-avro cannot decide on two decimals and compares other logical types'
/// properties too.
pub fn avro_schema(text: &str, referenced: &[String]) -> Result<Schema, String> {
    let underlying = |text: &str| -> Result<String, String> {
        let mut json: serde_json::Value = serde_json::from_str(text).map_err(|e| e.to_string())?;
        drop_logical_types(&mut json);
        Ok(json.to_string())
    };
    let referenced = referenced
        .iter()
        .map(|text| underlying(text))
        .collect::<Result<Vec<_>, _>>()?;
    Schema::parse_str_with_list(&underlying(text)?, &referenced)
        .map(|(schema, _)| schema)
        .map_err(|e| e.to_string())
}

fn drop_logical_types(json: &mut serde_json::Value) {
    match json {
        serde_json::Value::Object(object) => {
            object.shift_remove("logicalType");
            object.values_mut().for_each(drop_logical_types);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(drop_logical_types),
        _ => {}
    }
}

/// Avro's schema resolution as [`CanRead`], on schemas [`avro_schema`] read.
pub fn avro_can_read(writer: &Schema, reader: &Schema) -> Vec<String> {
    SchemaCompatibility::can_read(writer, reader)
        .err()
        .map(|err| err.to_string())
        .into_iter()
        .collect()
}

/// The directions `level` checks: (BACKWARD, FORWARD); none for NONE.
fn directions(level: &str) -> Option<(bool, bool)> {
    match level.trim_end_matches("_TRANSITIVE") {
        "BACKWARD" => Some((true, false)),
        "FORWARD" => Some((false, true)),
        "FULL" => Some((true, true)),
        _ => None,
    }
}

/// The earlier versions (oldest first) `level` checks a new one against: the latest, every one
/// when `_TRANSITIVE`, none for NONE; so that only those are parsed.
pub fn checked<'a, T>(level: &str, earlier: &'a [T]) -> &'a [T] {
    match (directions(level), level.ends_with("_TRANSITIVE")) {
        (None, _) => &[],
        (Some(_), true) => earlier,
        (Some(_), false) => &earlier[earlier.len().saturating_sub(1)..],
    }
}

/// Why `new` may not follow the `checked` versions at `level`, data being read as `can_read`
/// says; empty when it may.
pub fn incompatibilities<S>(level: &str, new: &S, checked: &[S], can_read: CanRead<S>) -> Vec<String> {
    let Some((backward, forward)) = directions(level) else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    for (n, old) in checked.iter().enumerate() {
        if backward {
            for err in can_read(old, new) {
                problems.push(format!(
                    "the new schema cannot read data written with earlier schema {}: {err}",
                    n + 1
                ));
            }
        }
        if forward {
            for err in can_read(new, old) {
                problems.push(format!(
                    "earlier schema {} cannot read data written with the new schema: {err}",
                    n + 1
                ));
            }
        }
    }
    problems
}

#[cfg(test)]
mod tests {
    use super::*;

    fn schema(fields: &str) -> Schema {
        Schema::parse_str(&format!(
            r#"{{"type": "record", "name": "Order", "fields": [{fields}]}}"#
        ))
        .unwrap()
    }

    #[test]
    fn each_level_checks_its_direction() {
        let incompatibilities = |level, new: &Schema, earlier: &[Schema]| {
            incompatibilities(level, new, checked(level, earlier), avro_can_read)
        };
        let v1 = schema(r#"{"name": "id", "type": "long"}"#);
        let with_default =
            schema(r#"{"name": "id", "type": "long"}, {"name": "note", "type": "string", "default": ""}"#);
        let without_default = schema(r#"{"name": "id", "type": "long"}, {"name": "note", "type": "string"}"#);
        let earlier = [v1.clone()];
        assert!(incompatibilities("BACKWARD", &with_default, &earlier).is_empty());
        assert_eq!(incompatibilities("BACKWARD", &without_default, &earlier).len(), 1);
        assert!(incompatibilities("FORWARD", &without_default, &earlier).is_empty());
        assert!(incompatibilities("FULL", &with_default, &earlier).is_empty());
        assert_eq!(incompatibilities("FULL", &without_default, &earlier).len(), 1);
        assert!(incompatibilities("NONE", &schema(r#"{"name": "id", "type": "string"}"#), &earlier).is_empty());
        let decimal = r#"{"name": "price", "type": {"type": "bytes", "logicalType": "decimal", "precision": 10, "scale": 2, "connect.version": 1}}"#;
        let priced = avro_schema(
            &format!(r#"{{"type": "record", "name": "Order", "fields": [{decimal}]}}"#),
            &[],
        )
        .unwrap();
        assert!(
            incompatibilities("FULL", &priced, std::slice::from_ref(&priced)).is_empty(),
            "a decimal reads a decimal (by its underlying bytes)"
        );
        let history = [without_default.clone(), v1];
        assert!(incompatibilities("FORWARD", &without_default, &history).is_empty());
        assert_eq!(
            incompatibilities("BACKWARD_TRANSITIVE", &without_default, &history).len(),
            1
        );
    }
}
