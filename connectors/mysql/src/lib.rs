//! MySQL and MariaDB change data capture, a drop-in for Debezium's MySQL and MariaDB connectors
//! (`io.debezium.connector.mysql.MySqlConnector`, `io.debezium.connector.mariadb.MariaDbConnector`):
//! a consistent snapshot, then every committed INSERT, UPDATE and DELETE read from the binary log
//! as Debezium's change events, with Debezium's offsets, schema history and schema change events,
//! and incremental snapshots by signal.

pub mod binlog;
pub mod capture;
pub mod catalog;
pub mod client;
pub mod config;
pub mod ddl;
pub mod defaults;
pub mod gtids;
pub mod history;
pub mod incremental;
pub mod offsets;
pub mod schemas;
pub mod snapshot;
pub mod source;
pub mod table;
pub mod table_change;
pub mod table_map;
pub mod types;

pub use config::Flavor;
pub use source::{MySqlCdcConnector, connector};

/// The connectors, under Debezium's class names.
pub fn plugins() -> kconnect_api::PluginTable {
    kconnect_api::PluginTable::new()
        .source_connector("io.debezium.connector.mysql.MySqlConnector", || {
            Box::new(connector(Flavor::MySql))
        })
        .source_connector("io.debezium.connector.mariadb.MariaDbConnector", || {
            Box::new(connector(Flavor::MariaDb))
        })
}
