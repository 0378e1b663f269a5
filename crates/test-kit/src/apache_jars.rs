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

/// Every jar of the reference runtime's class path, Debezium's included.
pub fn apache_jars() -> Vec<PathBuf> {
    let output = Command::new(apache_connect())
        .arg("classpath")
        .env("APACHE_CONNECT_DEBEZIUM", "1")
        .output()
        .expect("run apache-connect classpath");
    assert!(
        output.status.success(),
        "apache-connect classpath: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    std::env::split_paths(String::from_utf8_lossy(&output.stdout).trim()).collect()
}

/// The jars of the reference class path whose file names start with one of `prefixes`
/// (`connect-file-`), one at least for each.
pub fn apache_jars_named(prefixes: &[&str]) -> Vec<PathBuf> {
    let jars = apache_jars();
    let named = |prefix: &str, jar: &Path| {
        jar.file_name()
            .and_then(|n| n.to_str())
            .is_some_and(|n| n.starts_with(prefix))
    };
    for prefix in prefixes {
        assert!(
            jars.iter().any(|jar| named(prefix, jar)),
            "no {prefix}*.jar on apache-connect's class path"
        );
    }
    jars.into_iter()
        .filter(|jar| prefixes.iter().any(|prefix| named(prefix, jar)))
        .collect()
}

/// A plugin directory `name` under `dir`/plugins holding the reference jars named by `prefixes`,
/// as a user unpacks a connector's archive into plugin.path; returns the plugin.path entry.
pub fn plugin_directory(dir: &Path, name: &str, prefixes: &[&str]) -> PathBuf {
    let plugins = dir.join("plugins");
    let plugin = plugins.join(name);
    std::fs::create_dir_all(&plugin).expect("create the plugin directory");
    for jar in apache_jars_named(prefixes) {
        std::fs::copy(&jar, plugin.join(jar.file_name().unwrap())).expect("copy a plugin jar");
    }
    plugins
}

/// The worker lines that run Java plugins from `plugin_path` with the Connect API (and Jackson,
/// which Kafka's libs give plugins such as Debezium, and a logging binding, so that the plugins'
/// errors reach the worker's log) on the JVM's class path.
pub fn java_plugin_worker(plugin_path: &Path) -> String {
    let api = apache_jars_named(&[
        "connect-api-",
        "kafka-clients-",
        "slf4j-api-",
        "jackson-core-",
        "jackson-databind-",
        "jackson-annotations-",
        "log4j-slf4j2-impl-",
        "log4j-api-",
        "log4j-core-",
    ]);
    let api: Vec<String> = api.iter().map(|jar| jar.display().to_string()).collect();
    format!(
        "plugin.path={}\nkconnect.java.classpath={}\n",
        plugin_path.display(),
        api.join(",")
    )
}
