//! JDBC-style source and sink connectors for PostgreSQL, MySQL/MariaDB and SQLite, configured with
//! the keys of the widely used Confluent JDBC connector
//! (`io.confluent.connect.jdbc.JdbcSourceConnector`, `io.confluent.connect.jdbc.JdbcSinkConnector`).
//!
//! PostgreSQL and MySQL are reached through sqlx, SQLite through libsql; no JVM, no ODBC.

pub mod column;
pub mod config;
pub mod dialect;
pub mod driver;
pub mod querier;
pub mod row;
pub mod sink;
pub mod source;
pub mod temporal;
pub mod writer;

pub use sink::JdbcSinkConnector;
pub use source::JdbcSourceConnector;

/// The JDBC source and sink, under Confluent's class names.
pub fn plugins() -> kconnect_api::PluginTable {
    kconnect_api::PluginTable::new()
        .source_connector("io.confluent.connect.jdbc.JdbcSourceConnector", || {
            Box::new(JdbcSourceConnector::default())
        })
        .sink_connector("io.confluent.connect.jdbc.JdbcSinkConnector", || {
            Box::new(JdbcSinkConnector::default())
        })
}
