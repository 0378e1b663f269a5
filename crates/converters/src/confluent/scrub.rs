//! `scrub.invalid.names`: a Connect name made a valid Avro or Protobuf name as Confluent's
//! converters make it. The name is URL-encoded (as Java's `URLEncoder`: letters, digits and
//! `.-*_` kept, a space `+`, any other byte `%XX`), given an `x` in front when it does not start
//! with a letter (or, for Avro, an underscore), and every character but letters, digits and `_`
//! becomes `_`.

use kconnect_api::config::{ConfigKey, ConfigType, ConfigValue, Importance};

/// The key that turns scrubbing on.
pub(crate) const SCRUB: &str = "scrub.invalid.names";

/// `scrub.invalid.names`, false by default, as the Avro and Protobuf formats define it.
pub(crate) fn scrub_key() -> ConfigKey {
    ConfigKey::new(SCRUB, ConfigType::Boolean)
        .default_value(ConfigValue::Boolean(false))
        .importance(Importance::Medium)
        .doc("Make names the format cannot hold valid (URL-encoded, then every other character an underscore) instead of refusing them.")
}

/// `name` scrubbed; `underscore_starts` when a name may start with `_` (Avro, not Protobuf).
pub(crate) fn scrub(name: &str, underscore_starts: bool) -> String {
    let mut encoded = String::with_capacity(name.len());
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'.' | b'-' | b'*' | b'_' => encoded.push(byte as char),
            b' ' => encoded.push('+'),
            other => encoded.push_str(&format!("%{other:02X}")),
        }
    }
    let starts_well = encoded
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || (underscore_starts && c == '_'));
    if !starts_well {
        encoded.insert(0, 'x');
    }
    encoded
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || c == '_' { c } else { '_' })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::scrub;

    #[test]
    fn names_are_scrubbed_as_confluents_converters_scrub_them() {
        assert_eq!(scrub("order-id", true), "order_id");
        assert_eq!(scrub("1st col", true), "x1st_col");
        assert_eq!(scrub("été", true), "x_C3_A9t_C3_A9");
        assert_eq!(scrub("_hidden", true), "_hidden");
        assert_eq!(scrub("_hidden", false), "x_hidden");
        assert_eq!(scrub("fine_name", false), "fine_name");
    }
}
