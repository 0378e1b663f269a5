//! `kconnect validate`: checks a worker configuration and connector configurations offline, as a
//! worker checks them before it starts (no broker is needed), and prints every problem with the
//! key it is about.

use std::path::{Path, PathBuf};

use kconnect_api::PluginTable;
use kconnect_distributed::DistributedConfig;
use kconnect_runtime::connector_config::validate_connector_config;
use kconnect_runtime::properties::read_config_file;
use kconnect_runtime::{RuntimeError, WorkerConfig};

/// The worker key that makes a configuration a distributed worker's.
const GROUP_ID: &str = "group.id";

/// Checks `worker_file` (a distributed worker's when it sets `group.id`) and each of
/// `connector_files` against the plugins of `plugins`, printing `FILE: KEY: PROBLEM` for each
/// problem and `FILE: OK` for a file without any; an error when any file has a problem.
pub async fn run(worker_file: &Path, connector_files: &[PathBuf], plugins: PluginTable) -> anyhow::Result<()> {
    let props = read_config_file(worker_file)?;
    let worker = if props.contains_key(GROUP_ID) {
        DistributedConfig::new(props).map(|settings| settings.worker)
    } else {
        WorkerConfig::new(props)
    };
    let worker = match worker {
        Ok(worker) => worker,
        Err(err) => {
            report(worker_file, &problems_of(err));
            anyhow::bail!(
                "{} has problems: its connectors were not checked",
                worker_file.display()
            );
        }
    };
    let registry = crate::plugins::worker_registry(plugins, worker.originals())?;
    let converters = registry.check_worker_converters(&worker).err().map(problems_of);
    let mut problems = report(worker_file, &converters.unwrap_or_default());
    for file in connector_files {
        let found = match read_config_file(file) {
            Ok(config) => validate_connector_config(&registry, &config, &worker).error_messages(),
            Err(err) => problems_of(err),
        };
        problems += report(file, &found);
    }
    match problems {
        0 => Ok(()),
        1 => anyhow::bail!("1 problem found"),
        n => anyhow::bail!("{n} problems found"),
    }
}

/// The `KEY: PROBLEM` lines of `err`.
fn problems_of(err: RuntimeError) -> Vec<String> {
    match err {
        RuntimeError::InvalidConfig { errors, .. } => errors,
        other => vec![other.to_string()],
    }
}

/// Prints `file`'s problems, or that it has none; how many it has.
fn report(file: &Path, problems: &[String]) -> usize {
    if problems.is_empty() {
        println!("{}: OK", file.display());
    }
    for problem in problems {
        println!("{}: {problem}", file.display());
    }
    problems.len()
}
