//! What a connector may ask of its herder.

use std::sync::Arc;

use kconnect_api::{ConfigMap, ConnectorContext, KafkaClients};

use crate::kafka::admin_config;
use crate::kafka_clients::RdKafkaClients;

use crate::status::State;
use crate::worker::Worker;

/// The context given to a started connector.
pub(crate) struct HerderContext {
    pub(crate) name: String,
    pub(crate) connector_type: &'static str,
    pub(crate) worker: Arc<Worker>,
}

impl ConnectorContext for HerderContext {
    fn request_task_reconfiguration(&self) {
        tracing::info!(connector = %self.name, "connector asked for new task configurations");
        self.worker.reconfigurations.request(&self.name);
    }

    fn raise_error(&self, error: String) {
        tracing::error!(connector = %self.name, %error, "connector failed");
        self.worker
            .statuses
            .put_connector(&self.name, self.connector_type, State::Failed, Some(error));
    }

    fn kafka(&self) -> kconnect_api::Result<Arc<dyn KafkaClients>> {
        Ok(Arc::new(RdKafkaClients::new(admin_config(
            &self.worker.config,
            &ConfigMap::new(),
        ))))
    }
}
