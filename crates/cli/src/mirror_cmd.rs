//! `kconnect mirror`: MirrorMaker 2's dedicated mode, as connect-mirror-maker.sh. Each flow runs a
//! distributed worker on its target cluster (group `<source>-mm2`, its own internal topics) with
//! the three mirror connectors, configured from the MirrorMaker properties; a worker that leads its
//! group writes the connectors' configurations. Several `kconnect mirror` processes with the same
//! file share the work through the groups.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use kconnect_api::PluginTable;
use kconnect_distributed::{DistributedConfig, DistributedHerder};
use kconnect_runtime::Herder;
use kconnect_runtime::properties::read_config_file;

use crate::mirror_maker::{Flow, MirrorMakerConfig};
use crate::plugins::mirror::CONNECTOR_CLASSES;
use crate::setup::{identify_cluster, worker_client};

/// How long a flow's worker may take to write its connectors (it must first lead its group).
const CONFIGURE_TIMEOUT: Duration = Duration::from_secs(120);

/// Writes the configuration of each mirror connector of `flow` once the worker may (as the leader
/// of its group), retrying until then.
async fn configure(herder: &DistributedHerder, mm2: &MirrorMakerConfig, flow: &Flow, keys: &BTreeSet<String>) {
    let deadline = tokio::time::Instant::now() + CONFIGURE_TIMEOUT;
    for class in CONNECTOR_CLASSES {
        let config = mm2.connector_config(flow, class, keys);
        let name = config["name"].clone();
        loop {
            match herder.put_connector_config(&name, config.clone()).await {
                Ok(_) => break,
                Err(err) if tokio::time::Instant::now() < deadline => {
                    tracing::debug!(connector = %name, %err, "not written yet");
                    tokio::time::sleep(Duration::from_millis(500)).await;
                }
                Err(err) => {
                    tracing::warn!(connector = %name, %err, "could not write the connector's configuration");
                    break;
                }
            }
        }
    }
}

/// Runs every flow of the MirrorMaker properties `file` until SIGINT or SIGTERM.
pub async fn run(file: &Path, plugins: PluginTable) -> anyhow::Result<()> {
    let mm2 = Arc::new(MirrorMakerConfig::new(read_config_file(file)?)?);
    let mut herders = Vec::new();
    for flow in mm2.flows() {
        let mut settings = DistributedConfig::new(mm2.worker_config(&flow))?;
        let registry = crate::plugins::worker_registry(plugins.clone(), settings.worker.originals())?;
        let keys: BTreeSet<String> = CONNECTOR_CLASSES
            .iter()
            .map(|class| registry.config_def(class))
            .collect::<Result<Vec<_>, _>>()?
            .iter()
            .flat_map(|def| def.keys().iter().map(|k| k.name.clone()))
            .collect();
        identify_cluster(&mut settings.worker, &None).await;
        let workers = worker_client(&settings.worker)?;
        let herder = Arc::new(DistributedHerder::start(settings, registry, workers).await?);
        tracing::info!(source = %flow.source, target = %flow.target, "replication flow started");
        let (runner, mm2) = (herder.clone(), mm2.clone());
        tokio::spawn(async move { configure(&runner, &mm2, &flow, &keys).await });
        herders.push(herder);
    }
    tracing::info!(flows = herders.len(), "kconnect mirror started");
    crate::shutdown_signal().await;
    for herder in herders {
        herder.stop().await;
    }
    tracing::info!("kconnect stopped");
    Ok(())
}
