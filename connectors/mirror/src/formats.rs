//! The records of MirrorMaker 2's own topics, in Apache's binary format (Kafka protocol types:
//! big-endian integers, strings as a 16-bit length and UTF-8 bytes), so that Apache's
//! `MirrorClient` and `RemoteClusterUtils` read what kconnect writes, and the reverse.

use kconnect_api::{ConnectError, Result};

/// The only version of the heartbeat and checkpoint values.
const VERSION: i16 = 0;

/// Writes Kafka protocol types.
#[derive(Default)]
struct Writer(Vec<u8>);

impl Writer {
    fn string(mut self, value: &str) -> Self {
        self.0.extend_from_slice(&(value.len() as i16).to_be_bytes());
        self.0.extend_from_slice(value.as_bytes());
        self
    }

    fn int16(mut self, value: i16) -> Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    fn int32(mut self, value: i32) -> Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }

    fn int64(mut self, value: i64) -> Self {
        self.0.extend_from_slice(&value.to_be_bytes());
        self
    }
}

/// Reads Kafka protocol types.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N]> {
        let (head, rest) = self
            .0
            .split_first_chunk::<N>()
            .ok_or_else(|| ConnectError::data("a MirrorMaker record ends early"))?;
        self.0 = rest;
        Ok(*head)
    }

    fn string(&mut self) -> Result<String> {
        let length = i16::from_be_bytes(self.take()?);
        let length =
            usize::try_from(length).map_err(|_| ConnectError::data("a null string in a MirrorMaker record"))?;
        if self.0.len() < length {
            return Err(ConnectError::data("a MirrorMaker record ends early"));
        }
        let (text, rest) = self.0.split_at(length);
        self.0 = rest;
        String::from_utf8(text.to_vec()).map_err(|e| ConnectError::data(e.to_string()))
    }

    fn int16(&mut self) -> Result<i16> {
        Ok(i16::from_be_bytes(self.take()?))
    }

    fn int32(&mut self) -> Result<i32> {
        Ok(i32::from_be_bytes(self.take()?))
    }

    fn int64(&mut self) -> Result<i64> {
        Ok(i64::from_be_bytes(self.take()?))
    }
}

/// A heartbeat: the source cluster's alias, the target's, and when it was emitted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Heartbeat {
    /// The cluster the heartbeat was emitted for.
    pub source_alias: String,
    /// The cluster it was written to.
    pub target_alias: String,
    /// When it was emitted (milliseconds since the epoch).
    pub timestamp: i64,
}

impl Heartbeat {
    /// The record key.
    pub fn key(&self) -> Vec<u8> {
        Writer::default()
            .string(&self.source_alias)
            .string(&self.target_alias)
            .0
    }

    /// The record value.
    pub fn value(&self) -> Vec<u8> {
        Writer::default().int16(VERSION).int64(self.timestamp).0
    }

    /// A heartbeat read back from its record.
    pub fn read(key: &[u8], value: &[u8]) -> Result<Self> {
        let mut key = Reader(key);
        let mut value = Reader(value);
        value.int16()?;
        Ok(Self {
            source_alias: key.string()?,
            target_alias: key.string()?,
            timestamp: value.int64()?,
        })
    }
}

/// Where a replicated record landed: upstream offset `upstream` of a source partition is offset
/// `downstream` of its copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OffsetSync {
    /// The source topic.
    pub topic: String,
    /// The source partition.
    pub partition: i32,
    /// The record's offset in the source partition.
    pub upstream: i64,
    /// Its copy's offset in the target partition.
    pub downstream: i64,
}

impl OffsetSync {
    /// The record key.
    pub fn key(&self) -> Vec<u8> {
        Writer::default().string(&self.topic).int32(self.partition).0
    }

    /// The record value (no version, as Apache's).
    pub fn value(&self) -> Vec<u8> {
        Writer::default().int64(self.upstream).int64(self.downstream).0
    }

    /// An offset sync read back from its record.
    pub fn read(key: &[u8], value: &[u8]) -> Result<Self> {
        let mut key = Reader(key);
        let mut value = Reader(value);
        Ok(Self {
            topic: key.string()?,
            partition: key.int32()?,
            upstream: value.int64()?,
            downstream: value.int64()?,
        })
    }
}

/// A consumer group's position translated to the target cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The consumer group.
    pub group: String,
    /// The topic on the target cluster.
    pub topic: String,
    /// The partition.
    pub partition: i32,
    /// The group's committed offset on the source cluster.
    pub upstream: i64,
    /// The same position on the target cluster.
    pub downstream: i64,
    /// The metadata the group committed with its offset.
    pub metadata: String,
}

impl Checkpoint {
    /// The record key.
    pub fn key(&self) -> Vec<u8> {
        Writer::default()
            .string(&self.group)
            .string(&self.topic)
            .int32(self.partition)
            .0
    }

    /// The record value.
    pub fn value(&self) -> Vec<u8> {
        Writer::default()
            .int16(VERSION)
            .int64(self.upstream)
            .int64(self.downstream)
            .string(&self.metadata)
            .0
    }

    /// A checkpoint read back from its record.
    pub fn read(key: &[u8], value: &[u8]) -> Result<Self> {
        let mut key = Reader(key);
        let mut value = Reader(value);
        value.int16()?;
        Ok(Self {
            group: key.string()?,
            topic: key.string()?,
            partition: key.int32()?,
            upstream: value.int64()?,
            downstream: value.int64()?,
            metadata: value.string()?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heartbeat_is_two_strings_then_a_version_and_a_timestamp() {
        let heartbeat = Heartbeat {
            source_alias: "A".into(),
            target_alias: "BC".into(),
            timestamp: 258,
        };
        assert_eq!(heartbeat.key(), [0, 1, b'A', 0, 2, b'B', b'C']);
        assert_eq!(heartbeat.value(), [0, 0, 0, 0, 0, 0, 0, 0, 1, 2]);
        assert_eq!(
            Heartbeat::read(&heartbeat.key(), &heartbeat.value()).unwrap(),
            heartbeat
        );
    }

    #[test]
    fn an_offset_sync_has_no_version() {
        let sync = OffsetSync {
            topic: "t".into(),
            partition: 3,
            upstream: 1,
            downstream: -1,
        };
        assert_eq!(sync.key(), [0, 1, b't', 0, 0, 0, 3]);
        assert_eq!(sync.value().len(), 16);
        assert_eq!(&sync.value()[8..], [255; 8]);
        assert_eq!(OffsetSync::read(&sync.key(), &sync.value()).unwrap(), sync);
    }

    #[test]
    fn a_checkpoint_round_trips_and_a_short_record_is_a_data_error() {
        let checkpoint = Checkpoint {
            group: "g".into(),
            topic: "A.t".into(),
            partition: 0,
            upstream: 10,
            downstream: 7,
            metadata: String::new(),
        };
        let (key, value) = (checkpoint.key(), checkpoint.value());
        assert_eq!(value.len(), 2 + 8 + 8 + 2);
        assert_eq!(Checkpoint::read(&key, &value).unwrap(), checkpoint);
        assert!(matches!(
            Checkpoint::read(&key, &value[..5]),
            Err(ConnectError::Data(_))
        ));
    }
}
