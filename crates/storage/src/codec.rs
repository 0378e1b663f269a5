//! The byte encoding of offset keys and values, as Apache's `OffsetUtils` and schemaless
//! JsonConverter write them.

use kconnect_api::OffsetMap;

/// The key bytes of `partition` of `connector`: `["<connector>",{…}]`, compact, in the partition
/// map's order.
pub fn offset_key(connector: &str, partition: &OffsetMap) -> Vec<u8> {
    let key = serde_json::Value::Array(vec![connector.into(), serde_json::Value::Object(partition.clone())]);
    serde_json::to_vec(&key).expect("JSON maps of strings serialise")
}

/// The value bytes of an offset map.
pub fn offset_value(offset: &OffsetMap) -> Vec<u8> {
    serde_json::to_vec(offset).expect("JSON maps of strings serialise")
}

/// Parses stored offset value bytes; `None` when they are not a JSON object.
pub fn decode_offset(bytes: &[u8]) -> Option<OffsetMap> {
    match serde_json::from_slice(bytes).ok()? {
        serde_json::Value::Object(map) => Some(map),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_match_apache_bytes() {
        let mut partition = OffsetMap::new();
        partition.insert("filename".into(), "/tmp/test.txt".into());
        assert_eq!(
            offset_key("local-file-source", &partition),
            br#"["local-file-source",{"filename":"/tmp/test.txt"}]"#
        );
        let mut offset = OffsetMap::new();
        offset.insert("position".into(), 1234.into());
        assert_eq!(offset_value(&offset), br#"{"position":1234}"#);
        assert_eq!(decode_offset(br#"{"position":1234}"#), Some(offset));
    }

    #[test]
    fn key_order_is_insertion_order() {
        let mut partition = OffsetMap::new();
        partition.insert("z".into(), 1.into());
        partition.insert("a".into(), 2.into());
        assert_eq!(offset_key("c", &partition), br#"["c",{"z":1,"a":2}]"#);
    }
}
