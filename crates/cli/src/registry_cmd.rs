//! `kconnect registry`: the schema registry on its own, kept in a Kafka cluster's `_schemas` topic,
//! for converters anywhere (Confluent's among them) to name as `schema.registry.url`; over HTTPS
//! with Confluent Schema Registry's `ssl.*` keys. Several of them on one topic elect one writer
//! (`crate::registry_election`); the others forward writes to it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use kconnect_distributed::group_security::GroupSecurity;
use kconnect_distributed::kafka_log::LogClient;
use kconnect_runtime::properties::read_config_file;
use kconnect_tls::HttpsSettings;
use rdkafka::ClientConfig;

use crate::registry_election::{self, ElectionSettings, Identity};
use crate::schema_registry::{DEFAULT_TOPIC, OpenRegistry, RegistryServer, open};

/// Options of `kconnect registry`.
#[derive(Args)]
pub struct RegistryArgs {
    /// The address to serve the REST API on: `host:port`, `http://host:port`, or
    /// `https://host:port` with `--ssl-config`.
    #[arg(long, default_value = "0.0.0.0:8081")]
    listen: String,
    /// A properties file of the HTTPS listener's keys, as Confluent Schema Registry names them:
    /// `ssl.keystore.location`/`.password`/`.type`, `ssl.key.password`, `ssl.truststore.*`,
    /// `ssl.client.authentication` (NONE, REQUESTED, REQUIRED).
    #[arg(long)]
    ssl_config: Option<PathBuf>,
    /// The Kafka cluster that keeps the schemas.
    #[arg(long)]
    bootstrap_servers: String,
    /// The compacted topic the schemas are kept in (Confluent's `kafkastore.topic`).
    #[arg(long, default_value = DEFAULT_TOPIC)]
    topic: String,
    /// The topic's replication factor when it is created (-1: the cluster's default).
    #[arg(long, default_value_t = -1, allow_negative_numbers = true)]
    replication_factor: i32,
    /// A properties file of Kafka client settings (security.protocol, sasl.*, ssl.*).
    #[arg(long)]
    client_config: Option<PathBuf>,
    /// The group the registries serving one topic elect their writer in (Confluent's
    /// `schema.registry.group.id`).
    #[arg(long, default_value = "schema-registry")]
    group_id: String,
    /// The URL the other registries forward writes to this one at (default: the listen address,
    /// with this machine's host name for 0.0.0.0).
    #[arg(long)]
    advertised_url: Option<String>,
    /// Whether this registry may be elected the writer (Confluent's `leader.eligibility`).
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    leader_eligibility: bool,
}

/// How long a starting registry waits for a writer to be elected before it listens anyway.
const ELECTION_WAIT: Duration = Duration::from_secs(60);

/// `--listen`: the address, and whether it is `https://`.
fn listen_address(listen: &str) -> anyhow::Result<(SocketAddr, bool)> {
    let (https, address) = match listen.split_once("://") {
        Some(("https", address)) => (true, address),
        Some(("http", address)) => (false, address),
        Some((scheme, _)) => anyhow::bail!("--listen {listen}: {scheme} is not http or https"),
        None => (false, listen),
    };
    let address = address
        .parse()
        .with_context(|| format!("--listen {listen}: not an address such as 0.0.0.0:8081"))?;
    Ok((address, https))
}

/// The stores of the `--ssl-config` file, with Confluent Schema Registry's keys: what the HTTPS
/// listener serves with and the client forwarding writes to the leader trusts and shows.
fn ssl_settings(file: &Path) -> anyhow::Result<HttpsSettings> {
    let settings = read_config_file(file)?;
    let get = |key: &str| match key {
        // Confluent's name for ssl.client.auth, in upper case.
        "ssl.client.auth" => settings
            .get("ssl.client.authentication")
            .map(|v| v.to_ascii_lowercase()),
        key => settings.get(key).cloned(),
    };
    HttpsSettings::read("", &get).map_err(|err| anyhow::anyhow!("--ssl-config {}: {err}", file.display()))
}

/// The URL the other members reach this one at: `--advertised-url`, else the listen address
/// (with this machine's host name when it listens on every address).
fn advertised_url(args: &RegistryArgs, listen: SocketAddr, https: bool) -> String {
    if let Some(url) = &args.advertised_url {
        return url.trim_end_matches('/').to_string();
    }
    let scheme = if https { "https" } else { "http" };
    let host = if listen.ip().is_unspecified() {
        std::fs::read_to_string("/proc/sys/kernel/hostname")
            .map(|name| name.trim().to_string())
            .unwrap_or_else(|_| "localhost".into())
    } else {
        listen.ip().to_string()
    };
    format!("{scheme}://{host}:{}", listen.port())
}

/// Serves the registry until SIGINT or SIGTERM.
pub async fn run(args: RegistryArgs) -> anyhow::Result<()> {
    let (listen, https) = listen_address(&args.listen)?;
    let ssl = match (https, &args.ssl_config) {
        (true, Some(file)) => ssl_settings(file)?,
        (true, None) => anyhow::bail!("--listen {}: https needs --ssl-config", args.listen),
        (false, Some(_)) => anyhow::bail!("--ssl-config: --listen {} is not https://", args.listen),
        (false, None) => HttpsSettings::default(),
    };
    let tls = match (https, &args.ssl_config) {
        (true, Some(file)) => Some(
            kconnect_tls::server_config(&ssl, "")
                .map_err(|err| anyhow::anyhow!("--ssl-config {}: {err}", file.display()))?,
        ),
        _ => None,
    };
    // The client forwarding writes to the leader trusts (and shows) the same stores.
    let forwarding = kconnect_tls::worker_http_client(&ssl).map_err(anyhow::Error::msg)?;
    let mut common = ClientConfig::new();
    let client_settings = match &args.client_config {
        Some(file) => read_config_file(file)?,
        None => Default::default(),
    };
    for (key, value) in &client_settings {
        common.set(key, value);
    }
    let security = GroupSecurity::from_worker(&client_settings)
        .map_err(|errors| anyhow::anyhow!("--client-config: {}", errors.join("; ")))?;
    common.set("bootstrap.servers", &args.bootstrap_servers);
    let client = LogClient {
        common,
        consumer: Vec::new(),
    };
    let opened = open(&client, &args.topic, args.replication_factor).await?;
    let log = opened.log.clone();
    let election = registry_election::start(
        ElectionSettings {
            bootstrap: args.bootstrap_servers.clone(),
            group: args.group_id.clone(),
            security,
            identity: Identity::of_url(&advertised_url(&args, listen, https), args.leader_eligibility)?,
            client: forwarding,
        },
        move || {
            let log = log.clone();
            Box::pin(async move { OpenRegistry::catch_up(&log).await })
        },
    );
    // Listening once a writer is known, writes made as soon as it listens go through.
    if !election.elected(ELECTION_WAIT).await {
        tracing::warn!(group = %args.group_id, "no schema registry writer elected yet; writes answer 50004 until one is");
    }
    let leaving = election.clone();
    let api = kconnect_registry::elected_router(opened.registry, election);
    let server = RegistryServer::start(std::future::ready(Ok(api)), listen, false, tls).await?;
    crate::shutdown_signal().await;
    server.stop().await;
    leaving.leave(Duration::from_secs(5)).await;
    Ok(())
}
