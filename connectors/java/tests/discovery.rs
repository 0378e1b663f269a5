//! Plugins are found as Apache's `plugin.discovery` says: a jar without ServiceLoader manifests is
//! found by the class scan of `hybrid_warn` (the default), with a warning naming its plugins, and
//! not at all with `service_load`.

use std::path::Path;
use std::process::Command;

use kconnect_test_kit::{TestWorker, java_plugin_worker, plugin_directory};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_api::PluginTable::new());

const SOURCE: &str = "org.apache.kafka.connect.file.FileStreamSourceConnector";

/// Apache's connect-file jar without its META-INF/services manifests, as older plugin jars are.
fn jar_without_manifests(dir: &Path) -> std::path::PathBuf {
    let plugins = plugin_directory(dir, "connect-file", &["connect-file-"]);
    let plugin = plugins.join("connect-file");
    let jar = std::fs::read_dir(&plugin).unwrap().next().unwrap().unwrap().path();
    let stripped = plugin.join("stripped.jar");
    let script = "import sys, zipfile\n\
                  with zipfile.ZipFile(sys.argv[1]) as src, zipfile.ZipFile(sys.argv[2], 'w') as dst:\n\
                  \x20   for item in src.infolist():\n\
                  \x20       if not item.filename.startswith('META-INF/services'):\n\
                  \x20           dst.writestr(item, src.read(item.filename))\n";
    let status = Command::new("python3")
        .args(["-c", script])
        .arg(&jar)
        .arg(&stripped)
        .status()
        .unwrap();
    assert!(status.success());
    std::fs::remove_file(jar).unwrap();
    plugins
}

/// The connector classes `GET /connector-plugins` lists.
async fn listed(worker: &TestWorker) -> Vec<String> {
    let (status, plugins) = worker.rest.get("/connector-plugins").await;
    assert_eq!(status, 200);
    plugins
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["class"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_jar_without_manifests_is_found_by_the_class_scan_unless_discovery_is_service_load() {
    let dir = tempfile::tempdir().unwrap();
    let plugins = jar_without_manifests(dir.path());
    let hybrid = TestWorker::start_with(false, &java_plugin_worker(&plugins), &[]).await;
    assert!(
        listed(&hybrid).await.iter().any(|c| c == SOURCE),
        "{}",
        hybrid.process.log()
    );
    assert!(
        hybrid.process.log().contains("found by the class scan"),
        "the default hybrid_warn warns: {}",
        hybrid.process.log()
    );
    drop(hybrid);

    let manifests_only = format!("{}plugin.discovery=service_load\n", java_plugin_worker(&plugins));
    let service_load = TestWorker::start_with(false, &manifests_only, &[]).await;
    assert!(
        !listed(&service_load).await.iter().any(|c| c == SOURCE),
        "{}",
        service_load.process.log()
    );
}
