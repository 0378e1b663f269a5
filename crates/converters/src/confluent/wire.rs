//! Confluent's wire format: a zero byte, the schema's registry id in four big-endian bytes, then
//! the record in the schema's format.

use kconnect_api::{ConnectError, Result};

const MAGIC: u8 = 0;
/// The bytes before the record.
pub(crate) const HEADER_LEN: usize = 5;

/// The header of a record written with schema `id`, with room for `payload` more bytes.
pub(crate) fn header(id: i32, payload: usize) -> Vec<u8> {
    let mut bytes = Vec::with_capacity(HEADER_LEN + payload);
    bytes.push(MAGIC);
    bytes.extend_from_slice(&id.to_be_bytes());
    bytes
}

/// The schema id and the record of `bytes` read from `topic`.
pub(crate) fn split<'a>(topic: &str, bytes: &'a [u8]) -> Result<(i32, &'a [u8])> {
    if bytes.len() < HEADER_LEN || bytes[0] != MAGIC {
        return Err(unknown_magic(topic, bytes));
    }
    let id = i32::from_be_bytes([bytes[1], bytes[2], bytes[3], bytes[4]]);
    Ok((id, &bytes[HEADER_LEN..]))
}

/// The error for bytes that do not start with the magic byte, saying what they look like.
fn unknown_magic(topic: &str, bytes: &[u8]) -> ConnectError {
    let looks_like = match bytes.first() {
        Some(b'{' | b'[') => "JSON (written by a JsonConverter?)",
        _ if bytes.starts_with(b"Obj\x01") => "an Avro container file, not a single record",
        _ if std::str::from_utf8(bytes).is_ok() => "text (written by a StringConverter?)",
        _ => "neither JSON nor text",
    };
    ConnectError::data(format!(
        "Unknown magic byte! The {} bytes read from topic {topic} were not written on the Confluent wire format \
         (a zero byte and a schema id first); they look like {looks_like}",
        bytes.len()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_read_back_and_bytes_without_it_say_what_they_look_like() {
        let mut bytes = header(258, 1);
        bytes.push(7);
        assert_eq!(split("t", &bytes).unwrap(), (258, &[7u8][..]));
        let err = split("orders", b"{\"id\": 1}").unwrap_err().to_string();
        assert!(
            err.contains("Unknown magic byte!") && err.contains("JSON") && err.contains("orders"),
            "{err}"
        );
    }
}
