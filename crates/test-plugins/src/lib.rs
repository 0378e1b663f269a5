//! Scripted connectors for kconnect's own tests, as Apache's `connect/test-plugins`: a source that
//! generates numbered records and a sink that appends what it is given to a file, each told by
//! its configuration to fail, panic or hang at a chosen point, to lose a record, to replay one
//! after a restart, or to stay silent about a record it rejects.
//!
//! Tests run them in a real worker process; they are never part of a release binary.

mod script;
mod sink;
mod source;

use kconnect_api::PluginTable;

pub use script::StartBehaviour;
pub use sink::{SINK_OUTPUT_FILE, ScriptedSinkConnector};
pub use source::{ScriptedSourceConnector, record_value};

/// The scripted source's class name.
pub const SCRIPTED_SOURCE: &str = "io.kconnect.test.ScriptedSourceConnector";
/// The scripted sink's class name.
pub const SCRIPTED_SINK: &str = "io.kconnect.test.ScriptedSinkConnector";

/// The scripted source and sink.
pub fn plugins() -> PluginTable {
    PluginTable::new()
        .source_connector(SCRIPTED_SOURCE, || Box::new(ScriptedSourceConnector::default()))
        .sink_connector(SCRIPTED_SINK, || Box::new(ScriptedSinkConnector::default()))
}

/// The scripted connectors with every converter, transformation and predicate: what a test
/// worker needs to run them.
pub fn with_core_plugins() -> PluginTable {
    kconnect_converters::plugins()
        .merge(kconnect_transforms::plugins())
        .merge(plugins())
}
