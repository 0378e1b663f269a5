//! MirrorMaker 2's connectors, compatible with Apache Kafka's: `MirrorSourceConnector` copies
//! topics from a source cluster to the worker's (target) cluster byte for byte — keys, values,
//! headers, timestamps and partitions — creating the remote topics and finding new ones, and
//! records where each record landed in the offset-syncs topic; `MirrorCheckpointConnector`
//! translates consumer groups' offsets to the target (checkpoints, and committed offsets for
//! failover); `MirrorHeartbeatConnector` writes heartbeats. Their keys, offsets and internal topics are Apache's, so a flow moves between
//! Apache's MirrorMaker and kconnect with its position.
//!
//! The connectors reach the clusters through the runtime's Kafka clients
//! ([`kconnect_api::KafkaClients`]): this crate has no Kafka client of its own.

mod checkpoint;
mod checkpoint_task;
mod checkpoints;
mod config;
mod filters;
pub mod formats;
mod heartbeat;
mod offset_sync_store;
mod offset_syncs;
mod offsets;
mod refresher;
pub mod replication_policy;
mod source;
mod source_task;
mod topics;

pub use checkpoint::MirrorCheckpointConnector;
pub use checkpoint_task::MirrorCheckpointTask;
pub use config::is_client_key;
pub use heartbeat::{MirrorHeartbeatConnector, MirrorHeartbeatTask};
pub use source::MirrorSourceConnector;
pub use source_task::MirrorSourceTask;

/// Apache's class of the source connector.
pub const SOURCE_CONNECTOR: &str = "org.apache.kafka.connect.mirror.MirrorSourceConnector";
/// Apache's class of the checkpoint connector.
pub const CHECKPOINT_CONNECTOR: &str = "org.apache.kafka.connect.mirror.MirrorCheckpointConnector";
/// Apache's class of the heartbeat connector.
pub const HEARTBEAT_CONNECTOR: &str = "org.apache.kafka.connect.mirror.MirrorHeartbeatConnector";
/// Every mirror connector's class, in the order MirrorMaker starts them.
pub const CONNECTOR_CLASSES: [&str; 3] = [SOURCE_CONNECTOR, CHECKPOINT_CONNECTOR, HEARTBEAT_CONNECTOR];

/// The mirror connectors, under Apache's class names.
pub fn plugins() -> kconnect_api::PluginTable {
    kconnect_api::PluginTable::new()
        .source_connector(SOURCE_CONNECTOR, || Box::new(MirrorSourceConnector::default()))
        .source_connector(CHECKPOINT_CONNECTOR, || Box::new(MirrorCheckpointConnector::default()))
        .source_connector(HEARTBEAT_CONNECTOR, || Box::new(MirrorHeartbeatConnector::default()))
}
