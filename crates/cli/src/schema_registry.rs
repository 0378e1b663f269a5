//! kconnect's schema registry as the binary runs it: kept in a compacted Kafka topic (`_schemas`,
//! in Confluent's record format) and served over HTTP, by `kconnect registry` or beside a worker's
//! embedded broker.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use kconnect_api::ConfigMap;
use kconnect_distributed::kafka_log::{KafkaLog, LogClient, TopicSpec};
use kconnect_registry::{Journal, RecordBytes, Registry, RegistryState};
use kconnect_runtime::WorkerConfig;
use kconnect_runtime::kafka::{admin_config, own_broker_consumer_settings};

/// How long reading the topic to its end may take, at start and after each write.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// The topic Confluent Schema Registry keeps its schemas in by default.
pub const DEFAULT_TOPIC: &str = "_schemas";

/// The registry's changes written to its topic; a write returns once the topic's reader has
/// applied it.
struct TopicJournal {
    log: Arc<KafkaLog>,
}

/// A registry kept in a topic, and the topic's log (read to its end before a newly elected
/// member writes).
pub struct OpenRegistry {
    /// The registry.
    pub registry: Arc<Registry>,
    /// Its topic.
    pub log: Arc<KafkaLog>,
}

impl OpenRegistry {
    /// Reads the topic to its end: every change made before is in the registry after.
    pub async fn catch_up(log: &KafkaLog) -> anyhow::Result<()> {
        log.read_to_end(READ_TIMEOUT).await?;
        Ok(())
    }
}

#[async_trait::async_trait]
impl Journal for TopicJournal {
    async fn append(&self, records: Vec<RecordBytes>) -> Result<(), String> {
        self.log.send(records).await.map_err(|e| e.to_string())?;
        self.log.read_to_end(READ_TIMEOUT).await.map_err(|e| e.to_string())?;
        Ok(())
    }
}

/// The registry kept in `topic` (one partition, created compacted when missing), read to its end.
pub async fn open(client: &LogClient, topic: &str, replication: i32) -> anyhow::Result<OpenRegistry> {
    let state = RegistryState::default();
    let spec = TopicSpec {
        name: topic.to_string(),
        partitions: 1,
        replication,
    };
    let log = KafkaLog::start(client, spec, {
        let state = state.clone();
        move |record| {
            let Some(key) = record.key else { return };
            if let Err(err) = state.apply(&key, record.value.as_deref()) {
                tracing::warn!(offset = record.offset, error = %err, "schema registry: record skipped");
            }
        }
    })
    .await?;
    let log = Arc::new(log);
    OpenRegistry::catch_up(&log).await?;
    let journal = Arc::new(TopicJournal { log: log.clone() });
    Ok(OpenRegistry {
        registry: Arc::new(Registry::journaled(state, journal)),
        log,
    })
}

/// A registry serving its REST API.
pub struct RegistryServer {
    /// The URL clients reach it at.
    pub url: String,
    stop: tokio::sync::watch::Sender<bool>,
    handle: tokio::task::JoinHandle<()>,
}

impl RegistryServer {
    /// Listens on `listen` (when that port is taken and `or_any_port`, on a free one), over HTTPS
    /// with `tls`, and serves the registry's API `opening` gives once it has it: connections made
    /// before wait.
    pub async fn start(
        opening: impl Future<Output = anyhow::Result<axum::Router>> + Send + 'static,
        listen: SocketAddr,
        or_any_port: bool,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> anyhow::Result<Self> {
        let listener = match tokio::net::TcpListener::bind(listen).await {
            Err(err) if or_any_port && err.kind() == std::io::ErrorKind::AddrInUse => {
                tracing::warn!(%listen, "schema registry: the address is taken; listening on another port");
                tokio::net::TcpListener::bind(SocketAddr::new(listen.ip(), 0)).await
            }
            bound => bound,
        }
        .with_context(|| format!("the schema registry cannot listen on {listen}"))?;
        let scheme = if tls.is_some() { "https" } else { "http" };
        let url = format!("{scheme}://{}", listener.local_addr()?);
        let (stop, mut stopped) = tokio::sync::watch::channel(false);
        let handle = tokio::spawn(async move {
            let api = match opening.await {
                Ok(api) => api,
                Err(err) => {
                    tracing::error!(error = format!("{err:#}"), "the schema registry could not start");
                    return;
                }
            };
            let shutdown = async move {
                let _ = stopped.wait_for(|stop| *stop).await;
            };
            match kconnect_rest::serve_app(listener, api, tls, shutdown) {
                Ok(serving) => _ = serving.await,
                Err(err) => tracing::error!(error = %err, "the schema registry could not serve"),
            }
        });
        tracing::info!(%url, "schema registry listening");
        Ok(Self { url, stop, handle })
    }

    /// Stops serving.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        let _ = self.handle.await;
    }
}

/// Runs the registry beside the worker's embedded broker (none on any other Kafka), kept in
/// `_schemas`, and gives its URL to the converters that name no registry. It reads `_schemas`
/// while the worker goes on starting (a failure to is logged).
pub async fn start_beside_embedded_broker(config: &mut WorkerConfig) -> anyhow::Result<Option<RegistryServer>> {
    if !config.embedded_broker {
        return Ok(None);
    }
    let client = LogClient {
        common: admin_config(config, &ConfigMap::new()),
        consumer: own_broker_consumer_settings(config),
    };
    let opening = async move {
        let opened = open(&client, DEFAULT_TOPIC, 1).await?;
        Ok(kconnect_registry::router(opened.registry))
    };
    let server = RegistryServer::start(opening, config.embedded_registry_listener(), true, None).await?;
    config.schema_registry_url = Some(server.url.clone());
    Ok(Some(server))
}
