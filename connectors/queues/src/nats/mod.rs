//! NATS and JetStream: kconnect's own source and sink (no Kafka Connect connector for NATS is in
//! common use to take class names and keys from).

mod client;
mod config;
mod sink;
mod source;

use kconnect_api::PluginTable;

use crate::queue_sink::QueueSinkConnector;
use crate::queue_source::QueueSourceConnector;

/// The NATS source and sink.
pub fn plugins() -> PluginTable {
    PluginTable::new()
        .source_connector("io.kconnect.connect.nats.NatsSourceConnector", || {
            Box::new(QueueSourceConnector::<source::NatsSource>::default())
        })
        .sink_connector("io.kconnect.connect.nats.NatsSinkConnector", || {
            Box::new(QueueSinkConnector::<sink::NatsSink>::default())
        })
}
