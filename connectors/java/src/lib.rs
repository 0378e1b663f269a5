//! Java Kafka Connect plugins under kconnect: the connectors of `plugin.path` run in a JVM beside
//! the worker, behind the same plugin table as the built-in ones, with kconnect's converters,
//! transformations, error handling, offsets and REST API around them.
//!
//! Without jars on `plugin.path` nothing here starts a JVM or needs Java. With them, the worker
//! compiles the host (its sources are in `host/`, compiled once into kconnect's cache) against
//! `kconnect.java.classpath`, starts it, and asks it what plugin.path holds; each connector found
//! becomes a table entry whose instances run in that JVM, which lives as long as the table (and
//! exits by itself when the worker's end of its standard input closes, so a killed worker leaves
//! no JVM behind). A JVM that dies fails the tasks it ran, and the next start of a connector or
//! task starts a new one.

mod chain;
mod codec;
pub mod config;
mod connector;
pub mod error;
mod launcher;
mod pool;
mod protocol;
mod sink;
mod source;
mod watchdog;
mod wire;

use std::sync::Arc;

use kconnect_api::{ConnectorFactory, PluginTable, PredicateFactory, TransformationFactory};

use chain::{JavaPredicate, JavaTransformation};
pub use config::{Isolation, JavaSettings, Prefer};
use connector::{JavaConnector, JavaPlugin, Sink, Source};
pub use error::JavaError;
use launcher::Launcher;
use pool::JvmPool;

/// Starts the JVM and discovers the plugins of `settings`' plugin.path: the table of those
/// kconnect can run, each under its class name. `None` when plugin.path holds no jar, and then no
/// JVM starts.
pub fn plugins(settings: &JavaSettings) -> Result<Option<PluginTable>, JavaError> {
    if !settings.has_java_plugins() {
        return Ok(None);
    }
    let jars = settings.classpath_jars();
    if jars.is_empty() {
        // An Apache worker file names its plugin.path and nothing kconnect needs to host it:
        // the worker still runs, with its built-in plugins.
        tracing::warn!(
            "plugin.path holds Java plugins, but neither {} nor KAFKA_HOME names the Connect API's jars (Kafka's libs directory): running built-in plugins only",
            config::CLASSPATH
        );
        return Ok(None);
    }
    let launcher = Launcher::prepare(settings, jars)?;
    let pool = Arc::new(JvmPool::new(launcher, settings));
    let (_, found) = pool.jvm_and_plugins(&Default::default())?;
    let found = found.unwrap_or_default();
    let mut table = PluginTable::new();
    for plugin in &found {
        if let Some(error) = &plugin.error {
            tracing::warn!(class = %plugin.class, location = %plugin.location, "a Java plugin cannot be used: {error}");
            continue;
        }
        let java = JavaPlugin {
            pool: pool.clone(),
            class: plugin.class.clone(),
            version: plugin.version.clone(),
            config_def: Arc::new(connector::config_def(&plugin.config)),
        };
        let (class, version) = (plugin.class.clone(), plugin.version.clone());
        table = match plugin.plugin_type.as_str() {
            "source" => table.loaded_connector(class, version, source_connector(java)),
            "sink" => table.loaded_connector(class, version, sink_connector(java)),
            "transformation" => table.loaded_transformation(class, version, transformation(java)),
            "predicate" => table.loaded_predicate(class, version, predicate(java)),
            other => {
                tracing::info!(class = %plugin.class, "found a Java {other} on plugin.path; kconnect uses its own {other}s");
                continue;
            }
        };
        tracing::info!(class = %plugin.class, version = %plugin.version, location = %plugin.location, "Java {} found", plugin.plugin_type);
    }
    Ok(Some(table))
}

fn source_connector(plugin: JavaPlugin) -> ConnectorFactory {
    ConnectorFactory::Source(Arc::new(move || Box::new(JavaConnector::<Source>::new(plugin.clone()))))
}

fn sink_connector(plugin: JavaPlugin) -> ConnectorFactory {
    ConnectorFactory::Sink(Arc::new(move || Box::new(JavaConnector::<Sink>::new(plugin.clone()))))
}

fn transformation(plugin: JavaPlugin) -> TransformationFactory {
    let sink = plugin.clone();
    TransformationFactory::new(
        move || Box::new(JavaTransformation::new(plugin.clone())),
        move || Box::new(JavaTransformation::new(sink.clone())),
    )
}

fn predicate(plugin: JavaPlugin) -> PredicateFactory {
    let sink = plugin.clone();
    PredicateFactory::new(
        move || Box::new(JavaPredicate::new(plugin.clone())),
        move || Box::new(JavaPredicate::new(sink.clone())),
    )
}
