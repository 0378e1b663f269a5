//! FileStreamSource and FileStreamSink: Apache Kafka Connect's quickstart connectors, with the same
//! configuration keys, source partition (`{"filename":…}`) and offset (`{"position":…}`).

mod config;
mod sink;
mod source;

pub use sink::{FileStreamSinkConnector, FileStreamSinkTask};
pub use source::{FileStreamSourceConnector, FileStreamSourceTask};

/// FileStreamSource and FileStreamSink, under Apache's class names.
pub fn plugins() -> kconnect_api::PluginTable {
    kconnect_api::PluginTable::new()
        .source_connector("org.apache.kafka.connect.file.FileStreamSourceConnector", || {
            Box::new(FileStreamSourceConnector::default())
        })
        .sink_connector("org.apache.kafka.connect.file.FileStreamSinkConnector", || {
            Box::new(FileStreamSinkConnector::default())
        })
}
