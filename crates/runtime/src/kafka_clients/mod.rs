//! [`KafkaClients`] over librdkafka: the clients a connector whose external system is Kafka opens
//! on any cluster, by Java client settings (mapped to librdkafka's names as every client of the
//! worker is; keys librdkafka lacks are skipped with a warning).

mod admin;
mod group_list;
mod reader;
mod writer;

use std::sync::Arc;
use std::time::Duration;

use kconnect_api::{ConfigMap, ConnectError, KafkaAdmin, KafkaClients, KafkaReader, KafkaWriter};
use rdkafka::ClientConfig;
use rdkafka::error::KafkaError;

pub use admin::RdKafkaAdmin;
pub use reader::RdKafkaReader;
pub use writer::RdKafkaWriter;

use crate::kafka::settings_config;

/// How long one admin or metadata request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// Opens librdkafka clients: of the cluster a connector's settings name, or, when they name none
/// (no `bootstrap.servers`), of the worker's own cluster with the worker's client settings.
#[derive(Clone)]
pub struct RdKafkaClients {
    worker_client: ClientConfig,
}

impl RdKafkaClients {
    /// Clients whose default cluster is the one `worker_client` reaches.
    pub fn new(worker_client: ClientConfig) -> Self {
        Self { worker_client }
    }

    fn config(&self, settings: &ConfigMap, origin: &str) -> ClientConfig {
        if settings.contains_key("bootstrap.servers") {
            settings_config(settings, origin)
        } else {
            let mut config = self.worker_client.clone();
            let own = settings_config(settings, origin);
            config.extend(
                own.config_map()
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string())),
            );
            config
        }
    }
}

impl KafkaClients for RdKafkaClients {
    fn admin(&self, settings: &ConfigMap) -> kconnect_api::Result<Arc<dyn KafkaAdmin>> {
        Ok(Arc::new(RdKafkaAdmin::new(self.config(settings, "kafka admin"))?))
    }

    fn reader(&self, settings: &ConfigMap) -> kconnect_api::Result<Box<dyn KafkaReader>> {
        Ok(Box::new(RdKafkaReader::new(self.config(settings, "kafka reader"))?))
    }

    fn writer(&self, settings: &ConfigMap) -> kconnect_api::Result<Arc<dyn KafkaWriter>> {
        Ok(Arc::new(RdKafkaWriter::new(self.config(settings, "kafka writer"))?))
    }
}

/// A client error as the connector sees it: worth retrying, as a broker that is away comes back.
fn retriable(context: &str, err: KafkaError) -> ConnectError {
    ConnectError::Retriable(format!("{context}: {err}"))
}
