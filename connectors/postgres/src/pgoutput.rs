//! The messages of PostgreSQL's `pgoutput` logical decoding plugin (protocol version 1, text
//! tuples) that carry changes: Relation, Insert, Update, Delete and Truncate. Begin and Commit come
//! decoded from the replication client; other messages (Origin, Type, logical messages) are skipped.

use kconnect_api::{ConnectError, Result};

/// A column of a relation, as its Relation message describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RelationColumn {
    /// The column name.
    pub name: String,
    /// The column's type OID.
    pub type_oid: u32,
    /// The type modifier (precision and scale, length), -1 when none.
    pub type_modifier: i32,
    /// Whether the column is part of the replica identity (the primary key by default).
    pub in_key: bool,
}

/// A table's shape, sent before the first change of it in a session and again after it changed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Relation {
    /// The table's OID.
    pub id: u32,
    /// The schema.
    pub namespace: String,
    /// The table name.
    pub name: String,
    /// `d` default (primary key), `n` nothing, `f` full, `i` index.
    pub replica_identity: u8,
    /// The columns, in table order.
    pub columns: Vec<RelationColumn>,
}

/// One column's value in a tuple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Datum {
    /// SQL NULL.
    Null,
    /// A TOASTed value the change left unchanged: pgoutput does not send it.
    UnchangedToast,
    /// The value in PostgreSQL's text output format.
    Text(String),
}

/// A row's values, in the relation's column order.
pub type Tuple = Vec<Datum>;

/// A change message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A relation's shape.
    Relation(Relation),
    /// A row inserted.
    Insert {
        /// The table's OID.
        relation: u32,
        /// The new row.
        new: Tuple,
    },
    /// A row updated: the old key or the old row (REPLICA IDENTITY FULL) when the server sends it.
    Update {
        /// The table's OID.
        relation: u32,
        /// The old key columns or old row.
        old: Option<Tuple>,
        /// The new row.
        new: Tuple,
    },
    /// A row deleted: its key columns, or the whole row with REPLICA IDENTITY FULL.
    Delete {
        /// The table's OID.
        relation: u32,
        /// The old key columns or old row.
        old: Tuple,
    },
    /// Tables truncated.
    Truncate {
        /// The tables' OIDs.
        relations: Vec<u32>,
    },
    /// Anything else (Origin, Type, a logical message): nothing to emit.
    Other,
}

/// Reads the big-endian fields of one message.
struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, count: usize) -> Result<&'a [u8]> {
        if self.bytes.len() < count {
            return Err(ConnectError::Fatal("a pgoutput message ended early".into()));
        }
        let (taken, rest) = self.bytes.split_at(count);
        self.bytes = rest;
        Ok(taken)
    }

    fn u8(&mut self) -> Result<u8> {
        Ok(self.take(1)?[0])
    }

    fn i16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.take(2)?.try_into().expect("two bytes")))
    }

    fn i32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.take(4)?.try_into().expect("four bytes")))
    }

    fn u32(&mut self) -> Result<u32> {
        Ok(u32::from_be_bytes(self.take(4)?.try_into().expect("four bytes")))
    }

    /// A NUL-terminated string.
    fn string(&mut self) -> Result<String> {
        let end = self
            .bytes
            .iter()
            .position(|b| *b == 0)
            .ok_or_else(|| ConnectError::Fatal("a pgoutput string has no end".into()))?;
        let text = String::from_utf8_lossy(&self.bytes[..end]).into_owned();
        self.bytes = &self.bytes[end + 1..];
        Ok(text)
    }

    fn tuple(&mut self) -> Result<Tuple> {
        let count = self.i16()?;
        (0..count)
            .map(|_| match self.u8()? {
                b'n' => Ok(Datum::Null),
                b'u' => Ok(Datum::UnchangedToast),
                b't' => {
                    let length = self.i32()?.max(0) as usize;
                    Ok(Datum::Text(String::from_utf8_lossy(self.take(length)?).into_owned()))
                }
                other => Err(ConnectError::Fatal(format!(
                    "pgoutput tuple column kind {:?} is not supported (binary mode is off)",
                    other as char
                ))),
            })
            .collect()
    }
}

/// Decodes one pgoutput message.
pub fn decode(bytes: &[u8]) -> Result<Message> {
    let mut reader = Reader { bytes };
    let message = match reader.u8()? {
        b'R' => {
            let id = reader.u32()?;
            let namespace = reader.string()?;
            let name = reader.string()?;
            let replica_identity = reader.u8()?;
            let count = reader.i16()?;
            let columns = (0..count)
                .map(|_| {
                    let flags = reader.u8()?;
                    Ok(RelationColumn {
                        name: reader.string()?,
                        type_oid: reader.u32()?,
                        type_modifier: reader.i32()?,
                        in_key: flags & 1 == 1,
                    })
                })
                .collect::<Result<Vec<_>>>()?;
            Message::Relation(Relation {
                id,
                namespace,
                name,
                replica_identity,
                columns,
            })
        }
        b'I' => {
            let relation = reader.u32()?;
            reader.u8()?; // 'N'
            Message::Insert {
                relation,
                new: reader.tuple()?,
            }
        }
        b'U' => {
            let relation = reader.u32()?;
            let mut kind = reader.u8()?;
            let old = if kind == b'K' || kind == b'O' {
                let old = reader.tuple()?;
                kind = reader.u8()?;
                Some(old)
            } else {
                None
            };
            if kind != b'N' {
                return Err(ConnectError::Fatal("a pgoutput Update has no new tuple".into()));
            }
            Message::Update {
                relation,
                old,
                new: reader.tuple()?,
            }
        }
        b'D' => {
            let relation = reader.u32()?;
            reader.u8()?; // 'K' or 'O'
            Message::Delete {
                relation,
                old: reader.tuple()?,
            }
        }
        b'T' => {
            let count = reader.i32()?;
            reader.u8()?; // options: CASCADE, RESTART IDENTITY
            let relations = (0..count).map(|_| reader.u32()).collect::<Result<Vec<_>>>()?;
            Message::Truncate { relations }
        }
        _ => Message::Other,
    };
    Ok(message)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(value: &str) -> Vec<u8> {
        let mut bytes = vec![b't'];
        bytes.extend((value.len() as i32).to_be_bytes());
        bytes.extend(value.as_bytes());
        bytes
    }

    #[test]
    fn a_relation_and_its_changes_decode() {
        let mut relation = vec![b'R'];
        relation.extend(16385u32.to_be_bytes());
        relation.extend(b"public\0people\0d");
        relation.extend(2i16.to_be_bytes());
        relation.extend([1]);
        relation.extend(b"id\0");
        relation.extend(23u32.to_be_bytes());
        relation.extend((-1i32).to_be_bytes());
        relation.extend([0]);
        relation.extend(b"name\0");
        relation.extend(25u32.to_be_bytes());
        relation.extend((-1i32).to_be_bytes());
        let Message::Relation(decoded) = decode(&relation).unwrap() else {
            panic!("a relation")
        };
        assert_eq!(
            (decoded.namespace.as_str(), decoded.name.as_str()),
            ("public", "people")
        );
        assert!(decoded.columns[0].in_key && !decoded.columns[1].in_key);
        assert_eq!(decoded.columns[1].type_oid, 25);

        let mut update = vec![b'U'];
        update.extend(16385u32.to_be_bytes());
        update.push(b'K');
        update.extend(2i16.to_be_bytes());
        update.extend(text("1"));
        update.push(b'n');
        update.push(b'N');
        update.extend(2i16.to_be_bytes());
        update.extend(text("2"));
        update.push(b'u');
        assert_eq!(
            decode(&update).unwrap(),
            Message::Update {
                relation: 16385,
                old: Some(vec![Datum::Text("1".into()), Datum::Null]),
                new: vec![Datum::Text("2".into()), Datum::UnchangedToast],
            }
        );
        assert!(decode(&[b'U', 0, 0]).is_err(), "a short message is an error");
        assert_eq!(decode(b"Ox").unwrap(), Message::Other);
    }
}
