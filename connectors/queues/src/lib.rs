//! Message queue connectors: a source and a sink per queue system, each behind its own cargo
//! feature, all of one shape. A source acknowledges a queue message only after Kafka acknowledged
//! its record (through `commit_record`); a sink's `put` returns only after the queue confirmed
//! every publish, so Kafka offsets are committed only for published messages.

mod body;
mod inbox;
#[cfg(feature = "mqtt")]
mod mqtt;
#[cfg(feature = "nats")]
mod nats;
mod queue_sink;
mod queue_source;
#[cfg(feature = "rabbitmq")]
mod rabbitmq;
mod source_keys;

/// Every queue connector this build has.
pub fn plugins() -> kconnect_api::PluginTable {
    let table = kconnect_api::PluginTable::new();
    #[cfg(feature = "rabbitmq")]
    let table = table.merge(rabbitmq::plugins());
    #[cfg(feature = "mqtt")]
    let table = table.merge(mqtt::plugins());
    #[cfg(feature = "nats")]
    let table = table.merge(nats::plugins());
    table
}
