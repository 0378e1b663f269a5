//! What a CDC connector is beside its task: its keys validated, and one task, since a database's
//! change stream (a replication slot, a binary log) has one reader.

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, Connector, ConnectorContext, ExactlyOnceSupport, Result, SourceConnector,
    SourceTask,
};

/// A connector of configuration `C` whose tasks `task` makes.
pub struct CdcConnector<C> {
    config: ConfigMap,
    task: Box<dyn Fn() -> Box<dyn SourceTask> + Send + Sync>,
    exactly_once: Option<ExactlyOnceSupport>,
    configuration: PhantomData<fn() -> C>,
}

impl<C> CdcConnector<C> {
    /// The connector whose tasks `task` makes.
    pub fn new(task: impl Fn() -> Box<dyn SourceTask> + Send + Sync + 'static) -> Self {
        Self {
            config: ConfigMap::new(),
            task: Box::new(task),
            exactly_once: None,
            configuration: PhantomData,
        }
    }

    /// Declares that the connector delivers each change once when its records and offsets are
    /// written in transactions (Debezium's PostgreSQL connector declares it; its MySQL connector
    /// does not say).
    pub fn delivering_exactly_once(mut self) -> Self {
        self.exactly_once = Some(ExactlyOnceSupport::Supported);
        self
    }
}

#[async_trait]
impl<C: PluginConfig + 'static> Connector for CdcConnector<C> {
    fn config_def(&self) -> ConfigDef {
        C::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        C::validate(config)
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        C::parse(&config)?;
        self.config = config;
        Ok(())
    }

    /// One task: the change stream has one reader.
    fn task_configs(&self, _max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(vec![self.config.clone()])
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<C: PluginConfig + 'static> SourceConnector for CdcConnector<C> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        (self.task)()
    }

    fn exactly_once_support(&self, _config: &ConfigMap) -> Option<ExactlyOnceSupport> {
        self.exactly_once
    }

    /// Yes, beyond Debezium's: with `transaction.boundary=connector` each Kafka transaction holds
    /// one database transaction (or one snapshot chunk), so `read_committed` consumers see each
    /// database transaction whole or not at all.
    fn can_define_transaction_boundaries(&self, _config: &ConfigMap) -> bool {
        true
    }
}
