//! `hstore` values as Debezium carries them (`hstore.handling.mode`): a JSON object string
//! (`io.debezium.data.Json`) or a map. Debezium reads them into a Java `HashMap` and writes them
//! in its iteration order, so the pairs are put in that order here too.

use kconnect_api::{ConnectError, Result};

/// The `key => value` pairs of an hstore's text output (`"a"=>"1", "b"=>NULL`), NULL values as
/// `None`, in the order a Java `HashMap` of them iterates.
pub fn parse(text: &str) -> Result<Vec<(String, Option<String>)>> {
    let bad = || ConnectError::data(format!("cannot read {text:?} as an hstore"));
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    loop {
        while chars.next_if(|c| c.is_whitespace() || *c == ',').is_some() {}
        if chars.peek().is_none() {
            break;
        }
        let key = quoted(&mut chars).ok_or_else(bad)?;
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        if chars.next() != Some('=') || chars.next() != Some('>') {
            return Err(bad());
        }
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
        let value = if chars.peek() == Some(&'"') {
            Some(quoted(&mut chars).ok_or_else(bad)?)
        } else {
            let word: String = std::iter::from_fn(|| chars.next_if(|c| !c.is_whitespace() && *c != ',')).collect();
            if !word.eq_ignore_ascii_case("NULL") {
                return Err(bad());
            }
            None
        };
        pairs.push((key, value));
    }
    Ok(java_hash_map_order(pairs))
}

/// A double-quoted string with backslash escapes.
fn quoted(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Option<String> {
    if chars.next()? != '"' {
        return None;
    }
    let mut text = String::new();
    loop {
        match chars.next()? {
            '\\' => text.push(chars.next()?),
            '"' => return Some(text),
            c => text.push(c),
        }
    }
}

/// Java's `String.hashCode`, spread as `HashMap` spreads it.
fn java_hash(text: &str) -> u32 {
    let hash = text
        .encode_utf16()
        .fold(0i32, |h, unit| h.wrapping_mul(31).wrapping_add(i32::from(unit))) as u32;
    hash ^ (hash >> 16)
}

/// `pairs` in the order a `java.util.HashMap` they were put into, in order, iterates: by bucket
/// of the final table (16 slots, doubled while more than three quarters full), then in the
/// order they were put.
fn java_hash_map_order(pairs: Vec<(String, Option<String>)>) -> Vec<(String, Option<String>)> {
    let mut slots = 16usize;
    while pairs.len() * 4 > slots * 3 {
        slots *= 2;
    }
    let mut ordered: Vec<(usize, (String, Option<String>))> = pairs
        .into_iter()
        .map(|pair| ((java_hash(&pair.0) as usize) & (slots - 1), pair))
        .collect();
    ordered.sort_by_key(|(bucket, _)| *bucket);
    ordered.into_iter().map(|(_, pair)| pair).collect()
}

/// The pairs as the JSON object Debezium writes.
pub fn to_json(pairs: &[(String, Option<String>)]) -> String {
    let quote = |text: &str| serde_json::to_string(text).expect("strings serialise");
    let fields: Vec<String> = pairs
        .iter()
        .map(|(key, value)| format!("{}:{}", quote(key), value.as_deref().map_or("null".to_string(), quote)))
        .collect();
    format!("{{{}}}", fields.join(","))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_read_in_java_hash_map_order() {
        // Java's buckets of 16: "a" 1, "b" 2, "key two" 6.
        let pairs = parse(r#""b"=>NULL, "key two"=>"x\"y", "a"=>"1""#).unwrap();
        let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["a", "b", "key two"]);
        assert_eq!(to_json(&pairs), r#"{"a":"1","b":null,"key two":"x\"y"}"#);
        assert_eq!(parse("").unwrap(), vec![]);
        assert!(parse(r#""a"=>"#).is_err());
    }
}
