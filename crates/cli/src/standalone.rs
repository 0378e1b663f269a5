//! `kconnect standalone`: the worker of `connect-standalone.sh`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::Context;
use kconnect_api::PluginTable;
use kconnect_runtime::connector_config::check_connector_config;
use kconnect_runtime::properties::read_config_file;
use kconnect_runtime::{Herder, StandaloneHerder, Worker, WorkerConfig};
use kconnect_storage::{FileOffsetStore, TargetStateFile};

use crate::schema_registry::start_beside_embedded_broker;
use crate::setup::{identify_cluster, serve_rest, start_embedded_broker, worker_client};

/// Reads and validates every configuration against the plugins of `plugins` (and the Java
/// plugins of the worker's plugin.path), starts the embedded broker when needed, the REST API
/// and the connectors, and runs until SIGINT or SIGTERM.
pub async fn run(
    worker_file: &Path,
    connector_files: &[PathBuf],
    plugins: PluginTable,
    logging: Arc<crate::logging::Logging>,
) -> anyhow::Result<()> {
    let mut config = WorkerConfig::new(read_config_file(worker_file)?)?;
    let registry = crate::plugins::worker_registry(plugins, config.originals())?;
    registry.check_worker_converters(&config)?;
    let mut connectors = Vec::new();
    for file in connector_files {
        let connector = read_config_file(file)?;
        check_connector_config(&registry, &connector, &config).with_context(|| format!("in {}", file.display()))?;
        connectors.push(connector);
    }
    let broker = start_embedded_broker(&mut config).await?;
    let cluster_id = identify_cluster(&mut config, &broker).await;
    let schema_registry = start_beside_embedded_broker(&mut config).await?;
    let offsets = FileOffsetStore::open(config.offset_file())?;
    let target_states = TargetStateFile::open(config.offset_file().with_extension("target-states.json"))?;
    let worker = Arc::new(Worker::new(config, registry, Arc::new(offsets))?);
    let herder = Arc::new(StandaloneHerder::new(worker, Some(target_states)));
    tokio::spawn(herder.clone().follow_task_reconfigurations());
    let workers = worker_client(&herder.worker().config)?;
    let rest = serve_rest(herder.clone(), cluster_id, logging, workers).await?;
    for connector in connectors {
        herder.create_connector(connector, None).await?;
    }
    herder.mark_ready();
    tracing::info!("kconnect standalone worker started");
    crate::shutdown_signal().await;
    herder.stop().await;
    rest.stop().await;
    if let Some(schema_registry) = schema_registry {
        schema_registry.stop().await;
    }
    if let Some(broker) = broker {
        broker.stop();
    }
    tracing::info!("kconnect stopped");
    Ok(())
}
