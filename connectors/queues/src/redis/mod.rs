//! Redis: Redis Inc.'s stream source and sink connectors, under their class names.

mod client;
mod commands;
mod config;
mod sink;
mod source;
mod stream_reply;

use kconnect_api::PluginTable;

use crate::queue_sink::QueueSinkConnector;
use crate::queue_source::QueueSourceConnector;

/// The Redis stream source (under its class name and the one older releases gave it) and sink.
pub fn plugins() -> PluginTable {
    let source = || -> Box<dyn kconnect_api::SourceConnector> {
        Box::new(QueueSourceConnector::<source::RedisSource>::default())
    };
    PluginTable::new()
        .source_connector("com.redis.kafka.connect.RedisStreamSourceConnector", source)
        .source_connector("com.redis.kafka.connect.RedisSourceConnector", source)
        .sink_connector("com.redis.kafka.connect.RedisSinkConnector", || {
            Box::new(QueueSinkConnector::<sink::RedisSink>::default())
        })
}
