//! The dependency direction: plugins (connectors, converters) depend on the API crate, never on
//! the runtime, the broker or a Kafka client.

use std::path::Path;

const FORBIDDEN: [&str; 5] = [
    "kconnect-runtime",
    "kconnect-broker",
    "kconnect-rest",
    "rdkafka",
    "tansu",
];

fn dependency_names(manifest: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(manifest).expect("manifest");
    let mut in_dependencies = false;
    let mut names = Vec::new();
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]";
        } else if in_dependencies && let Some((name, _)) = line.split_once('=') {
            names.push(name.trim().trim_end_matches(".workspace").to_string());
        }
    }
    names
}

#[test]
fn plugin_crates_depend_only_on_the_api() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut manifests = vec![
        root.join("crates/api/Cargo.toml"),
        root.join("crates/converters/Cargo.toml"),
    ];
    for entry in std::fs::read_dir(root.join("connectors")).expect("connectors dir") {
        manifests.push(entry.expect("entry").path().join("Cargo.toml"));
    }
    for manifest in manifests {
        let names = dependency_names(&manifest);
        assert!(
            !names.is_empty() || manifest.ends_with("crates/api/Cargo.toml"),
            "{} has dependencies",
            manifest.display()
        );
        for name in names {
            assert!(
                !FORBIDDEN.iter().any(|f| name.starts_with(f)),
                "{} depends on {name}",
                manifest.display()
            );
        }
    }
}
