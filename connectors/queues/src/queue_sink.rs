//! The sink connector and task every queue system shares: `put` returns only once the queue
//! confirmed every record of the batch, so the runtime commits Kafka offsets only for published
//! messages. A lost connection is a retriable failure: the runtime redelivers the batch and the
//! next `put` reconnects (a message confirmed just before the loss is then published again: at
//! least once).

use std::marker::PhantomData;
use std::sync::Arc;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, ConnectError, Connector, ConnectorContext, Result, SinkConnector, SinkRecord,
    SinkTask, SinkTaskContext,
};

use crate::body::message_body;

/// A queue system's sink side: a connection that publishes.
#[async_trait]
pub(crate) trait QueueSink: Send + Sized + 'static {
    /// The connector's keys, parsed.
    type Config: PluginConfig + Clone + Send + Sync + 'static;
    /// What one record becomes for the system (a message body, a command).
    type Message: Send + Sync;

    /// The connector's version.
    const VERSION: &'static str;

    /// The configurations of the tasks: `max_tasks` copies of the connector's by default.
    fn task_configs(raw: &ConfigMap, max_tasks: usize) -> Vec<ConfigMap> {
        vec![raw.clone(); max_tasks.max(1)]
    }

    /// What `record` becomes; a data error sends the record to the errant record reporter.
    fn message(&self, record: &SinkRecord) -> Result<Self::Message>;

    /// Connects. An unreachable server or refused login is an error naming the key at fault.
    async fn connect(config: &Self::Config) -> Result<Self>;

    /// Publishes the messages in order and returns once the queue confirmed each, with those the
    /// system refused one by one (by their index in `messages`, for the errant record reporter);
    /// a lost connection is a [`ConnectError::Retriable`] failure.
    async fn publish(&mut self, messages: &[Publishable<'_, Self::Message>]) -> Result<Refusals>;

    /// Closes the connection.
    async fn close(self) -> Result<()>;
}

/// A record the queue can take, with what it becomes (its value as a message body by default).
pub(crate) struct Publishable<'a, M = Vec<u8>> {
    /// The record (its topic, key and headers, for the systems that publish them).
    pub record: &'a SinkRecord,
    /// What the record becomes.
    pub message: M,
}

/// The messages a system refused one by one, by index, with why.
pub(crate) type Refusals = Vec<(usize, ConnectError)>;

/// A record's value as a message body: the [`QueueSink::message`] of the systems that publish
/// bytes.
pub(crate) fn body_message(record: &SinkRecord) -> Result<Vec<u8>> {
    message_body(&record.core.value.value)
}

/// The connector: checks the keys and hands each task the same configuration.
pub(crate) struct QueueSinkConnector<S: QueueSink> {
    config: ConfigMap,
    system: PhantomData<fn() -> S>,
}

impl<S: QueueSink> Default for QueueSinkConnector<S> {
    fn default() -> Self {
        Self {
            config: ConfigMap::new(),
            system: PhantomData,
        }
    }
}

#[async_trait]
impl<S: QueueSink> Connector for QueueSinkConnector<S> {
    fn version(&self) -> String {
        S::VERSION.into()
    }

    fn config_def(&self) -> ConfigDef {
        S::Config::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        S::Config::validate(config)
    }

    async fn start(&mut self, _context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        S::Config::parse(&config)?;
        self.config = config;
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        Ok(S::task_configs(&self.config, max_tasks))
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<S: QueueSink> SinkConnector for QueueSinkConnector<S> {
    fn create_task(&self) -> Box<dyn SinkTask> {
        Box::new(QueueSinkTask::<S> {
            config: None,
            publisher: None,
            context: None,
        })
    }
}

/// The task: one connection, reopened after a loss.
pub(crate) struct QueueSinkTask<S: QueueSink> {
    config: Option<S::Config>,
    publisher: Option<S>,
    context: Option<Arc<dyn SinkTaskContext>>,
}

#[async_trait]
impl<S: QueueSink> SinkTask for QueueSinkTask<S> {
    async fn start(&mut self, context: Arc<dyn SinkTaskContext>) -> Result<()> {
        let config = S::Config::parse(context.configs())?;
        self.publisher = Some(S::connect(&config).await?);
        self.config = Some(config);
        self.context = Some(context);
        Ok(())
    }

    async fn put(&mut self, records: &[SinkRecord]) -> Result<()> {
        if records.is_empty() {
            return Ok(());
        }
        let (Some(config), Some(context)) = (&self.config, &self.context) else {
            return Err(ConnectError::Fatal("not started".into()));
        };
        let publisher = match &mut self.publisher {
            Some(publisher) => publisher,
            None => {
                let reconnected = S::connect(config)
                    .await
                    .map_err(|error| ConnectError::Retriable(error.to_string()))?;
                self.publisher.insert(reconnected)
            }
        };
        // A record the system cannot take goes to the errant record reporter.
        let mut messages = Vec::with_capacity(records.len());
        for record in records {
            match publisher.message(record) {
                Ok(message) => messages.push(Publishable { record, message }),
                Err(error) if error.is_data() => context.report_errant(record, error),
                Err(error) => return Err(error),
            }
        }
        if messages.is_empty() {
            return Ok(());
        }
        match publisher.publish(&messages).await {
            Ok(refusals) => {
                for (index, error) in refusals {
                    context.report_errant(messages[index].record, error);
                }
                Ok(())
            }
            Err(error) => {
                if error.is_retriable() {
                    self.publisher = None;
                }
                Err(error)
            }
        }
    }

    async fn stop(&mut self) -> Result<()> {
        match self.publisher.take() {
            Some(publisher) => publisher.close().await,
            None => Ok(()),
        }
    }
}
