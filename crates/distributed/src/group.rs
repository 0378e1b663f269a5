//! A member of a group such as the `connect` worker group (or schema registries' `sr` group),
//! over the Kafka protocol (kafka-protocol crate): FindCoordinator, JoinGroup, SyncGroup,
//! Heartbeat and LeaveGroup on one connection to the group's coordinator (see
//! [`crate::connection`] for TLS and SASL). librdkafka cannot join a group whose protocol type is
//! not `consumer`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bytes::Bytes;
use kafka_protocol::messages::find_coordinator_request::FindCoordinatorRequest;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    DescribeGroupsRequest, DescribeGroupsResponse, FindCoordinatorResponse, GroupId, HeartbeatRequest,
    HeartbeatResponse, JoinGroupRequest, JoinGroupResponse, LeaveGroupRequest, LeaveGroupResponse, SyncGroupRequest,
    SyncGroupResponse,
};
use kafka_protocol::protocol::StrBytes;
use thiserror::Error;

use crate::connection::{Connection, Dialer};

/// The group protocol type of Connect workers.
pub const PROTOCOL_TYPE: &str = "connect";

const FIND_COORDINATOR_VERSION: i16 = 2;
const JOIN_GROUP_VERSION: i16 = 5;
const SYNC_GROUP_VERSION: i16 = 3;
const HEARTBEAT_VERSION: i16 = 3;
const LEAVE_GROUP_VERSION: i16 = 3;
const DESCRIBE_GROUPS_VERSION: i16 = 1;

/// Kafka error codes the membership loop acts on.
pub mod codes {
    /// No error.
    pub const NONE: i16 = 0;
    /// The member id is not known to the coordinator: join again without it.
    pub const UNKNOWN_MEMBER_ID: i16 = 25;
    /// The generation moved on: join again.
    pub const ILLEGAL_GENERATION: i16 = 22;
    /// A rebalance is under way: join again.
    pub const REBALANCE_IN_PROGRESS: i16 = 27;
    /// The coordinator asks the new member to join again with the id it was given.
    pub const MEMBER_ID_REQUIRED: i16 = 79;
    /// The coordinator is loading or moved.
    pub const COORDINATOR_NOT_AVAILABLE: i16 = 15;
    /// This broker is not the coordinator.
    pub const NOT_COORDINATOR: i16 = 16;
}

/// A failure talking to the coordinator.
#[derive(Debug, Error)]
pub enum GroupError {
    /// The connection failed.
    #[error("group coordinator connection: {0}")]
    Io(#[from] std::io::Error),
    /// A message could not be encoded or decoded.
    #[error("group protocol: {0}")]
    Protocol(String),
    /// The coordinator answered with an error code.
    #[error("group coordinator answered error {code} to {request}")]
    Coordinator {
        /// The request.
        request: &'static str,
        /// Kafka's error code.
        code: i16,
    },
    /// SASL authentication was refused or failed.
    #[error("group coordinator connection: {0}")]
    Authentication(String),
    /// No answer in time to the request with this API key.
    #[error("broker did not answer request (API key {0}) in time")]
    Timeout(i16),
}

/// When the coordinator last confirmed this worker's membership (a join, a sync or a heartbeat it
/// accepted), shared by the member, its heartbeats and the membership loop across reconnects.
#[derive(Debug, Clone)]
pub struct LastContact(Arc<Mutex<Instant>>);

impl Default for LastContact {
    fn default() -> Self {
        Self(Arc::new(Mutex::new(Instant::now())))
    }
}

impl LastContact {
    /// The coordinator confirmed the membership just now.
    pub fn touch(&self) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Instant::now();
    }

    /// How long ago the coordinator last confirmed the membership.
    pub fn elapsed(&self) -> Duration {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).elapsed()
    }
}

/// What JoinGroup returned.
#[derive(Debug, Clone)]
pub struct Joined {
    /// The generation.
    pub generation: i32,
    /// The chosen subprotocol.
    pub protocol: String,
    /// This member's id.
    pub member_id: String,
    /// The leader's member id.
    pub leader: String,
    /// Every member with its metadata (only for the leader).
    pub members: Vec<(String, Bytes)>,
}

/// Group timings from the worker config.
#[derive(Debug, Clone, Copy)]
pub struct GroupTimings {
    /// `session.timeout.ms`.
    pub session: Duration,
    /// `rebalance.timeout.ms`.
    pub rebalance: Duration,
    /// `heartbeat.interval.ms`.
    pub heartbeat: Duration,
}

/// This worker's membership of the group, on a connection to its coordinator.
pub struct GroupMember {
    connection: Connection,
    coordinator: String,
    dialer: Dialer,
    group_id: String,
    protocol_type: &'static str,
    timings: GroupTimings,
    /// This member's id, empty before the first join.
    pub member_id: String,
    /// The generation of the last join.
    pub generation: i32,
    /// The subprotocol of the last join.
    pub protocol: String,
    /// When the coordinator last confirmed the membership.
    pub contact: LastContact,
}

fn group_id(id: &str) -> GroupId {
    GroupId(StrBytes::from_string(id.to_string()))
}

fn check(request: &'static str, code: i16) -> Result<(), GroupError> {
    match code {
        codes::NONE => Ok(()),
        code => Err(GroupError::Coordinator { request, code }),
    }
}

impl GroupMember {
    /// Finds the coordinator of `group` through any of `bootstrap` (comma-separated) and connects
    /// with `dialer`.
    pub async fn connect(
        bootstrap: &str,
        group: &str,
        dialer: Dialer,
        timings: GroupTimings,
    ) -> Result<Self, GroupError> {
        let mut last = GroupError::Protocol("no bootstrap server".into());
        for server in bootstrap.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let address = server.rsplit("://").next().unwrap_or(server);
            match Self::find_coordinator(&dialer, address, group).await {
                Ok(coordinator) => {
                    let connection = dialer.open(&coordinator).await?;
                    return Ok(Self {
                        connection,
                        coordinator,
                        dialer,
                        group_id: group.to_string(),
                        protocol_type: PROTOCOL_TYPE,
                        timings,
                        member_id: String::new(),
                        generation: -1,
                        protocol: String::new(),
                        contact: LastContact::default(),
                    });
                }
                Err(err) => last = err,
            }
        }
        Err(last)
    }

    /// The member of a group of another protocol type than Connect's (`sr` for schema
    /// registries).
    pub fn with_protocol_type(mut self, protocol_type: &'static str) -> Self {
        self.protocol_type = protocol_type;
        self
    }

    async fn find_coordinator(dialer: &Dialer, address: &str, group: &str) -> Result<String, GroupError> {
        let mut connection = dialer.open(address).await?;
        let request = FindCoordinatorRequest::default()
            .with_key(StrBytes::from_string(group.to_string()))
            .with_key_type(0);
        let response: FindCoordinatorResponse = connection
            .call(&request, FIND_COORDINATOR_VERSION, Duration::from_secs(10))
            .await?;
        check("FindCoordinator", response.error_code)?;
        Ok(format!("{}:{}", response.host.as_str(), response.port))
    }

    /// Joins (or rejoins) with `protocols` (name, metadata), retrying MEMBER_ID_REQUIRED once.
    pub async fn join(&mut self, protocols: &[(&str, Vec<u8>)]) -> Result<Joined, GroupError> {
        let protocols: Vec<JoinGroupRequestProtocol> = protocols
            .iter()
            .map(|(name, metadata)| {
                JoinGroupRequestProtocol::default()
                    .with_name(StrBytes::from_string(name.to_string()))
                    .with_metadata(Bytes::from(metadata.clone()))
            })
            .collect();
        let timeout = self.timings.rebalance + Duration::from_secs(5);
        for _ in 0..2 {
            let request = JoinGroupRequest::default()
                .with_group_id(group_id(&self.group_id))
                .with_session_timeout_ms(self.timings.session.as_millis() as i32)
                .with_rebalance_timeout_ms(self.timings.rebalance.as_millis() as i32)
                .with_member_id(StrBytes::from_string(self.member_id.clone()))
                .with_protocol_type(StrBytes::from_static_str(self.protocol_type))
                .with_protocols(protocols.clone());
            let response: JoinGroupResponse = self.connection.call(&request, JOIN_GROUP_VERSION, timeout).await?;
            if response.error_code == codes::MEMBER_ID_REQUIRED {
                self.member_id = response.member_id.to_string();
                continue;
            }
            if response.error_code == codes::UNKNOWN_MEMBER_ID {
                self.member_id.clear();
            }
            check("JoinGroup", response.error_code)?;
            self.member_id = response.member_id.to_string();
            self.generation = response.generation_id;
            self.protocol = response.protocol_name.map(|p| p.to_string()).unwrap_or_default();
            self.contact.touch();
            return Ok(Joined {
                generation: response.generation_id,
                protocol: self.protocol.clone(),
                member_id: self.member_id.clone(),
                leader: response.leader.to_string(),
                members: response
                    .members
                    .into_iter()
                    .map(|m| (m.member_id.to_string(), m.metadata))
                    .collect(),
            });
        }
        Err(GroupError::Coordinator {
            request: "JoinGroup",
            code: codes::MEMBER_ID_REQUIRED,
        })
    }

    /// Sends the leader's `assignments` (empty for followers) and returns this member's.
    pub async fn sync(&mut self, assignments: Vec<(String, Vec<u8>)>) -> Result<Bytes, GroupError> {
        let request = SyncGroupRequest::default()
            .with_group_id(group_id(&self.group_id))
            .with_generation_id(self.generation)
            .with_member_id(StrBytes::from_string(self.member_id.clone()))
            .with_assignments(
                assignments
                    .into_iter()
                    .map(|(member, bytes)| {
                        SyncGroupRequestAssignment::default()
                            .with_member_id(StrBytes::from_string(member))
                            .with_assignment(Bytes::from(bytes))
                    })
                    .collect(),
            );
        let timeout = self.timings.rebalance + Duration::from_secs(5);
        let response: SyncGroupResponse = self.connection.call(&request, SYNC_GROUP_VERSION, timeout).await?;
        check("SyncGroup", response.error_code)?;
        self.contact.touch();
        Ok(response.assignment)
    }

    /// Heartbeats for the current generation, on a connection of their own so that they go on
    /// while this member stops and starts work.
    pub fn heartbeats(&self) -> Heartbeats {
        Heartbeats {
            coordinator: self.coordinator.clone(),
            dialer: self.dialer.clone(),
            group_id: self.group_id.clone(),
            member_id: self.member_id.clone(),
            generation: self.generation,
            timings: self.timings,
            contact: self.contact.clone(),
        }
    }

    /// The ids of the members the coordinator holds for the group now.
    pub async fn members_now(&mut self) -> Result<Vec<String>, GroupError> {
        let request = DescribeGroupsRequest::default().with_groups(vec![group_id(&self.group_id)]);
        let response: DescribeGroupsResponse = self
            .connection
            .call(&request, DESCRIBE_GROUPS_VERSION, Duration::from_secs(5))
            .await?;
        let group = response
            .groups
            .into_iter()
            .next()
            .ok_or_else(|| GroupError::Protocol("DescribeGroups answered no group".into()))?;
        check("DescribeGroups", group.error_code)?;
        Ok(group.members.into_iter().map(|m| m.member_id.to_string()).collect())
    }

    /// Leaves the group so the others rebalance at once.
    pub async fn leave(&mut self) -> Result<(), GroupError> {
        let request = LeaveGroupRequest::default()
            .with_group_id(group_id(&self.group_id))
            .with_members(vec![
                MemberIdentity::default().with_member_id(StrBytes::from_string(self.member_id.clone())),
            ]);
        let response: LeaveGroupResponse = self
            .connection
            .call(&request, LEAVE_GROUP_VERSION, Duration::from_secs(5))
            .await?;
        check("LeaveGroup", response.error_code)
    }
}

/// What heartbeating one generation needs.
pub struct Heartbeats {
    coordinator: String,
    dialer: Dialer,
    group_id: String,
    member_id: String,
    generation: i32,
    timings: GroupTimings,
    contact: LastContact,
}

impl Heartbeats {
    /// Heartbeats every `heartbeat.interval.ms` until one fails; returns why (an error code asking
    /// for a rejoin, or a broken connection).
    pub async fn run(self) -> GroupError {
        let mut connection = match self.dialer.open(&self.coordinator).await {
            Ok(connection) => connection,
            Err(err) => return err,
        };
        let mut ticks = tokio::time::interval(self.timings.heartbeat);
        loop {
            ticks.tick().await;
            if let Err(err) = self.beat(&mut connection).await {
                return err;
            }
        }
    }

    /// Heartbeats every `heartbeat.interval.ms`, whatever the answers, until aborted: it keeps the
    /// member's session alive while it rejoins. Some coordinators (the embedded broker) hold a
    /// follower's JoinGroup for seconds and count only heartbeats as signs of life.
    pub async fn keep_alive(self) {
        if self.member_id.is_empty() {
            return;
        }
        let mut ticks = tokio::time::interval(self.timings.heartbeat);
        let mut connection = None;
        loop {
            ticks.tick().await;
            if connection.is_none() {
                connection = self.dialer.open(&self.coordinator).await.ok();
            }
            let Some(open) = connection.as_mut() else { continue };
            let broken = match self.beat(open).await {
                Err(GroupError::Coordinator { .. }) | Ok(()) => false,
                Err(_) => true,
            };
            if broken {
                connection = None;
            }
        }
    }

    async fn beat(&self, connection: &mut Connection) -> Result<(), GroupError> {
        let request = HeartbeatRequest::default()
            .with_group_id(group_id(&self.group_id))
            .with_generation_id(self.generation)
            .with_member_id(StrBytes::from_string(self.member_id.clone()));
        let response: HeartbeatResponse = connection
            .call(&request, HEARTBEAT_VERSION, self.timings.session)
            .await?;
        // A rebalance under way still counts this worker in.
        if matches!(response.error_code, codes::NONE | codes::REBALANCE_IN_PROGRESS) {
            self.contact.touch();
        }
        check("Heartbeat", response.error_code)
    }
}
