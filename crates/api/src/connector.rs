//! The connector trait shared by sources and sinks.

use std::sync::Arc;

use async_trait::async_trait;

use crate::config::{ConfigDef, ConfigInfos, ConfigMap};
use crate::error::Result;
use crate::kafka_cluster::KafkaClients;
use crate::record::OffsetMap;
use crate::sink::SinkConnector;
use crate::source::SourceConnector;

/// What a running connector may ask of the runtime.
pub trait ConnectorContext: Send + Sync {
    /// Asks the runtime to call [`Connector::task_configs`] again and restart the tasks with the new
    /// configurations (the source's set of tables changed, say).
    fn request_task_reconfiguration(&self);
    /// Reports an unrecoverable failure: the connector is marked FAILED.
    fn raise_error(&self, error: String);
    /// Clients of Kafka clusters, for a connector whose external system is Kafka; an error where
    /// the runtime offers none.
    fn kafka(&self) -> Result<Arc<dyn KafkaClients>> {
        Err(crate::kafka_cluster::no_kafka_clients())
    }
}

/// A connector: it holds the configuration of a pipeline and splits the work into task
/// configurations.
///
/// Lifecycle, as Apache's: [`Connector::start`] with the connector configuration, then
/// [`Connector::task_configs`] (again whenever the context is asked to reconfigure), and finally
/// [`Connector::stop`]. [`Connector::validate`] may be called at any time on a fresh instance and
/// must do no I/O.
#[async_trait]
pub trait Connector: Send + Sync {
    /// The connector's version.
    fn version(&self) -> String {
        env!("CARGO_PKG_VERSION").to_string()
    }

    /// The connector's own configuration keys.
    fn config_def(&self) -> ConfigDef;

    /// Validates `config` against [`Connector::config_def`]; override to add cross-key checks.
    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        ConfigInfos::new(String::new(), self.config_def().validate(config))
    }

    /// Starts the connector with its configuration.
    async fn start(&mut self, context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()>;

    /// The configurations of at most `max_tasks` tasks.
    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>>;

    /// Stops the connector, releasing what [`Connector::start`] acquired.
    async fn stop(&mut self) -> Result<()>;

    /// Checks offsets a user is about to write while the connector is STOPPED (KIP-875): each entry
    /// is a partition and its new offset, `None` to reset it. Returns `Ok(true)` when the connector
    /// keeps no offsets of its own elsewhere, so the framework's change is the whole change; an
    /// error rejects the request.
    fn alter_offsets(&self, _config: &ConfigMap, _offsets: &[(OffsetMap, Option<OffsetMap>)]) -> Result<bool> {
        Ok(false)
    }
}

/// A connector of either direction, as the plugin registry creates it.
pub enum ConnectorKind {
    /// Moves data from an external system into Kafka.
    Source(Box<dyn SourceConnector>),
    /// Moves data from Kafka into an external system.
    Sink(Box<dyn SinkConnector>),
}

impl ConnectorKind {
    /// The connector as its common trait.
    pub fn connector(&self) -> &dyn Connector {
        match self {
            Self::Source(source) => &**source,
            Self::Sink(sink) => &**sink,
        }
    }

    /// The connector as its common trait, to call `start` and `stop`.
    pub fn connector_mut(&mut self) -> &mut dyn Connector {
        match self {
            Self::Source(source) => &mut **source,
            Self::Sink(sink) => &mut **sink,
        }
    }

    /// `source` or `sink`, as the REST API names the type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Source(_) => "source",
            Self::Sink(_) => "sink",
        }
    }
}
