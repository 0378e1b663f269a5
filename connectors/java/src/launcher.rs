//! Starting a JVM that hosts Java plugins: finding `java` and `javac`, compiling the host's own
//! sources (kept in this crate, compiled once per version and class path into kconnect's cache),
//! and running it with the Connect API on its class path.

use std::hash::{Hash, Hasher};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::config::{CLASSPATH, JavaSettings};
use crate::error::JavaError;

/// The host's Java sources, compiled at first use.
const HOST_SOURCES: [(&str, &str); 11] = [
    ("ClassScan.java", include_str!("../host/kconnect/host/ClassScan.java")),
    ("Codec.java", include_str!("../host/kconnect/host/Codec.java")),
    ("ConfigJson.java", include_str!("../host/kconnect/host/ConfigJson.java")),
    ("Contexts.java", include_str!("../host/kconnect/host/Contexts.java")),
    ("Host.java", include_str!("../host/kconnect/host/Host.java")),
    ("Instance.java", include_str!("../host/kconnect/host/Instance.java")),
    ("Json.java", include_str!("../host/kconnect/host/Json.java")),
    ("LoaderSwap.java", include_str!("../host/kconnect/host/LoaderSwap.java")),
    (
        "PluginLoader.java",
        include_str!("../host/kconnect/host/PluginLoader.java"),
    ),
    ("Plugins.java", include_str!("../host/kconnect/host/Plugins.java")),
    ("Wire.java", include_str!("../host/kconnect/host/Wire.java")),
];

/// The main class of the host.
const MAIN_CLASS: &str = "kconnect.host.Host";

/// How to start a host JVM: the `java` to run, its options and its class path.
#[derive(Debug, Clone)]
pub struct Launcher {
    java: PathBuf,
    options: Vec<String>,
    classpath: String,
}

impl Launcher {
    /// Finds Java, checks that the class path `jars` holds the Connect API, and compiles the host
    /// if this version of it was not compiled against these jars before; JVMs start with
    /// `settings`' options.
    pub fn prepare(settings: &JavaSettings, jars: Vec<PathBuf>) -> Result<Self, JavaError> {
        let has_connect_api = jars.iter().any(|jar| {
            jar.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("connect-api"))
        });
        if !has_connect_api {
            return Err(JavaError::Start(format!(
                "{CLASSPATH} names no connect-api jar; set it to Kafka's libs directory (or to connect-api, kafka-clients and slf4j-api jars)"
            )));
        }
        let java = tool("java")?;
        let join = |paths: &[PathBuf]| {
            std::env::join_paths(paths)
                .map(|joined| joined.to_string_lossy().into_owned())
                .map_err(|err| JavaError::Start(format!("{CLASSPATH}: {err}")))
        };
        let classes = compiled_host(&join(&jars)?)?;
        let classpath = join(&[vec![classes], jars].concat())?;
        Ok(Self {
            java,
            options: settings.java_opts.clone(),
            classpath,
        })
    }

    /// Starts a host JVM with piped standard streams, with the worker's options and then
    /// `connector_options`. A JVM that runs out of memory exits, so that its connectors fail and
    /// restart instead of limping on.
    pub fn spawn(&self, connector_options: &[String]) -> Result<std::process::Child, JavaError> {
        Command::new(&self.java)
            .arg("-XX:+ExitOnOutOfMemoryError")
            .args(&self.options)
            .args(connector_options)
            .arg("-cp")
            .arg(&self.classpath)
            .arg(MAIN_CLASS)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|err| JavaError::Start(format!("{}: {err}", self.java.display())))
    }
}

/// A JDK tool: from `$JAVA_HOME/bin`, else from `PATH`.
fn tool(name: &str) -> Result<PathBuf, JavaError> {
    if let Some(home) = std::env::var_os("JAVA_HOME") {
        let path = Path::new(&home).join("bin").join(name);
        return if path.is_file() {
            Ok(path)
        } else {
            Err(JavaError::Start(format!(
                "JAVA_HOME has no bin/{name}: {}",
                path.display()
            )))
        };
    }
    std::env::var_os("PATH")
        .iter()
        .flat_map(std::env::split_paths)
        .map(|dir| dir.join(name))
        .find(|path| path.is_file())
        .ok_or_else(|| {
            JavaError::Start(format!(
                "no {name} on PATH and JAVA_HOME is unset: Java plugins need a JDK (17 or later)"
            ))
        })
}

/// Where compiled hosts are kept.
fn cache_dir() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| Path::new(&home).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("kconnect")
}

/// The directory of the host's classes compiled against `classpath`, compiling them first if
/// needed (into a fresh directory renamed into place, so that workers starting together do not
/// see each other's half-written classes).
fn compiled_host(classpath: &str) -> Result<PathBuf, JavaError> {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    HOST_SOURCES.hash(&mut hasher);
    classpath.hash(&mut hasher);
    let target = cache_dir().join(format!("java-host-{:016x}", hasher.finish()));
    if target.join("kconnect/host/Host.class").is_file() {
        return Ok(target);
    }
    let fail = |what: &str, err: &dyn std::fmt::Display| JavaError::Start(format!("{what}: {err}"));
    let parent = cache_dir();
    std::fs::create_dir_all(&parent).map_err(|err| fail(&parent.display().to_string(), &err))?;
    let work = parent.join(format!("java-host-build-{}", std::process::id()));
    let sources = work.join("src");
    let classes = work.join("classes");
    std::fs::create_dir_all(&sources).map_err(|err| fail("cannot write the host's sources", &err))?;
    let mut files = Vec::new();
    for (name, text) in HOST_SOURCES {
        let file = sources.join(name);
        std::fs::write(&file, text).map_err(|err| fail("cannot write the host's sources", &err))?;
        files.push(file);
    }
    let output = Command::new(tool("javac")?)
        .arg("-nowarn")
        .arg("-d")
        .arg(&classes)
        .arg("-cp")
        .arg(classpath)
        .args(&files)
        .output()
        .map_err(|err| fail("cannot run javac", &err))?;
    if !output.status.success() {
        let _ = std::fs::remove_dir_all(&work);
        return Err(JavaError::Start(format!(
            "the Java plugin host does not compile against {CLASSPATH}:\n{}",
            String::from_utf8_lossy(&output.stderr)
        )));
    }
    if std::fs::rename(&classes, &target).is_err() && !target.is_dir() {
        let _ = std::fs::remove_dir_all(&work);
        return Err(JavaError::Start(format!(
            "cannot move the compiled host to {}",
            target.display()
        )));
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(target)
}
