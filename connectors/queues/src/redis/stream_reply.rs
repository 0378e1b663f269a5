//! The entries of an XREADGROUP reply, in the order Redis gave them, fields in entry order.

use kconnect_api::{ConnectError, Result};
use redis::Value;

/// One stream entry.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub id: String,
    /// The entry's fields and values; `None` for a pending entry deleted since it was delivered.
    pub fields: Option<Vec<(String, String)>>,
}

/// The entries of one stream's XREADGROUP (or XREAD) reply; none when the read timed out.
pub(crate) fn entries(reply: Value) -> Result<Vec<Entry>> {
    let streams = match reply {
        Value::Nil => return Ok(Vec::new()),
        Value::Array(streams) => streams.into_iter().map(stream_entries).collect::<Result<Vec<_>>>()?,
        Value::Map(streams) => streams.into_iter().map(|(_, entries)| entries).collect(),
        other => return Err(unexpected("a stream read", &other)),
    };
    streams.into_iter().flat_map(array_items).map(entry).collect()
}

/// A `[stream name, entries]` pair's entries.
fn stream_entries(stream: Value) -> Result<Value> {
    match stream {
        Value::Array(mut pair) if pair.len() == 2 => Ok(pair.swap_remove(1)),
        other => Err(unexpected("a stream's entries", &other)),
    }
}

fn array_items(value: Value) -> Vec<Value> {
    match value {
        Value::Array(items) => items,
        _ => Vec::new(),
    }
}

fn entry(value: Value) -> Result<Entry> {
    let Value::Array(mut pair) = value else {
        return Err(unexpected("a stream entry", &value));
    };
    if pair.len() != 2 {
        return Err(ConnectError::Fatal("a stream entry is not [id, fields]".into()));
    }
    let fields = pair.pop().expect("two items");
    let id = text(pair.pop().expect("two items"));
    let fields = match fields {
        Value::Nil => None,
        Value::Array(flat) => {
            let mut pairs = Vec::with_capacity(flat.len() / 2);
            let mut flat = flat.into_iter();
            while let (Some(field), Some(value)) = (flat.next(), flat.next()) {
                pairs.push((text(field), text(value)));
            }
            Some(pairs)
        }
        Value::Map(map) => Some(
            map.into_iter()
                .map(|(field, value)| (text(field), text(value)))
                .collect(),
        ),
        other => return Err(unexpected("an entry's fields", &other)),
    };
    Ok(Entry { id, fields })
}

/// A reply item as text (lossy UTF-8, as the Java connector's UTF-8 codec reads it).
fn text(value: Value) -> String {
    match value {
        Value::BulkString(bytes) => {
            String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
        }
        Value::SimpleString(text) => text,
        Value::Int(number) => number.to_string(),
        _ => String::new(),
    }
}

fn unexpected(what: &str, value: &Value) -> ConnectError {
    ConnectError::Fatal(format!("Redis answered {value:?} where {what} belongs"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bulk(text: &str) -> Value {
        Value::BulkString(text.as_bytes().to_vec())
    }

    #[test]
    fn entries_keep_their_order_and_their_fields_order() {
        let reply = Value::Array(vec![Value::Array(vec![
            bulk("orders"),
            Value::Array(vec![
                Value::Array(vec![
                    bulk("1-0"),
                    Value::Array(vec![bulk("z"), bulk("1"), bulk("a"), bulk("2")]),
                ]),
                Value::Array(vec![bulk("2-0"), Value::Nil]),
            ]),
        ])]);
        let entries = entries(reply).unwrap();
        assert_eq!(
            entries,
            vec![
                Entry {
                    id: "1-0".into(),
                    fields: Some(vec![("z".into(), "1".into()), ("a".into(), "2".into())]),
                },
                Entry {
                    id: "2-0".into(),
                    fields: None,
                },
            ]
        );
        assert!(super::entries(Value::Nil).unwrap().is_empty(), "a timed-out read");
    }
}
