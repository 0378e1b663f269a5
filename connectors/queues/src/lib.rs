//! Message queue connectors: a source and a sink per queue system, each behind its own cargo
//! feature, all of one shape. A source acknowledges a queue message only after Kafka acknowledged
//! its record (through `commit_record`); a sink's `put` returns only after the queue confirmed
//! every publish, so Kafka offsets are committed only for published messages.

// The shared helpers serve some systems each: a build without all of them leaves some unused.
#![cfg_attr(
    not(all(
        feature = "rabbitmq",
        feature = "activemq",
        feature = "mqtt",
        feature = "nats",
        feature = "redis"
    )),
    allow(dead_code)
)]

#[cfg(feature = "activemq")]
mod activemq;
#[cfg(any(feature = "redis", feature = "activemq"))]
mod batched_acks;
mod body;
#[cfg(any(feature = "redis", feature = "nats"))]
mod default_crypto;
mod inbox;
#[cfg(feature = "mqtt")]
mod mqtt;
#[cfg(feature = "nats")]
mod nats;
mod queue_sink;
mod queue_source;
#[cfg(feature = "rabbitmq")]
mod rabbitmq;
#[cfg(feature = "redis")]
mod redis;
mod source_keys;
#[cfg(any(feature = "mqtt", feature = "redis"))]
mod task_numbers;
#[cfg(any(feature = "rabbitmq", feature = "mqtt"))]
mod tls_stores;

/// Every queue connector this build has.
pub fn plugins() -> kconnect_api::PluginTable {
    let table = kconnect_api::PluginTable::new();
    #[cfg(feature = "rabbitmq")]
    let table = table.merge(rabbitmq::plugins());
    #[cfg(feature = "activemq")]
    let table = table.merge(activemq::plugins());
    #[cfg(feature = "mqtt")]
    let table = table.merge(mqtt::plugins());
    #[cfg(feature = "nats")]
    let table = table.merge(nats::plugins());
    #[cfg(feature = "redis")]
    let table = table.merge(redis::plugins());
    table
}
