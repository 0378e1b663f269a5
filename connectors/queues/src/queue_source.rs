//! The source connector and task every queue system shares: the system says how to connect and
//! how to consume one session; this file runs the session in the background, reconnects it with a
//! back-off when the server goes away, and acknowledges messages as [`crate::inbox`] describes.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, ConnectError, Connector, ConnectorContext, OffsetStorageReader, RecordMetadata,
    Result, SourceConnector, SourceRecord, SourceTask, SourceTaskContext,
};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

use crate::inbox::{Acknowledge, Deliveries, Inbox};

/// How long `poll` waits for a first message before returning none, when no record waits for
/// Kafka.
const POLL_WAIT: Duration = Duration::from_millis(100);
/// How long `poll` waits while records wait for Kafka. The runtime hands records Kafka
/// acknowledged back (and so their messages are acknowledged to the queue) between polls; a queue
/// that stops delivering until it has acknowledgements (a full prefetch or ack window) would
/// otherwise stall for a whole `POLL_WAIT` each round.
const ACK_WAIT: Duration = Duration::from_millis(5);
/// How long a source waits before reconnecting, unless its system says otherwise.
const RECONNECT_AFTER: Duration = Duration::from_secs(1);
/// How long stopping waits for the consumer to close its session.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(10);

/// A queue system's source side.
#[async_trait]
pub(crate) trait QueueSource: Send + Sync + 'static {
    /// The connector's keys, parsed.
    type Config: PluginConfig + Clone + Send + Sync + 'static;
    /// A connection (and whatever consuming needs) to the server.
    type Session: Send + 'static;
    /// Acknowledges one message.
    type Ack: Acknowledge;

    /// The connector's version.
    const VERSION: &'static str;

    /// The configurations of the tasks for `max_tasks`, from the connector's (`raw`, and parsed):
    /// `max_tasks` copies by default, every task consuming everything (competing consumers).
    fn task_configs(raw: &ConfigMap, _config: &Self::Config, max_tasks: usize) -> Vec<ConfigMap> {
        vec![raw.clone(); max_tasks.max(1)]
    }

    /// Lets the configuration take what Kafka Connect stored for the task (where a stream
    /// resumes from, say) before the first connection; nothing by default.
    fn resume(_config: &mut Self::Config, _offsets: &dyn OffsetStorageReader) {}

    /// At most this many messages wait between consumer and task, and at most this many records
    /// one poll returns.
    fn capacity(config: &Self::Config) -> usize;

    /// How long to wait before reconnecting after the server went away, or `None` when the
    /// connector is configured not to reconnect (the task then fails); a second by default.
    fn reconnect_after(_config: &Self::Config) -> Option<Duration> {
        Some(RECONNECT_AFTER)
    }

    /// Connects and subscribes. An unreachable server or refused login is an error naming the
    /// key at fault.
    async fn connect(config: &Self::Config) -> Result<Self::Session>;

    /// Consumes the session into `deliveries` until `stop` is cancelled (then closes it and
    /// returns `Ok`) or the session fails.
    async fn consume(
        config: &Self::Config,
        session: Self::Session,
        deliveries: &Deliveries<Self::Ack>,
        stop: &CancellationToken,
    ) -> Result<()>;
}

/// The connector: checks the keys and hands each task the same configuration.
pub(crate) struct QueueSourceConnector<S: QueueSource> {
    config: Option<(ConfigMap, S::Config)>,
    system: PhantomData<S>,
}

impl<S: QueueSource> Default for QueueSourceConnector<S> {
    fn default() -> Self {
        Self {
            config: None,
            system: PhantomData,
        }
    }
}

#[async_trait]
impl<S: QueueSource> Connector for QueueSourceConnector<S> {
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
        let parsed = S::Config::parse(&config)?;
        self.config = Some((config, parsed));
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        let (raw, parsed) = self
            .config
            .as_ref()
            .ok_or_else(|| ConnectError::Fatal("not started".into()))?;
        Ok(S::task_configs(raw, parsed, max_tasks))
    }

    async fn stop(&mut self) -> Result<()> {
        Ok(())
    }
}

impl<S: QueueSource> SourceConnector for QueueSourceConnector<S> {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(QueueSourceTask::<S>::default())
    }
}

/// The consumer running in the background for one task.
struct Consumer {
    stop: CancellationToken,
    handle: JoinHandle<()>,
}

/// The task: polls the inbox, acknowledges as records come back.
pub(crate) struct QueueSourceTask<S: QueueSource> {
    inbox: Option<Inbox<S::Ack>>,
    consumer: Option<Consumer>,
    batch: usize,
}

impl<S: QueueSource> Default for QueueSourceTask<S> {
    fn default() -> Self {
        Self {
            inbox: None,
            consumer: None,
            batch: 1,
        }
    }
}

#[async_trait]
impl<S: QueueSource> SourceTask for QueueSourceTask<S> {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let mut config = S::Config::parse(context.configs())?;
        S::resume(&mut config, context.offset_storage_reader());
        let session = S::connect(&config).await?;
        let capacity = S::capacity(&config);
        let (deliveries, inbox) = Inbox::new(capacity);
        let stop = CancellationToken::new();
        let handle = tokio::spawn(keep_consuming::<S>(config, session, deliveries, stop.clone()));
        self.inbox = Some(inbox);
        self.consumer = Some(Consumer { stop, handle });
        self.batch = capacity;
        Ok(())
    }

    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let inbox = self
            .inbox
            .as_mut()
            .ok_or_else(|| ConnectError::Fatal("not started".into()))?;
        let wait = if inbox.unacknowledged() > 0 {
            ACK_WAIT
        } else {
            POLL_WAIT
        };
        inbox.poll(self.batch, wait).await
    }

    async fn commit_record(&mut self, record: &SourceRecord, _metadata: Option<RecordMetadata>) -> Result<()> {
        match self.inbox.as_mut() {
            Some(inbox) => inbox.acknowledge(record).await,
            None => Ok(()),
        }
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(consumer) = self.consumer.take() {
            consumer.stop.cancel();
            if tokio::time::timeout(CLOSE_TIMEOUT, consumer.handle).await.is_err() {
                tracing::warn!("the queue consumer did not close in time");
            }
        }
        if let Some(inbox) = &self.inbox
            && inbox.unacknowledged() > 0
        {
            tracing::info!(
                messages = inbox.unacknowledged(),
                "stopping with messages Kafka has not acknowledged; the queue delivers them again"
            );
        }
        Ok(())
    }
}

/// Consumes session after session until stopped: when the server goes away, reconnects after the
/// configured interval (failing the task instead when reconnecting is turned off).
async fn keep_consuming<S: QueueSource>(
    config: S::Config,
    first: S::Session,
    deliveries: Deliveries<S::Ack>,
    stop: CancellationToken,
) {
    let retry = S::reconnect_after(&config);
    let mut session = Some(first);
    loop {
        let current = match session.take() {
            Some(current) => current,
            None => match S::connect(&config).await {
                Ok(current) => {
                    tracing::info!("reconnected to the queue server");
                    current
                }
                Err(error) => {
                    tracing::warn!(%error, "cannot reconnect to the queue server yet");
                    if !pause(retry, &stop).await {
                        return;
                    }
                    continue;
                }
            },
        };
        let error = match S::consume(&config, current, &deliveries, &stop).await {
            Ok(()) => return,
            Err(error) => error,
        };
        if stop.is_cancelled() {
            return;
        }
        if retry.is_none() {
            let _ = deliveries.send(Err(error)).await;
            return;
        }
        tracing::warn!(%error, "lost the queue server; reconnecting");
        if !pause(retry, &stop).await {
            return;
        }
    }
}

/// Waits `interval` unless stopped first; false when stopped or reconnecting is turned off.
async fn pause(interval: Option<Duration>, stop: &CancellationToken) -> bool {
    let Some(interval) = interval else {
        return false;
    };
    tokio::select! {
        () = stop.cancelled() => false,
        () = tokio::time::sleep(interval) => true,
    }
}
