//! `kconnect broker`: the embedded broker on its own, for other tools and for benchmarks.

use std::net::SocketAddr;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use kconnect_broker::{BrokerOptions, EmbeddedBroker, StorageKind};

/// Options of `kconnect broker`.
#[derive(Args)]
pub struct BrokerArgs {
    /// The address to listen on.
    #[arg(long, default_value = kconnect_broker::DEFAULT_LISTENER)]
    listen: SocketAddr,
    /// Where SQLite storage keeps its data.
    #[arg(long, default_value = "kconnect-broker")]
    data_dir: PathBuf,
    /// sqlite (durable) or memory.
    #[arg(long, default_value = "sqlite")]
    storage: String,
}

/// Runs the broker until SIGINT or SIGTERM.
pub async fn run(args: BrokerArgs) -> anyhow::Result<()> {
    let storage: StorageKind = args.storage.parse()?;
    let broker = EmbeddedBroker::start(BrokerOptions {
        listen: args.listen,
        data_dir: args.data_dir,
        storage,
        require_sasl: false,
        advertised: None,
    })
    .await
    .context("starting the broker")?;
    crate::shutdown_signal().await;
    broker.stop();
    Ok(())
}
