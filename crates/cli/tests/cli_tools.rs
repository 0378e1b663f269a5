//! The operator's commands: `kconnect validate` checks configurations offline (no broker runs),
//! naming every problem's key and failing when any; `kconnect plugins` lists the plugins with their
//! aliases; `kconnect completions` prints a shell's completion script.

use std::path::Path;
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_kconnect");

const WORKER: &str = "key.converter=org.apache.kafka.connect.json.JsonConverter\nvalue.converter=JsonConverter\noffset.storage.file.filename=/tmp/kconnect-validate.offsets\n";

/// Runs `kconnect` with `args`; (success, stdout, stderr).
fn kconnect(args: &[&str]) -> (bool, String, String) {
    let Output { status, stdout, stderr } = Command::new(BIN).args(args).output().unwrap();
    (
        status.success(),
        String::from_utf8_lossy(&stdout).into_owned(),
        String::from_utf8_lossy(&stderr).into_owned(),
    )
}

/// Writes `text` to `name` in `dir`; its path as text.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn validate_passes_good_configurations() {
    let dir = tempfile::tempdir().unwrap();
    let worker = file(dir.path(), "worker.properties", WORKER);
    let source = file(
        dir.path(),
        "source.properties",
        "name=lines\nconnector.class=FileStreamSource\nfile=/tmp/in.txt\ntopic=lines\n",
    );
    let sink = file(
        dir.path(),
        "sink.json",
        r#"{"name": "out", "config": {"connector.class": "org.apache.kafka.connect.file.FileStreamSinkConnector", "topics": "lines", "file": "/tmp/out.txt"}}"#,
    );
    let (ok, out, err) = kconnect(&["validate", &worker, &source, &sink]);
    assert!(ok, "{out}{err}");
    assert_eq!(out, format!("{worker}: OK\n{source}: OK\n{sink}: OK\n"));
}

#[test]
fn validate_names_each_problem_by_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let worker = file(dir.path(), "worker.properties", WORKER);
    let source = file(
        dir.path(),
        "source.properties",
        "name=lines\nconnector.class=FileStreamSource\ntasks.max=x\n",
    );
    let sink = file(
        dir.path(),
        "sink.properties",
        "name=out\nconnector.class=FileStreamSink\nvalue.converter=NoSuchConverter\n",
    );
    let (ok, out, err) = kconnect(&["validate", &worker, &source, &sink]);
    assert!(!ok, "a problem fails the command: {out}");
    assert!(out.starts_with(&format!("{worker}: OK\n")), "{out}");
    for line in [
        format!("{source}: tasks.max: Invalid value x for configuration tasks.max: Not a number of type INT"),
        format!("{source}: topic: Missing required configuration \"topic\" which has no default value."),
        format!("{sink}: topics: Must configure one of topics or topics.regex"),
        format!(
            "{sink}: value.converter: Invalid value NoSuchConverter for configuration value.converter: Class NoSuchConverter could not be found."
        ),
    ] {
        assert!(out.lines().any(|l| l == line), "{line} missing from:\n{out}");
    }
    assert!(err.contains("problems found"), "{err}");
}

#[test]
fn validate_names_the_worker_key_and_skips_its_connectors() {
    let dir = tempfile::tempdir().unwrap();
    let worker = file(
        dir.path(),
        "worker.properties",
        &WORKER.replace("value.converter=JsonConverter", "value.converter=NoSuchConverter"),
    );
    let (ok, out, _) = kconnect(&["validate", &worker]);
    assert!(!ok);
    assert!(
        out.contains(&format!("{worker}: value.converter: ")) && out.contains("NoSuchConverter"),
        "{out}"
    );
    let distributed = file(
        dir.path(),
        "distributed.properties",
        "group.id=connect\nkey.converter=JsonConverter\nvalue.converter=JsonConverter\nconfig.storage.topic=configs\nstatus.storage.topic=status\n",
    );
    let connector = file(
        dir.path(),
        "c.properties",
        "name=a\nconnector.class=FileStreamSource\ntopic=t\n",
    );
    let (ok, out, err) = kconnect(&["validate", &distributed, &connector]);
    assert!(!ok, "{out}");
    assert!(out.contains(&format!("{distributed}: offset.storage.topic: ")), "{out}");
    assert!(
        !out.contains(&connector),
        "connectors are not checked against a bad worker: {out}"
    );
    assert!(err.contains("its connectors were not checked"), "{err}");
}

#[test]
fn plugins_lists_classes_with_versions_and_aliases() {
    let (ok, out, err) = kconnect(&["plugins"]);
    assert!(ok, "{err}");
    let line = |class: &str| {
        out.lines()
            .find(|l| l.split_whitespace().nth(1) == Some(class))
            .unwrap_or_else(|| panic!("{class} missing from:\n{out}"))
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };
    let version = env!("CARGO_PKG_VERSION");
    assert_eq!(
        line("org.apache.kafka.connect.file.FileStreamSourceConnector"),
        format!(
            "source org.apache.kafka.connect.file.FileStreamSourceConnector {version} FileStreamSourceConnector, FileStreamSource"
        )
    );
    assert_eq!(
        line("io.debezium.connector.postgresql.PostgresConnector"),
        format!("source io.debezium.connector.postgresql.PostgresConnector {version} PostgresConnector, Postgres")
    );
    assert!(line("org.apache.kafka.connect.transforms.Cast$Value").starts_with("transformation "));
    assert!(line("org.apache.kafka.common.config.provider.FileConfigProvider").starts_with("config_provider "));
}

#[test]
fn completions_are_printed_for_a_shell() {
    let (ok, out, err) = kconnect(&["completions", "bash"]);
    assert!(ok, "{err}");
    assert!(
        out.contains("complete -F _kconnect") && out.contains("validate"),
        "{out}"
    );
    let (ok, _, err) = kconnect(&["completions", "tcsh"]);
    assert!(!ok && err.contains("tcsh"), "an unknown shell is refused: {err}");
}

#[test]
fn the_configuration_reference_in_docs_is_current() {
    let (ok, out, err) = kconnect(&["docs"]);
    assert!(ok, "{err}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/reference/configuration.md");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == out,
        "docs/reference/configuration.md is not what `kconnect docs` prints: run `cargo run --bin kconnect -- docs > docs/reference/configuration.md`"
    );
}
