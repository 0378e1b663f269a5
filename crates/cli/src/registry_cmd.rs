//! `kconnect registry`: the schema registry on its own, kept in a Kafka cluster's `_schemas` topic,
//! for converters anywhere (Confluent's among them) to name as `schema.registry.url`.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;
use kconnect_distributed::kafka_log::LogClient;
use kconnect_runtime::properties::read_config_file;
use rdkafka::ClientConfig;

use crate::schema_registry::{DEFAULT_TOPIC, RegistryServer, open};

/// Options of `kconnect registry`.
#[derive(Args)]
pub struct RegistryArgs {
    /// The address to serve the REST API on.
    #[arg(long, default_value = "0.0.0.0:8081")]
    listen: SocketAddr,
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
}

/// Serves the registry until SIGINT or SIGTERM.
pub async fn run(args: RegistryArgs) -> anyhow::Result<()> {
    let mut common = ClientConfig::new();
    if let Some(file) = &args.client_config {
        for (key, value) in read_config_file(file)? {
            common.set(key, value);
        }
    }
    common.set("bootstrap.servers", &args.bootstrap_servers);
    let client = LogClient {
        common,
        consumer: Vec::new(),
    };
    let registry = open(&client, &args.topic, args.replication_factor).await?;
    let server = RegistryServer::start(std::future::ready(Ok(registry)), args.listen, false).await?;
    crate::shutdown_signal().await;
    server.stop().await;
    Ok(())
}
