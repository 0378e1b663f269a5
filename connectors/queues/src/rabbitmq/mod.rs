//! RabbitMQ (AMQP 0-9-1): Confluent's RabbitMQ source and sink connectors, under their class names.

mod client;
mod config;
mod sink;
mod source;

use kconnect_api::PluginTable;

use crate::queue_sink::QueueSinkConnector;
use crate::queue_source::QueueSourceConnector;

/// The RabbitMQ source and sink.
pub fn plugins() -> PluginTable {
    PluginTable::new()
        .source_connector("io.confluent.connect.rabbitmq.RabbitMQSourceConnector", || {
            Box::new(QueueSourceConnector::<source::RabbitMqSource>::default())
        })
        .sink_connector("io.confluent.connect.rabbitmq.sink.RabbitMQSinkConnector", || {
            Box::new(QueueSinkConnector::<sink::RabbitMqSink>::default())
        })
}
