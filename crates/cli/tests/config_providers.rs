//! Config providers end to end: a connector's `file` comes from `${file:…}`, the pipeline reads the
//! resolved path, and the REST API shows only the variable.

use std::path::Path;

use kconnect_test_kit::{Quickstart, append_lines, numbered_lines};
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

#[tokio::test(flavor = "multi_thread")]
async fn variables_resolve_at_start_and_stay_hidden() {
    let quickstart = Quickstart::of_repository(Path::new(BIN), 1_000);
    let secrets = quickstart.path("secrets.properties");
    std::fs::write(&secrets, format!("input={}\n", quickstart.input().display())).unwrap();
    let worker_file = quickstart.path("connect-standalone.properties");
    let worker_text = std::fs::read_to_string(&worker_file).unwrap()
        + "config.providers=file\nconfig.providers.file.class=org.apache.kafka.common.config.provider.FileConfigProvider\n";
    std::fs::write(&worker_file, worker_text).unwrap();
    let source_file = quickstart.path("connect-file-source.properties");
    let variable = format!("${{file:{}:input}}", secrets.display());
    let source_text = std::fs::read_to_string(&source_file).unwrap();
    let source_text: String = source_text
        .lines()
        .map(|line| {
            if line.starts_with("file=") {
                format!("file={variable}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    std::fs::write(&source_file, source_text).unwrap();

    append_lines(&quickstart.input(), numbered_lines(0, 20));
    let worker = quickstart.start();
    tokio::task::block_in_place(|| quickstart.wait_for_lines(&worker, 20));

    let base = format!("http://127.0.0.1:{}", quickstart.rest_port);
    let config: Value = reqwest::get(format!("{base}/connectors/local-file-source/config"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(config["file"], variable.as_str());
    let tasks: Value = reqwest::get(format!("{base}/connectors/local-file-source/tasks"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        tasks[0]["config"]["file"],
        variable.as_str(),
        "task configs keep the variable"
    );
}
