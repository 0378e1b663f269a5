//! Distributed mode: workers sharing connectors and tasks through Kafka.
//!
//! The workers form a group with protocol type `connect` ([`group`], [`protocol`]); its leader runs
//! the incremental cooperative [`assignor`]. Connector configs, source offsets and statuses live in
//! Kafka topics in Apache Kafka Connect's formats ([`config_records`], [`offset_store`],
//! [`status_log`]), so a cluster can take over from Apache's.

pub mod assignor;
mod cluster;
pub mod config;
pub mod config_records;
pub mod connection;
pub mod connector_offsets;
mod fencing;
pub mod group;
pub mod group_security;
mod herder;
pub mod kafka_log;
mod latest_by_key;
mod leader;
pub mod leader_writer;
mod membership;
pub mod offset_store;
pub mod protocol;
pub mod scram;
pub mod signing;
pub mod status_log;
mod wire;
mod work;

pub use config::DistributedConfig;
pub use herder::DistributedHerder;
pub use wire::WireError;
