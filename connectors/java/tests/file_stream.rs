//! Apache's own FileStream connectors, from their jar on plugin.path, hosted in kconnect's JVM,
//! pass the same compliance harness with the same records as kconnect's built-in FileStream
//! connectors (connectors/file/tests/compliance.rs): validation through the plugin's ConfigDef,
//! exactly the records in order, graceful restart and SIGKILL resuming from committed offsets.

use std::path::Path;

use kconnect_test_kit::compliance::file_stream::{InputFile, OutputFile, sink_case, source_case};
use kconnect_test_kit::compliance::{check_sink, check_source};
use kconnect_test_kit::{java_plugin_worker, plugin_directory};

// No built-in FileStream here: the class names resolve to the jar's connectors alone.
kconnect_test_kit::worker_entry!(kconnect::run, kconnect_api::PluginTable::new());

/// Worker lines that put Apache's connect-file jar on plugin.path, a plugin directory of its own.
fn java_worker(dir: &Path) -> String {
    java_plugin_worker(&plugin_directory(dir, "connect-file", &["connect-file-"]))
}

#[tokio::test(flavor = "multi_thread")]
async fn apaches_file_stream_source_jar_passes_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("input.txt");
    check_source(source_case(&input, java_worker(dir.path())), &mut InputFile(input))
        .await
        .assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn apaches_file_stream_sink_jar_passes_the_harness() {
    let dir = tempfile::tempdir().unwrap();
    let output = dir.path().join("output.txt");
    let report = check_sink(sink_case(&output, java_worker(dir.path())), &mut OutputFile(output)).await;
    report.assert_passed();
}
