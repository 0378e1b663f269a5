//! A member of the `connect` worker group, over the Kafka protocol (kafka-protocol crate):
//! FindCoordinator, JoinGroup, SyncGroup, Heartbeat and LeaveGroup on one connection to the
//! group's coordinator. librdkafka cannot join a group whose protocol type is not `consumer`.

use std::time::Duration;

use bytes::{Buf, BufMut, Bytes, BytesMut};
use kafka_protocol::messages::find_coordinator_request::FindCoordinatorRequest;
use kafka_protocol::messages::join_group_request::JoinGroupRequestProtocol;
use kafka_protocol::messages::leave_group_request::MemberIdentity;
use kafka_protocol::messages::sync_group_request::SyncGroupRequestAssignment;
use kafka_protocol::messages::{
    FindCoordinatorResponse, GroupId, HeartbeatRequest, HeartbeatResponse, JoinGroupRequest, JoinGroupResponse,
    LeaveGroupRequest, LeaveGroupResponse, RequestHeader, ResponseHeader, SyncGroupRequest, SyncGroupResponse,
};
use kafka_protocol::protocol::{Decodable, Encodable, HeaderVersion, Request, StrBytes};
use thiserror::Error;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The group protocol type of Connect workers.
pub const PROTOCOL_TYPE: &str = "connect";

const FIND_COORDINATOR_VERSION: i16 = 2;
const JOIN_GROUP_VERSION: i16 = 5;
const SYNC_GROUP_VERSION: i16 = 3;
const HEARTBEAT_VERSION: i16 = 3;
const LEAVE_GROUP_VERSION: i16 = 3;

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
    /// No answer in time to the request with this API key.
    #[error("broker did not answer request (API key {0}) in time")]
    Timeout(i16),
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

/// One connection to a broker, speaking request/response.
pub struct Connection {
    stream: TcpStream,
    client_id: String,
    correlation: i32,
}

impl Connection {
    /// Connects to `address` (`host:port`).
    pub async fn open(address: &str, client_id: &str) -> Result<Self, GroupError> {
        let stream = tokio::time::timeout(Duration::from_secs(10), TcpStream::connect(address))
            .await
            .map_err(|_| GroupError::Io(std::io::ErrorKind::TimedOut.into()))??;
        stream.set_nodelay(true)?;
        Ok(Self {
            stream,
            client_id: client_id.to_string(),
            correlation: 0,
        })
    }

    /// Sends `request` at `version` and waits at most `timeout` for its response.
    pub async fn call<R: Request>(
        &mut self,
        request: &R,
        version: i16,
        timeout: Duration,
    ) -> Result<R::Response, GroupError> {
        tokio::time::timeout(timeout, self.exchange(request, version))
            .await
            .map_err(|_| GroupError::Timeout(R::KEY))?
    }

    async fn exchange<R: Request>(&mut self, request: &R, version: i16) -> Result<R::Response, GroupError> {
        self.correlation = self.correlation.wrapping_add(1);
        let header = RequestHeader::default()
            .with_request_api_key(R::KEY)
            .with_request_api_version(version)
            .with_correlation_id(self.correlation)
            .with_client_id(Some(StrBytes::from_string(self.client_id.clone())));
        let mut body = BytesMut::new();
        header
            .encode(&mut body, R::header_version(version))
            .and_then(|()| request.encode(&mut body, version))
            .map_err(|err| GroupError::Protocol(err.to_string()))?;
        let mut frame = BytesMut::with_capacity(body.len() + 4);
        frame.put_i32(body.len() as i32);
        frame.extend_from_slice(&body);
        self.stream.write_all(&frame).await?;
        let length = self.stream.read_i32().await?;
        let mut response = vec![0; length.max(0) as usize];
        self.stream.read_exact(&mut response).await?;
        let mut response = Bytes::from(response);
        let header = ResponseHeader::decode(&mut response, R::Response::header_version(version))
            .map_err(|err| GroupError::Protocol(err.to_string()))?;
        if header.correlation_id != self.correlation {
            return Err(GroupError::Protocol("response out of order".into()));
        }
        let decoded =
            R::Response::decode(&mut response, version).map_err(|err| GroupError::Protocol(err.to_string()))?;
        if response.has_remaining() {
            tracing::trace!(left = response.remaining(), "response bytes left unread");
        }
        Ok(decoded)
    }
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
    client_id: String,
    group_id: String,
    timings: GroupTimings,
    /// This member's id, empty before the first join.
    pub member_id: String,
    /// The generation of the last join.
    pub generation: i32,
    /// The subprotocol of the last join.
    pub protocol: String,
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
    /// Finds the coordinator of `group` through any of `bootstrap` (comma-separated) and connects.
    pub async fn connect(
        bootstrap: &str,
        group: &str,
        client_id: &str,
        timings: GroupTimings,
    ) -> Result<Self, GroupError> {
        let mut last = GroupError::Protocol("no bootstrap server".into());
        for server in bootstrap.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let address = server.rsplit("://").next().unwrap_or(server);
            match Self::find_coordinator(address, group, client_id).await {
                Ok(coordinator) => {
                    let connection = Connection::open(&coordinator, client_id).await?;
                    return Ok(Self {
                        connection,
                        coordinator,
                        client_id: client_id.to_string(),
                        group_id: group.to_string(),
                        timings,
                        member_id: String::new(),
                        generation: -1,
                        protocol: String::new(),
                    });
                }
                Err(err) => last = err,
            }
        }
        Err(last)
    }

    async fn find_coordinator(address: &str, group: &str, client_id: &str) -> Result<String, GroupError> {
        let mut connection = Connection::open(address, client_id).await?;
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
                .with_protocol_type(StrBytes::from_static_str(PROTOCOL_TYPE))
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
        Ok(response.assignment)
    }

    /// Heartbeats for the current generation, on a connection of their own so that they go on
    /// while this member stops and starts work.
    pub fn heartbeats(&self) -> Heartbeats {
        Heartbeats {
            coordinator: self.coordinator.clone(),
            client_id: self.client_id.clone(),
            group_id: self.group_id.clone(),
            member_id: self.member_id.clone(),
            generation: self.generation,
            timings: self.timings,
        }
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
    client_id: String,
    group_id: String,
    member_id: String,
    generation: i32,
    timings: GroupTimings,
}

impl Heartbeats {
    /// Heartbeats every `heartbeat.interval.ms` until one fails; returns why (an error code asking
    /// for a rejoin, or a broken connection).
    pub async fn run(self) -> GroupError {
        let mut connection = match Connection::open(&self.coordinator, &self.client_id).await {
            Ok(connection) => connection,
            Err(err) => return err,
        };
        let mut ticks = tokio::time::interval(self.timings.heartbeat);
        loop {
            ticks.tick().await;
            let request = HeartbeatRequest::default()
                .with_group_id(group_id(&self.group_id))
                .with_generation_id(self.generation)
                .with_member_id(StrBytes::from_string(self.member_id.clone()));
            let response: Result<HeartbeatResponse, GroupError> =
                connection.call(&request, HEARTBEAT_VERSION, self.timings.session).await;
            match response.and_then(|r| check("Heartbeat", r.error_code)) {
                Ok(()) => {}
                Err(err) => return err,
            }
        }
    }
}
