//! Apache Kafka Connect 3.9's jars, from `../shared/tools/apache-connect` (or `$APACHE_CONNECT`),
//! which fetches them on first use: the reference runtime for side-by-side runs, and the plugin
//! jars (FileStream, Debezium) kconnect hosts in its JVM.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The reference runtime's launcher.
pub fn apache_connect() -> PathBuf {
    std::env::var_os("APACHE_CONNECT")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/tools/apache-connect"))
}

/// Every jar of the reference runtime's class path.
pub fn apache_jars() -> Vec<PathBuf> {
    let output = Command::new(apache_connect())
        .arg("classpath")
        .output()
        .expect("run apache-connect classpath");
    assert!(
        output.status.success(),
        "apache-connect classpath: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::env::split_paths(String::from_utf8_lossy(&output.stdout).trim()).collect()
}

/// The jar of the reference class path whose file name starts with `prefix` (`connect-file-`).
pub fn apache_jar(prefix: &str) -> PathBuf {
    apache_jars()
        .into_iter()
        .find(|jar| {
            jar.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix))
        })
        .unwrap_or_else(|| panic!("no {prefix}*.jar on apache-connect's class path"))
}
