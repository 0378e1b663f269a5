//! What both worker commands share: the embedded broker, the cluster id, and the REST listener
//! with its security.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use kconnect_broker::{BrokerOptions, EmbeddedBroker};
use kconnect_rest::{AppState, BasicAuth, RestSecurity, ServerInfo};
use kconnect_runtime::worker_config::REST_BASIC_AUTH_JAAS;
use kconnect_runtime::{Herder, WorkerConfig};
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};

const CLUSTER_ID_TIMEOUT: Duration = Duration::from_secs(10);

/// A running REST listener.
pub struct RestServer {
    stop: tokio::sync::oneshot::Sender<()>,
    handle: tokio::task::JoinHandle<()>,
}

impl RestServer {
    /// Stops accepting requests and waits for the server to finish.
    pub async fn stop(self) {
        let _ = self.stop.send(());
        let _ = self.handle.await;
    }
}

/// Serves the REST API of `herder` on the worker's listener.
pub async fn serve_rest(
    herder: Arc<dyn Herder>,
    cluster_id: String,
    logging: Arc<crate::logging::Logging>,
) -> anyhow::Result<RestServer> {
    let config = &herder.worker().config;
    let rest_addr = config.rest_listener()?;
    let security = rest_security(config)?;
    let state = AppState {
        herder: herder.clone(),
        info: Arc::new(ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("KCONNECT_COMMIT").to_string(),
            kafka_cluster_id: cluster_id,
        }),
        log_levels: Some(logging),
    };
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let (_, handle) = kconnect_rest::serve(rest_addr, state, security, async move {
        let _ = stopped.await;
    })
    .await
    .with_context(|| format!("REST API cannot listen on {rest_addr} (set listeners)"))?;
    Ok(RestServer { stop, handle })
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

/// HTTPS when the listener is `https://` (a PEM keystore), and basic authentication when
/// `rest.extension.classes` names Apache's `BasicAuthSecurityRestExtension`.
fn rest_security(config: &WorkerConfig) -> anyhow::Result<RestSecurity> {
    let mut security = RestSecurity::default();
    if config.rest_uses_tls() {
        let kind = config.https_setting("ssl.keystore.type").unwrap_or("PEM");
        if !kind.eq_ignore_ascii_case("PEM") {
            anyhow::bail!(
                "listeners.https.ssl.keystore.type: kconnect reads PEM keystores (certificate chain and key in one file), not {kind}"
            );
        }
        let location = config
            .https_setting("ssl.keystore.location")
            .context("listeners.https.ssl.keystore.location: Missing required configuration for an https listener")?;
        security.tls = Some(
            kconnect_rest::server_config(Path::new(location))
                .map_err(|err| anyhow::anyhow!("listeners.https.ssl.keystore.location: {err}"))?,
        );
    }
    let extensions = config
        .originals()
        .get("rest.extension.classes")
        .map(String::as_str)
        .unwrap_or_default();
    if extensions.contains("BasicAuthSecurityRestExtension") {
        let jaas = config
            .string(REST_BASIC_AUTH_JAAS)
            .map(str::to_string)
            .or_else(jaas_from_kafka_opts)
            .with_context(|| format!("{REST_BASIC_AUTH_JAAS}: BasicAuthSecurityRestExtension needs a JAAS file (or -Djava.security.auth.login.config in KAFKA_OPTS)"))?;
        security.basic_auth = Some(
            BasicAuth::from_jaas(Path::new(&jaas)).map_err(|err| anyhow::anyhow!("{REST_BASIC_AUTH_JAAS}: {err}"))?,
        );
    }
    Ok(security)
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
