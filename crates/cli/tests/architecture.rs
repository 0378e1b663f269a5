//! The dependency direction: plugins (connectors, converters, transformations) depend on the API
//! crate, never on the runtime, the broker or a Kafka client; the worker's crates depend on no
//! plugin; only the binary's plugin table names the connector families, each behind its feature.

use std::path::{Path, PathBuf};

/// What no plugin crate may depend on.
const WORKER_CRATES: [&str; 7] = [
    "kconnect-runtime",
    "kconnect-broker",
    "kconnect-rest",
    "kconnect-distributed",
    "kconnect-storage",
    "rdkafka",
    "tansu",
];
/// The plugin crates that are not connector families.
const OTHER_PLUGIN_CRATES: [&str; 7] = [
    "api",
    "memo",
    "cdc",
    "converters",
    "transforms",
    "config-providers",
    "test-plugins",
];
/// The crates of the worker, which are handed their plugins.
const WORKER_DIRS: [&str; 5] = ["runtime", "storage", "distributed", "rest", "broker"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The names in `section` (`[dependencies]`, `[features]`) of a manifest.
fn section_names(manifest: &Path, section: &str) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("manifest");
    let mut inside = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            inside = line == section;
        } else if inside && let Some((name, _)) = line.split_once('=') {
            names.push(name.trim().trim_end_matches(".workspace").to_string());
        }
    }
    names
}

/// Every connector family: its directory name under `connectors/`.
fn families() -> Vec<String> {
    let mut families: Vec<String> = std::fs::read_dir(root().join("connectors"))
        .expect("connectors dir")
        .map(|entry| entry.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    families.sort();
    families
}

fn plugin_manifests() -> Vec<PathBuf> {
    let crates = OTHER_PLUGIN_CRATES.iter().map(|c| root().join("crates").join(c));
    let connectors = families().into_iter().map(|f| root().join("connectors").join(f));
    crates.chain(connectors).map(|dir| dir.join("Cargo.toml")).collect()
}

fn rust_files(dir: &Path, files: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("source dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, files);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
}

#[test]
fn plugin_crates_depend_only_on_the_api() {
    for manifest in plugin_manifests() {
        let names = section_names(&manifest, "[dependencies]");
        assert!(
            !names.is_empty() || manifest.ends_with("crates/api/Cargo.toml"),
            "{} has dependencies",
            manifest.display()
        );
        for name in names {
            assert!(
                !WORKER_CRATES.iter().any(|f| name.starts_with(f)),
                "{} depends on {name}",
                manifest.display()
            );
        }
    }
}

#[test]
fn the_worker_depends_on_no_plugin() {
    let plugins: Vec<String> = OTHER_PLUGIN_CRATES
        .iter()
        .filter(|c| **c != "api")
        .map(|c| format!("kconnect-{c}"))
        .chain(families().into_iter().map(|f| format!("kconnect-{f}")))
        .collect();
    for dir in WORKER_DIRS {
        let manifest = root().join("crates").join(dir).join("Cargo.toml");
        for name in section_names(&manifest, "[dependencies]") {
            assert!(!plugins.contains(&name), "crates/{dir} depends on plugin crate {name}");
        }
    }
}

#[test]
fn only_the_plugin_table_names_a_connector_family_and_each_has_a_default_feature() {
    let table = root().join("crates/cli/src/plugins.rs");
    let mut files = Vec::new();
    for dir in WORKER_DIRS.iter().chain(&["api", "converters", "transforms", "cli"]) {
        rust_files(&root().join("crates").join(dir).join("src"), &mut files);
    }
    let manifest = std::fs::read_to_string(root().join("crates/cli/Cargo.toml")).expect("cli manifest");
    for family in families() {
        let module = format!("kconnect_{}::", family.replace('-', "_"));
        for file in files
            .iter()
            .filter(|f| f.canonicalize().ok() != table.canonicalize().ok())
        {
            let text = std::fs::read_to_string(file).expect("source");
            let code = text.lines().filter(|line| !line.trim_start().starts_with("//"));
            assert!(
                !code.into_iter().any(|line| line.contains(&module)),
                "{} names {module}",
                file.display()
            );
        }
        // The features that turn the family on: its own, or one per system of a family crate
        // holding several (connectors/queues).
        let features: Vec<&str> = manifest
            .lines()
            .filter(|l| l.contains(&format!("\"dep:kconnect-{family}\"")))
            .filter_map(|l| l.split(" = ").next())
            .collect();
        assert!(!features.is_empty(), "crates/cli has a feature for {family}");
        let table_text = std::fs::read_to_string(&table).expect("plugin table");
        assert!(table_text.contains(&module), "the plugin table merges {family}");
        let default = manifest
            .lines()
            .find(|l| l.starts_with("default = "))
            .expect("default features");
        for feature in features {
            assert!(
                table_text.contains(&format!("feature = \"{feature}\"")),
                "the plugin table merges {family} behind feature {feature}"
            );
            assert!(
                default.contains(&format!("\"{feature}\"")),
                "{feature} is a default feature"
            );
        }
    }
}
