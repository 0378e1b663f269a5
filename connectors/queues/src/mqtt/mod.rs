//! MQTT 3.1.1 and 5: Confluent's MQTT source and sink connectors, under their class names.

mod client;
mod config;
mod protocol;
mod sink;
mod source;

use kconnect_api::PluginTable;

use crate::queue_sink::QueueSinkConnector;
use crate::queue_source::QueueSourceConnector;

/// The MQTT source and sink.
pub fn plugins() -> PluginTable {
    PluginTable::new()
        .source_connector("io.confluent.connect.mqtt.MqttSourceConnector", || {
            Box::new(QueueSourceConnector::<source::MqttSource>::default())
        })
        .sink_connector("io.confluent.connect.mqtt.MqttSinkConnector", || {
            Box::new(QueueSinkConnector::<sink::MqttSink>::default())
        })
}
