//! The worker keys of Java plugins: where they are, what the JVM needs to run them, and which of
//! a class found both natively and on `plugin.path` runs.

use std::path::{Path, PathBuf};

use kconnect_api::config::{PluginConfig, Validator};
use kconnect_api::{ConfigDef, ConfigKey, ConfigMap, ConfigType, ConfigValue, Importance, Result};

/// Apache's plugin.path: directories of plugins, or plugin jars.
pub const PLUGIN_PATH: &str = "plugin.path";
/// kconnect's: the JVM's own class path, where the Connect API comes from.
pub const CLASSPATH: &str = "kconnect.java.classpath";
/// kconnect's: options of the JVM (heap, flags).
pub const JAVA_OPTS: &str = "kconnect.java.opts";
/// Apache's: how plugins are found (`service_load`, `only_scan`, `hybrid_warn`, `hybrid_fail`).
pub const DISCOVERY: &str = "plugin.discovery";
/// kconnect's: which plugin runs when a class is both built in and on plugin.path.
pub const PREFER: &str = "kconnect.plugins.prefer";
/// kconnect's: one JVM for all Java plugins, or one per connector.
pub const ISOLATION: &str = "kconnect.java.isolation";
/// kconnect's: how long a JVM may leave a ping unanswered before it is killed.
pub const ANSWER_TIMEOUT: &str = "kconnect.java.answer.timeout.ms";
/// kconnect's, in a task configuration: the connector whose JVM the task runs in.
pub const TASK_CONNECTOR: &str = "kconnect.java.connector";

/// How Java connectors share JVMs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Isolation {
    /// One JVM for every Java plugin of the worker (the default).
    Worker,
    /// A JVM per connector, for it and its tasks, with the connector's own `kconnect.java.opts`:
    /// one connector's out-of-memory or crash takes no other down.
    Connector,
}

/// What to do with a class both built in and on `plugin.path`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prefer {
    /// The built-in plugin runs (the default).
    Native,
    /// The Java plugin runs.
    Java,
}

/// The worker's Java plugin settings.
#[derive(Debug, Clone)]
pub struct JavaSettings {
    /// The entries of `plugin.path`.
    pub plugin_path: Vec<PathBuf>,
    /// How plugins are found, as `plugin.discovery` names it.
    pub discovery: String,
    /// Jars and directories of jars the JVM runs with: Kafka's `libs` (connect-api,
    /// kafka-clients, slf4j-api at least).
    pub classpath: Vec<PathBuf>,
    /// JVM options, split on whitespace.
    pub java_opts: Vec<String>,
    /// Which plugin wins a class found twice.
    pub prefer: Prefer,
    /// How connectors share JVMs.
    pub isolation: Isolation,
    /// How long a JVM may leave a ping unanswered before it is killed.
    pub answer_timeout: std::time::Duration,
}

impl PluginConfig for JavaSettings {
    fn definition() -> ConfigDef {
        ConfigDef::new()
            .define(
                ConfigKey::new(PLUGIN_PATH, ConfigType::List)
                    .default_value(ConfigValue::List(Vec::new()))
                    .importance(Importance::Low)
                    .doc("Directories of Java plugins (each jar, or directory of jars, directly inside is one plugin with its own class loader), or plugin jars themselves. Their connectors run in a JVM beside the worker; without jars here no JVM starts."),
            )
            .define(
                ConfigKey::new(DISCOVERY, ConfigType::String)
                    .default_value(ConfigValue::String("hybrid_warn".into()))
                    .validator(Validator::OneOfIgnoreCase(
                        ["only_scan", "hybrid_warn", "hybrid_fail", "service_load"].map(String::from).to_vec(),
                    ))
                    .importance(Importance::Low)
                    .doc("How the plugins of plugin.path are found: service_load by their ServiceLoader manifests, only_scan by scanning their classes, hybrid_warn both, warning about a plugin only the scan found, hybrid_fail both, failing the start on one."),
            )
            .define(
                ConfigKey::new(CLASSPATH, ConfigType::List)
                    .default_value(ConfigValue::List(Vec::new()))
                    .importance(Importance::Low)
                    .doc("kconnect only: jars, or directories of jars, the JVM hosting Java plugins runs with: Kafka's libs directory, or at least connect-api, kafka-clients and slf4j-api. Empty: $KAFKA_HOME/libs."),
            )
            .define(
                ConfigKey::new(JAVA_OPTS, ConfigType::String)
                    .default_value(ConfigValue::String(String::new()))
                    .importance(Importance::Low)
                    .doc("kconnect only: options of the JVM hosting Java plugins, such as -Xmx512m. In a connector's configuration, with kconnect.java.isolation=connector: options of that connector's own JVM, after the worker's."),
            )
            .define(
                ConfigKey::new(ISOLATION, ConfigType::String)
                    .default_value(ConfigValue::String("worker".into()))
                    .validator(Validator::OneOfIgnoreCase(vec!["worker".into(), "connector".into()]))
                    .importance(Importance::Low)
                    .doc("kconnect only: worker runs every Java plugin in one JVM; connector gives each Java connector (and its tasks) a JVM of its own, started with the kconnect.java.opts of the connector's configuration after the worker's, so that one connector running out of memory or crashing fails no other."),
            )
            .define(
                ConfigKey::new(ANSWER_TIMEOUT, ConfigType::Long)
                    .default_value(ConfigValue::Long(30_000))
                    .validator(Validator::AtLeast(100.0))
                    .importance(Importance::Low)
                    .doc("kconnect only: a JVM hosting Java plugins that leaves a ping unanswered this long (its reader thread answers, whatever the plugins do) is killed, and the tasks it ran fail with why."),
            )
            .define(
                ConfigKey::new(PREFER, ConfigType::String)
                    .default_value(ConfigValue::String("native".into()))
                    .validator(Validator::OneOfIgnoreCase(vec!["native".into(), "java".into()]))
                    .importance(Importance::Low)
                    .doc("kconnect only: which plugin runs when a class is both built in and on plugin.path: native or java."),
            )
    }

    fn from_parsed(parsed: &kconnect_api::config::ParsedConfig) -> Result<Self> {
        let paths = |key| parsed.list(key).into_iter().map(PathBuf::from).collect();
        Ok(Self {
            plugin_path: paths(PLUGIN_PATH),
            discovery: parsed.get_string(DISCOVERY)?.to_ascii_lowercase(),
            classpath: paths(CLASSPATH),
            java_opts: split_java_opts(parsed.get_string(JAVA_OPTS)?),
            prefer: if parsed.get_string(PREFER)?.eq_ignore_ascii_case("java") {
                Prefer::Java
            } else {
                Prefer::Native
            },
            isolation: if parsed.get_string(ISOLATION)?.eq_ignore_ascii_case("connector") {
                Isolation::Connector
            } else {
                Isolation::Worker
            },
            answer_timeout: parsed.get_millis(ANSWER_TIMEOUT)?,
        })
    }
}

impl JavaSettings {
    /// The settings of a worker configuration (unknown keys are the worker's business).
    pub fn from_worker(config: &ConfigMap) -> Result<Self> {
        let definition = Self::definition();
        let own: ConfigMap = config
            .iter()
            .filter(|(key, _)| definition.key(key).is_some())
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        Self::parse(&own)
    }

    /// Whether `plugin.path` holds anything a JVM could load: a jar, a zip or a class file.
    pub fn has_java_plugins(&self) -> bool {
        self.plugin_path.iter().any(|entry| holds_java(entry, 3))
    }

    /// The JVM's class path: each jar named, and every jar of each directory named; with none
    /// named, the jars of `$KAFKA_HOME/libs`.
    pub fn classpath_jars(&self) -> Vec<PathBuf> {
        let kafka_libs = std::env::var_os("KAFKA_HOME").map(|home| vec![Path::new(&home).join("libs")]);
        let entries = match (&self.classpath[..], kafka_libs) {
            ([], Some(libs)) => libs,
            (named, _) => named.to_vec(),
        };
        let mut jars = Vec::new();
        for entry in &entries {
            if entry.is_dir() {
                let mut found: Vec<PathBuf> = std::fs::read_dir(entry)
                    .into_iter()
                    .flatten()
                    .flatten()
                    .map(|e| e.path())
                    .filter(|p| is_archive(p))
                    .collect();
                found.sort();
                jars.extend(found);
            } else {
                jars.push(entry.clone());
            }
        }
        jars
    }
}

/// JVM options as `kconnect.java.opts` gives them: separated by whitespace.
pub(crate) fn split_java_opts(opts: &str) -> Vec<String> {
    opts.split_whitespace().map(str::to_string).collect()
}

fn is_archive(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("jar") || e.eq_ignore_ascii_case("zip"))
}

fn holds_java(path: &Path, depth: usize) -> bool {
    if path.is_file() {
        return is_archive(path) || path.extension().is_some_and(|e| e == "class");
    }
    depth > 0
        && std::fs::read_dir(path)
            .into_iter()
            .flatten()
            .flatten()
            .any(|entry| holds_java(&entry.path(), depth - 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(pairs: &[(&str, &str)]) -> JavaSettings {
        let config: ConfigMap = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        JavaSettings::from_worker(&config).unwrap()
    }

    #[test]
    fn defaults_prefer_native_and_find_no_plugins() {
        let settings = settings(&[("bootstrap.servers", "x:9092")]);
        assert_eq!(settings.prefer, Prefer::Native);
        assert!(!settings.has_java_plugins());
    }

    #[test]
    fn a_jar_in_a_plugin_directory_is_found() {
        let dir = tempfile::tempdir().unwrap();
        let plugin = dir.path().join("my-connector");
        std::fs::create_dir(&plugin).unwrap();
        let settings = settings(&[(PLUGIN_PATH, dir.path().to_str().unwrap()), (PREFER, "JAVA")]);
        assert!(!settings.has_java_plugins(), "an empty directory holds no plugin");
        std::fs::write(plugin.join("my-connector-1.0.jar"), b"").unwrap();
        assert!(settings.has_java_plugins());
        assert_eq!(settings.prefer, Prefer::Java);
    }

    #[test]
    fn a_bad_preference_names_its_key() {
        let config: ConfigMap = [(PREFER.to_string(), "jvm".to_string())].into();
        let err = JavaSettings::from_worker(&config).unwrap_err().to_string();
        assert!(err.contains(PREFER), "{err}");
    }

    #[test]
    fn the_classpath_lists_the_jars_of_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("b.jar"), b"").unwrap();
        std::fs::write(dir.path().join("a.jar"), b"").unwrap();
        std::fs::write(dir.path().join("notes.txt"), b"").unwrap();
        let settings = settings(&[(CLASSPATH, &format!("{},/x/c.jar", dir.path().display()))]);
        let names: Vec<_> = settings
            .classpath_jars()
            .into_iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(names.len(), 3);
        assert!(names[0].ends_with("a.jar") && names[1].ends_with("b.jar") && names[2] == "/x/c.jar");
    }
}
