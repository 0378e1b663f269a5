//! `kconnect distributed`: a worker of a Connect cluster, as connect-distributed.sh.

use std::path::Path;
use std::sync::Arc;

use kconnect_api::PluginTable;
use kconnect_distributed::{DistributedConfig, DistributedHerder};
use kconnect_runtime::properties::read_config_file;

use crate::schema_registry::start_beside_embedded_broker;
use crate::setup::{identify_cluster, serve_rest, start_embedded_broker, worker_client};

/// Reads the worker configuration, joins the cluster through its Kafka topics and group, serves
/// the REST API, and runs until SIGINT or SIGTERM; then hands its work over by leaving the group.
pub async fn run(
    worker_file: &Path,
    plugins: PluginTable,
    logging: Arc<crate::logging::Logging>,
) -> anyhow::Result<()> {
    let mut settings = DistributedConfig::new(read_config_file(worker_file)?)?;
    let registry = crate::plugins::worker_registry(plugins, settings.worker.originals())?;
    registry.check_worker_converters(&settings.worker)?;
    let broker = start_embedded_broker(&mut settings.worker).await?;
    let cluster_id = identify_cluster(&mut settings.worker, &broker).await;
    let schema_registry = start_beside_embedded_broker(&mut settings.worker).await?;
    let workers = worker_client(&settings.worker)?;
    let herder = Arc::new(DistributedHerder::start(settings, registry, workers.clone()).await?);
    let rest = serve_rest(herder.clone(), cluster_id, logging, workers).await?;
    tracing::info!("kconnect distributed worker started");
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
