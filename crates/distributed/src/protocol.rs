//! The `connect` group subprotocols, byte for byte as Apache's `ConnectProtocol` and
//! `IncrementalCooperativeConnectProtocol`: member metadata sent with JoinGroup and the assignment
//! the leader hands out with SyncGroup.

use std::collections::BTreeMap;

use crate::wire::{Reader, WireError, Writer};

/// The subprotocols this worker offers, most preferred first (`connect.protocol=sessioned`).
pub const SUBPROTOCOLS: [(&str, i16); 3] = [("sessioned", 2), ("compatible", 1), ("default", 0)];

/// The task id Apache uses for "the connector instance itself".
pub const CONNECTOR_TASK: i32 = -1;

/// Assignment error: none.
pub const NO_ERROR: i16 = 0;
/// Assignment error: the leader's config snapshot is behind a member's; everyone rejoins.
pub const CONFIG_MISMATCH: i16 = 1;

/// Work held or handed out: per connector, the task ids, `-1` being the connector itself.
pub type Work = BTreeMap<String, Vec<i32>>;

/// What a member says about itself when it joins.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberMetadata {
    /// The subprotocol version (0, 1 or 2).
    pub version: i16,
    /// The worker's advertised REST URL.
    pub url: String,
    /// The config topic offset the worker has read up to.
    pub config_offset: i64,
    /// The work it holds now (versions 1 and 2).
    pub allocation: Option<Assignment>,
}

/// What the leader hands a member.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Assignment {
    /// The subprotocol version.
    pub version: i16,
    /// [`NO_ERROR`] or [`CONFIG_MISMATCH`].
    pub error: i16,
    /// The leader's member id.
    pub leader: String,
    /// The leader's REST URL.
    pub leader_url: String,
    /// The config offset the assignment was computed at.
    pub config_offset: i64,
    /// Work to start (incremental in versions 1 and 2).
    pub assigned: Work,
    /// Work to stop.
    pub revoked: Work,
    /// How long until the leader reassigns lost work, in milliseconds.
    pub delay: i32,
}

impl MemberMetadata {
    /// The bytes of this metadata.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Writer::default();
        out.i16(self.version);
        out.string(&self.url);
        out.i64(self.config_offset);
        if self.version >= 1 {
            out.nullable_bytes(self.allocation.as_ref().map(Assignment::encode).as_deref());
        }
        out.into_bytes()
    }

    /// Reads metadata of any version, ignoring trailing fields.
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut input = Reader::new(bytes);
        let version = input.i16()?;
        let url = input.string()?;
        let config_offset = input.i64()?;
        let allocation = if version >= 1 && !input.is_empty() {
            input.nullable_bytes()?.map(Assignment::decode).transpose()?
        } else {
            None
        };
        Ok(Self {
            version,
            url,
            config_offset,
            allocation,
        })
    }
}

impl Assignment {
    /// The bytes of this assignment, in the layout of its version.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Writer::default();
        out.i16(self.version);
        out.i16(self.error);
        out.string(&self.leader);
        out.string(&self.leader_url);
        out.i64(self.config_offset);
        write_work(&mut out, &self.assigned);
        if self.version >= 1 {
            write_work(&mut out, &self.revoked);
            out.i32(self.delay);
        }
        out.into_bytes()
    }

    /// Reads an assignment of any version (V0 with the V1 reader, as Apache does).
    pub fn decode(bytes: &[u8]) -> Result<Self, WireError> {
        let mut input = Reader::new(bytes);
        let mut assignment = Self {
            version: input.i16()?,
            error: input.i16()?,
            leader: input.string()?,
            leader_url: input.string()?,
            config_offset: input.i64()?,
            assigned: read_work(&mut input)?,
            ..Self::default()
        };
        if !input.is_empty() {
            assignment.revoked = read_work(&mut input)?;
        }
        if !input.is_empty() {
            assignment.delay = input.i32()?;
        }
        Ok(assignment)
    }
}

fn write_work(out: &mut Writer, work: &Work) {
    out.i32(work.len() as i32);
    for (connector, tasks) in work {
        out.string(connector);
        out.i32(tasks.len() as i32);
        for task in tasks {
            out.i32(*task);
        }
    }
}

fn read_work(input: &mut Reader) -> Result<Work, WireError> {
    let mut work = Work::new();
    let count = input.i32()?;
    for _ in 0..count.max(0) {
        let connector = input.string()?;
        let tasks = input.i32()?;
        let ids = (0..tasks.max(0)).map(|_| input.i32()).collect::<Result<Vec<_>, _>>()?;
        work.entry(connector).or_default().extend(ids);
    }
    Ok(work)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_v2_bytes_match_apaches_layout() {
        let allocation = Assignment {
            version: 2,
            leader: "l".into(),
            leader_url: "u".into(),
            config_offset: 3,
            assigned: Work::from([("c".to_string(), vec![-1, 0])]),
            ..Assignment::default()
        };
        let metadata = MemberMetadata {
            version: 2,
            url: "http://w:8083/".into(),
            config_offset: 7,
            allocation: Some(allocation.clone()),
        };
        let bytes = metadata.encode();
        let mut expected = vec![0, 2, 0, 14];
        expected.extend(b"http://w:8083/");
        expected.extend(7i64.to_be_bytes());
        let inner = allocation.encode();
        expected.extend((inner.len() as i32).to_be_bytes());
        expected.extend(&inner);
        assert_eq!(bytes, expected);
        assert_eq!(MemberMetadata::decode(&bytes).unwrap(), metadata);
        let mut inner_expected = vec![0, 2, 0, 0, 0, 1, b'l', 0, 1, b'u'];
        inner_expected.extend(3i64.to_be_bytes());
        inner_expected.extend([0, 0, 0, 1, 0, 1, b'c', 0, 0, 0, 2, 255, 255, 255, 255, 0, 0, 0, 0]);
        inner_expected.extend([0, 0, 0, 0, 0, 0, 0, 0]);
        assert_eq!(inner, inner_expected);
    }

    #[test]
    fn null_allocation_and_v0_metadata() {
        let metadata = MemberMetadata {
            version: 1,
            url: "u".into(),
            config_offset: -1,
            allocation: None,
        };
        let bytes = metadata.encode();
        assert_eq!(&bytes[bytes.len() - 4..], &[255, 255, 255, 255]);
        assert_eq!(MemberMetadata::decode(&bytes).unwrap(), metadata);
        let v0 = MemberMetadata { version: 0, ..metadata };
        assert_eq!(v0.encode().len(), 2 + 3 + 8);
        assert_eq!(MemberMetadata::decode(&v0.encode()).unwrap(), v0);
    }

    #[test]
    fn v0_assignment_reads_with_the_v1_reader() {
        let v0 = Assignment {
            version: 0,
            error: CONFIG_MISMATCH,
            leader: "m".into(),
            leader_url: "u".into(),
            config_offset: 9,
            assigned: Work::from([("a".to_string(), vec![0, 1])]),
            ..Assignment::default()
        };
        assert_eq!(Assignment::decode(&v0.encode()).unwrap(), v0);
    }
}
