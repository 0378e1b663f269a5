//! `kconnect standalone`: the worker of `connect-standalone.sh`.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use kconnect_broker::{BrokerOptions, EmbeddedBroker};
use kconnect_rest::{AppState, BasicAuth, RestSecurity, ServerInfo};
use kconnect_runtime::connector_config::check_connector_config;
use kconnect_runtime::properties::read_config_file;
use kconnect_runtime::worker_config::REST_BASIC_AUTH_JAAS;
use kconnect_runtime::{PluginRegistry, StandaloneHerder, Worker, WorkerConfig};
use kconnect_storage::{FileOffsetStore, TargetStateFile};
use rdkafka::ClientConfig;
use rdkafka::producer::{BaseProducer, Producer};

const CLUSTER_ID_TIMEOUT: Duration = Duration::from_secs(10);

/// Reads and validates every configuration, starts the embedded broker when needed, the REST API
/// and the connectors, and runs until SIGINT or SIGTERM.
pub async fn run(
    worker_file: &Path,
    connector_files: &[PathBuf],
    logging: Arc<crate::logging::Logging>,
) -> anyhow::Result<()> {
    let mut config = WorkerConfig::new(read_config_file(worker_file)?)?;
    let registry = PluginRegistry::new();
    registry.check_worker_converters(&config)?;
    let mut connectors = Vec::new();
    for file in connector_files {
        let connector = read_config_file(file)?;
        check_connector_config(&registry, &connector).with_context(|| format!("in {}", file.display()))?;
        connectors.push(connector);
    }
    let broker = start_embedded_broker(&mut config).await?;
    let cluster_id = match &broker {
        Some(_) => kconnect_broker::CLUSTER_ID.to_string(),
        None => fetch_cluster_id(&config).await,
    };
    let offsets = FileOffsetStore::open(config.offset_file())?;
    let target_states = TargetStateFile::open(config.offset_file().with_extension("target-states.json"))?;
    let rest_addr = config.rest_listener()?;
    let worker = Arc::new(Worker::new(config, Arc::new(offsets))?);
    let herder = Arc::new(StandaloneHerder::new(worker, Some(target_states)));
    let state = AppState {
        herder: herder.clone(),
        info: Arc::new(ServerInfo {
            version: env!("CARGO_PKG_VERSION").to_string(),
            commit: env!("KCONNECT_COMMIT").to_string(),
            kafka_cluster_id: cluster_id,
        }),
        log_levels: Some(logging),
    };
    let (stop_rest, rest_stopped) = tokio::sync::oneshot::channel::<()>();
    let security = rest_security(&herder.worker().config)?;
    let (_, rest) = kconnect_rest::serve(rest_addr, state, security, async move {
        let _ = rest_stopped.await;
    })
    .await
    .with_context(|| format!("REST API cannot listen on {rest_addr} (set listeners)"))?;
    for connector in connectors {
        herder.create_connector(connector, None).await?;
    }
    tracing::info!("kconnect standalone worker started");
    crate::shutdown_signal().await;
    herder.stop().await;
    let _ = stop_rest.send(());
    let _ = rest.await;
    if let Some(broker) = broker {
        broker.stop();
    }
    tracing::info!("kconnect stopped");
    Ok(())
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
async fn start_embedded_broker(config: &mut WorkerConfig) -> anyhow::Result<Option<EmbeddedBroker>> {
    if !config.embedded_broker {
        return Ok(None);
    }
    let options = BrokerOptions {
        listen: config.embedded_listener(),
        data_dir: config.embedded_data_dir(),
        storage: config.embedded_storage().parse()?,
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
