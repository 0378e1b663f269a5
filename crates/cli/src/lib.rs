//! The `kconnect` command: `standalone` and `distributed` run a worker, `mirror` runs MirrorMaker
//! 2's dedicated mode, `broker` runs the embedded broker alone, `registry` the schema registry;
//! `validate` checks configurations offline, `plugins` lists the plugins, `docs` prints the
//! configuration reference and `completions` a shell's completion script.
//!
//! The binary is [`run`] with [`builtin_plugins`]: the plugin table of every connector family this
//! build has a cargo feature on for. A test runs the same command with a table of its own.

mod broker_cmd;
mod distributed;
mod docs_cmd;
mod logging;
#[cfg(feature = "mirror")]
mod mirror_cmd;
#[cfg(feature = "mirror")]
mod mirror_maker;
mod plugins;
mod plugins_cmd;
mod registry_cmd;
mod registry_election;
mod schema_registry;
mod setup;
mod standalone;
mod validate_cmd;

pub use plugins::builtin_plugins;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand};
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
    /// Runs MirrorMaker 2 in its dedicated mode, as connect-mirror-maker.sh: MM2.properties
    /// (clusters, `<alias>.bootstrap.servers`, `A->B.enabled`, per-flow `A->B.*` keys).
    #[cfg(feature = "mirror")]
    Mirror {
        /// The MirrorMaker configuration (Apache's connect-mirror-maker.properties format).
        config: PathBuf,
    },
    /// Runs the embedded Kafka-compatible broker on its own.
    Broker(broker_cmd::BrokerArgs),
    /// Runs the schema registry (Confluent's REST API) on its own, kept in a Kafka topic.
    Registry(registry_cmd::RegistryArgs),
    /// Checks a worker configuration and connector configurations offline, naming each problem's
    /// key; exits non-zero when any has one: WORKER.properties [CONNECTOR.(properties|json)...]
    Validate {
        /// The worker configuration (a distributed worker's when it sets group.id).
        worker: PathBuf,
        /// Connector configurations to check.
        connectors: Vec<PathBuf>,
    },
    /// Prints the configuration reference of the worker and of every built-in plugin (Markdown),
    /// as docs/reference/configuration.md holds it.
    Docs,
    /// Prints the shell completion script of the command for SHELL (bash, zsh, fish, elvish,
    /// powershell), e.g. `kconnect completions bash > /etc/bash_completion.d/kconnect`.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Lists the plugins with their types, classes, versions and aliases: [WORKER.properties]
    Plugins {
        /// A worker configuration whose plugin.path Java plugins are listed too.
        worker: Option<PathBuf>,
    },
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
            #[cfg(feature = "mirror")]
            Command::Mirror { config } => mirror_cmd::run(&config, plugins).await,
            Command::Broker(args) => broker_cmd::run(args).await,
            Command::Registry(args) => registry_cmd::run(args).await,
            Command::Validate { worker, connectors } => validate_cmd::run(&worker, &connectors, plugins).await,
            Command::Plugins { worker } => plugins_cmd::run(worker.as_deref(), plugins),
            Command::Docs => docs_cmd::run(plugins),
            Command::Completions { shell } => {
                clap_complete::generate(shell, &mut Cli::command(), "kconnect", &mut std::io::stdout());
                Ok(())
            }
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
