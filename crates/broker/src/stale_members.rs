//! Forgets the consumer group members an earlier run of the broker stored.
//!
//! Every member was connected to that earlier process, so none of them is alive. Tansu 0.6 would
//! keep them until their session timed out, hand partitions to them in the meantime (its group
//! leader is told of every stored member), and drop them later without starting a new
//! rebalance, leaving their partitions unread (a restarted sink task's consumer was seen assigned
//! nothing, forever). Live clients that reconnect are told their member id is unknown and join
//! again, as they would after a real broker lost its group state. Committed offsets are kept.

use tansu_storage::{GroupDetail, GroupState, Storage, StorageContainer, UpdateError};

use crate::BrokerError;

/// How many times a group's stored state is read again when it changed under the reset.
const ATTEMPTS: usize = 3;

/// Empties the membership of every group in `storage`; returns how many groups it reset.
pub(crate) async fn forget_group_members(storage: &StorageContainer) -> Result<usize, BrokerError> {
    let failed = |what: &str, error: String| BrokerError::Tansu(format!("resetting groups, {what}: {error}"));
    let groups = storage
        .list_groups(None)
        .await
        .map_err(|e| failed("listing", format!("{e:?}")))?;
    for group in &groups {
        let mut version = None;
        let mut detail = without_members(GroupDetail::default());
        for attempt in 1..=ATTEMPTS {
            match storage.update_group(&group.group_id, detail.clone(), version).await {
                Ok(_) => break,
                Err(UpdateError::Outdated {
                    current,
                    version: stored,
                }) if attempt < ATTEMPTS => {
                    detail = without_members(*current);
                    version = Some(stored);
                }
                Err(error) => return Err(failed(&group.group_id, format!("{error:?}"))),
            }
        }
    }
    Ok(groups.len())
}

/// `detail` with no members, no leader and no assignments, waiting for its first member to join
/// (which also picks the protocol again); the generation goes on from where it was.
fn without_members(detail: GroupDetail) -> GroupDetail {
    GroupDetail {
        members: Default::default(),
        state: GroupState::Forming {
            protocol_type: None,
            protocol_name: None,
            leader: None,
        },
        ..detail
    }
}
