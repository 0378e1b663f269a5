//! PostgreSQL change data capture, a drop-in for Debezium's PostgreSQL connector
//! (`io.debezium.connector.postgresql.PostgresConnector`): a consistent snapshot, then every
//! committed INSERT, UPDATE and DELETE streamed through logical replication (`pgoutput`), as
//! Debezium's change events, with Debezium's offsets.

pub mod capture;
pub mod chunks;
pub mod client;
pub mod config;
pub mod envelope;
pub mod events;
pub mod hstore;
pub mod incremental;
pub mod interval;
pub mod modes;
pub mod offsets;
pub mod pgoutput;
pub mod snapshot;
pub mod source;
pub mod types;

pub use source::{PostgresCapturing, PostgresCdcConnector, PostgresCdcTask};

/// The connector, under Debezium's class name.
pub fn plugins() -> kconnect_api::PluginTable {
    kconnect_api::PluginTable::new().source_connector("io.debezium.connector.postgresql.PostgresConnector", || {
        Box::new(
            PostgresCdcConnector::new(|| Box::new(PostgresCdcTask::new(PostgresCapturing::default())))
                .delivering_exactly_once(),
        )
    })
}
