//! The `kconnect` command: `standalone` and `distributed` run a worker, `broker` runs the embedded
//! broker alone, `registry` the schema registry.
//!
//! The binary is [`run`] with [`builtin_plugins`]: the plugin table of every connector family this
//! build has a cargo feature on for. A test runs the same command with a table of its own.

mod broker_cmd;
mod distributed;
mod logging;
mod plugins;
mod registry_cmd;
mod schema_registry;
mod setup;
mod standalone;

pub use plugins::builtin_plugins;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use kconnect_api::PluginTable;

/// Apache Kafka Connect, rebuilt in Rust.
#[derive(Parser)]
#[command(name = "kconnect", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Runs a standalone worker, as connect-standalone.sh: WORKER.properties CONNECTOR.(properties|json)...
    Standalone {
        /// The worker configuration.
        worker: PathBuf,
        /// Connector configurations to start.
        connectors: Vec<PathBuf>,
    },
    /// Runs a worker of a Connect cluster, as connect-distributed.sh: WORKER.properties
    Distributed {
        /// The worker configuration (group.id and the three storage topics).
        worker: PathBuf,
    },
    /// Runs the embedded Kafka-compatible broker on its own.
    Broker(broker_cmd::BrokerArgs),
    /// Runs the schema registry (Confluent's REST API) on its own, kept in a Kafka topic.
    Registry(registry_cmd::RegistryArgs),
}

/// Runs the `kconnect` command line `args` (the program name first) with the plugins of `plugins`.
pub fn run(plugins: PluginTable, args: impl IntoIterator<Item = impl Into<OsString> + Clone>) -> ExitCode {
    let cli = Cli::parse_from(args);
    let logging = std::sync::Arc::new(logging::Logging::install());
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("kconnect: cannot start the async runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Standalone { worker, connectors } => standalone::run(&worker, &connectors, plugins, logging).await,
            Command::Distributed { worker } => distributed::run(&worker, plugins, logging).await,
            Command::Broker(args) => broker_cmd::run(args).await,
            Command::Registry(args) => registry_cmd::run(args).await,
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("kconnect: {err:#}");
            ExitCode::FAILURE
        }
    }
}

/// Waits for SIGINT or SIGTERM.
async fn shutdown_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    let (Ok(mut interrupt), Ok(mut terminate)) = (signal(SignalKind::interrupt()), signal(SignalKind::terminate()))
    else {
        std::future::pending::<()>().await;
        return;
    };
    tokio::select! {
        _ = interrupt.recv() => {}
        _ = terminate.recv() => {}
    }
    tracing::info!("stopping: signal received");
}
