//! What both worker commands share: the embedded broker, the cluster id, and the REST listener
//! with its security.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use kconnect_broker::{BrokerOptions, EmbeddedBroker};
use kconnect_rest::{AppState, BasicAuth, Endpoints, RestSecurity, ServerInfo};
use kconnect_runtime::worker_config::{REST_BASIC_AUTH_JAAS, RestListener};
use kconnect_runtime::{Herder, WorkerConfig};
use kconnect_tls::HttpsSettings;
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};

const CLUSTER_ID_TIMEOUT: Duration = Duration::from_secs(10);

/// The running REST listeners.
pub struct RestServer {
    stop: tokio::sync::watch::Sender<bool>,
    handles: Vec<tokio::task::JoinHandle<()>>,
}

impl RestServer {
    /// Stops accepting requests and waits for the servers to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(true);
        for handle in self.handles {
            let _ = handle.await;
        }
    }
}

/// The client a worker calls other workers with, trusting the HTTPS listener's truststore.
pub fn worker_client(config: &WorkerConfig) -> anyhow::Result<reqwest::Client> {
    let settings = https_settings(config, HTTPS_PREFIX)?;
    kconnect_tls::worker_http_client(&settings).map_err(|err| anyhow::anyhow!("{HTTPS_PREFIX}{err}"))
}

/// Serves the REST API of `herder` on every entry of `listeners`, and its `/admin` endpoints
/// on `admin.listeners` when that key is set (not at all when it is empty).
pub async fn serve_rest(
    herder: Arc<dyn Herder>,
    cluster_id: String,
    logging: Arc<crate::logging::Logging>,
    workers: reqwest::Client,
) -> anyhow::Result<RestServer> {
    let config = &herder.worker().config;
    let admin_listeners = config.admin_listeners()?;
    let api_endpoints = match admin_listeners {
        Some(_) => Endpoints::Api,
        None => Endpoints::All,
    };
    let mut listeners: Vec<(RestListener, Endpoints, &str)> = config
        .rest_listeners()?
        .into_iter()
        .map(|listener| (listener, api_endpoints, HTTPS_PREFIX))
        .collect();
    for listener in admin_listeners.unwrap_or_default() {
        listeners.push((listener, Endpoints::Admin, ADMIN_HTTPS_PREFIX));
    }
    let state = AppState {
        herder: herder.clone(),
        info: Arc::new(ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("KCONNECT_COMMIT").to_string(),
            kafka_cluster_id: cluster_id,
        }),
        log_levels: Some(logging),
        workers,
    };
    let basic_auth = basic_auth(config)?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut handles = Vec::new();
    for (listener, endpoints, prefix) in listeners {
        let security = RestSecurity {
            tls: match listener.https {
                true => Some(
                    kconnect_tls::server_config(&https_settings(config, prefix)?, prefix)
                        .map_err(anyhow::Error::msg)?,
                ),
                false => None,
            },
            basic_auth: basic_auth.clone(),
        };
        let mut stopped = stopped.clone();
        let shutdown = async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let addr = listener.addr;
        let (_, handle) = kconnect_rest::serve(addr, endpoints, state.clone(), security, shutdown)
            .await
            .with_context(|| format!("REST API cannot listen on {addr} (set listeners or admin.listeners)"))?;
        handles.push(handle);
    }
    Ok(RestServer { stop, handles })
}

/// The Kafka cluster id for `GET /`: the embedded broker's, or asked of the cluster. Marks the
/// worker as talking to kconnect's own broker when the id is that broker's.
pub async fn identify_cluster(config: &mut WorkerConfig, broker: &Option<EmbeddedBroker>) -> String {
    let id = match broker {
        Some(_) => kconnect_broker::CLUSTER_ID.to_string(),
        None => fetch_cluster_id(config).await,
    };
    config.own_broker = id == kconnect_broker::CLUSTER_ID;
    id
}

/// Where the `ssl.*` keys of the `listeners` HTTPS listener live (else unprefixed).
const HTTPS_PREFIX: &str = "listeners.https.";
/// Where the `ssl.*` keys of an `admin.listeners` HTTPS listener live (else as for `listeners`).
const ADMIN_HTTPS_PREFIX: &str = "admin.listeners.https.";

/// The `ssl.*` settings under `prefix`; an unset key falls back to `listeners.https.<key>`, then
/// to the worker's `<key>`.
fn https_settings(config: &WorkerConfig, prefix: &str) -> anyhow::Result<HttpsSettings> {
    let originals = config.originals();
    HttpsSettings::read(prefix, &|key| {
        originals
            .get(&format!("{prefix}{key}"))
            .map(String::as_str)
            .or_else(|| config.https_setting(key))
            .map(str::to_string)
    })
    .map_err(anyhow::Error::msg)
}

/// Basic authentication, when `rest.extension.classes` names Apache's
/// `BasicAuthSecurityRestExtension`.
fn basic_auth(config: &WorkerConfig) -> anyhow::Result<Option<BasicAuth>> {
    let extensions = config
        .originals()
        .get("rest.extension.classes")
        .map(String::as_str)
        .unwrap_or_default();
    if !extensions.contains("BasicAuthSecurityRestExtension") {
        return Ok(None);
    }
    let jaas = config
        .string(REST_BASIC_AUTH_JAAS)
        .map(str::to_string)
        .or_else(jaas_from_kafka_opts)
        .with_context(|| format!("{REST_BASIC_AUTH_JAAS}: BasicAuthSecurityRestExtension needs a JAAS file (or -Djava.security.auth.login.config in KAFKA_OPTS)"))?;
    let auth =
        BasicAuth::from_jaas(Path::new(&jaas)).map_err(|err| anyhow::anyhow!("{REST_BASIC_AUTH_JAAS}: {err}"))?;
    Ok(Some(auth))
}

/// The JAAS file named in `KAFKA_OPTS`, as Apache's scripts pass it to the JVM.
fn jaas_from_kafka_opts() -> Option<String> {
    let opts = std::env::var("KAFKA_OPTS").ok()?;
    opts.split_whitespace()
        .find_map(|opt| opt.strip_prefix("-Djava.security.auth.login.config="))
        .map(|path| path.trim_matches('"').to_string())
}

/// Starts the embedded broker when `bootstrap.servers` is unset and points the worker at it.
pub async fn start_embedded_broker(config: &mut WorkerConfig) -> anyhow::Result<Option<EmbeddedBroker>> {
    if !config.embedded_broker {
        return Ok(None);
    }
    let options = BrokerOptions {
        listen: config.embedded_listener(),
        data_dir: config.embedded_data_dir(),
        storage: config.embedded_storage().parse()?,
        require_sasl: false,
        advertised: None,
    };
    let broker = EmbeddedBroker::start(options).await?;
    config.bootstrap_servers = Some(broker.bootstrap_servers());
    Ok(Some(broker))
}

/// Asks the Kafka cluster for its id, for `GET /`.
async fn fetch_cluster_id(config: &WorkerConfig) -> String {
    let mut client = ClientConfig::new();
    if let Some(servers) = &config.bootstrap_servers {
        client.set("bootstrap.servers", servers);
    }
    let fetched = tokio::task::spawn_blocking(move || {
        let producer: BaseProducer = client.create().ok()?;
        producer.client().fetch_cluster_id(CLUSTER_ID_TIMEOUT)
    })
    .await
    .ok()
    .flatten();
    fetched.unwrap_or_else(|| {
        tracing::warn!("could not read the Kafka cluster id");
        String::new()
    })
}
