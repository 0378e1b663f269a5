//! ActiveMQ (Classic and Artemis) over STOMP 1.2: Confluent's ActiveMQ source and sink connectors,
//! under their class names. STOMP because every ActiveMQ serves it (Debian's ActiveMQ has no AMQP
//! transport) and no Rust OpenWire client exists.

mod client;
mod config;
mod frame;
mod record;
mod sink;
mod source;

use kconnect_api::PluginTable;

use crate::queue_sink::QueueSinkConnector;
use crate::queue_source::QueueSourceConnector;

/// The ActiveMQ source, and the sink under its class name and the one the issue tracker knows.
pub fn plugins() -> PluginTable {
    let sink =
        || -> Box<dyn kconnect_api::SinkConnector> { Box::new(QueueSinkConnector::<sink::ActiveMqSink>::default()) };
    PluginTable::new()
        .source_connector("io.confluent.connect.activemq.ActiveMQSourceConnector", || {
            Box::new(QueueSourceConnector::<source::ActiveMqSource>::default())
        })
        .sink_connector("io.confluent.connect.jms.ActiveMqSinkConnector", sink)
        .sink_connector("io.confluent.connect.activemq.ActiveMQSinkConnector", sink)
}
