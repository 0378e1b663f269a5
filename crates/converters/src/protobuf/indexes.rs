//! The message indexes Confluent's Protobuf wire format puts after the schema id: which message
//! of the schema the record is, as the path of indexes from the file's top-level messages down
//! through nested ones, written as a zigzag varint count and zigzag varint indexes, and the
//! common `[0]` (the first top-level message) as a single zero byte.

use kconnect_api::{ConnectError, Result};

fn zigzag(value: i32) -> u32 {
    ((value << 1) ^ (value >> 31)) as u32
}

fn unzigzag(value: u32) -> i32 {
    ((value >> 1) as i32) ^ -((value & 1) as i32)
}

fn write_varint(mut value: u32, out: &mut Vec<u8>) {
    while value >= 0x80 {
        out.push((value as u8 & 0x7f) | 0x80);
        value >>= 7;
    }
    out.push(value as u8);
}

fn read_varint(bytes: &mut &[u8]) -> Result<u32> {
    let mut value = 0u32;
    for shift in (0..35).step_by(7) {
        let (&byte, rest) = bytes
            .split_first()
            .ok_or_else(|| ConnectError::data("ProtobufConverter: the record ends inside its message indexes"))?;
        *bytes = rest;
        value |= u32::from(byte & 0x7f) << shift;
        if byte & 0x80 == 0 {
            return Ok(value);
        }
    }
    Err(ConnectError::data("ProtobufConverter: a message index is not a varint"))
}

/// Appends the indexes of a message to `out`.
pub(crate) fn write(indexes: &[i32], out: &mut Vec<u8>) {
    if indexes == [0] {
        out.push(0);
        return;
    }
    write_varint(zigzag(indexes.len() as i32), out);
    for index in indexes {
        write_varint(zigzag(*index), out);
    }
}

/// The indexes at the start of `bytes`, and the message after them.
pub(crate) fn read(mut bytes: &[u8]) -> Result<(Vec<i32>, &[u8])> {
    let count = unzigzag(read_varint(&mut bytes)?);
    if count == 0 {
        return Ok((vec![0], bytes));
    }
    if count < 0 || count as usize > bytes.len() {
        return Err(ConnectError::data(format!(
            "ProtobufConverter: {count} message indexes"
        )));
    }
    let indexes = (0..count)
        .map(|_| read_varint(&mut bytes).map(unzigzag))
        .collect::<Result<Vec<_>>>()?;
    Ok((indexes, bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_message_is_one_zero_byte_and_other_paths_read_back() {
        let mut out = Vec::new();
        write(&[0], &mut out);
        assert_eq!(out, [0]);
        assert_eq!(read(&[0, 42]).unwrap(), (vec![0], &[42u8][..]));
        for path in [vec![1], vec![0, 2], vec![300, 0, 1]] {
            let mut out = Vec::new();
            write(&path, &mut out);
            out.push(7);
            assert_eq!(read(&out).unwrap(), (path.clone(), &[7u8][..]));
        }
        let mut out = Vec::new();
        write(&[1, 2], &mut out);
        assert_eq!(out, [4, 2, 4], "zigzag varints");
        assert!(read(&[6, 2]).is_err());
    }
}
