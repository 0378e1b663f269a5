//! The embedded Kafka-compatible broker.
//!
//! With no `bootstrap.servers` in its configuration the worker starts this broker in-process (the
//! `tansu-broker` crate), so a pipeline runs on a machine with nothing else installed.
//! `kconnect broker` runs it on its own. Storage is SQLite under a data directory by default, so a
//! kill -9 loses nothing that was acknowledged, or memory for benchmarks.

use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use tansu_broker::broker::Broker;
use tansu_broker::coordinator::group::administrator::Controller;
use tansu_storage::StorageContainer;
use thiserror::Error;
use tokio::task::JoinHandle;
use url::Url;

mod stale_members;

/// The cluster id the embedded broker reports.
pub const CLUSTER_ID: &str = "kconnect-embedded";
/// The address the embedded broker listens on unless told otherwise.
pub const DEFAULT_LISTENER: &str = "127.0.0.1:9092";
const NODE_ID: i32 = 111;
const READY_TIMEOUT: Duration = Duration::from_secs(30);
/// The SQLite database's file name in the data directory.
const DATABASE_FILE: &str = "tansu.db";
const STORAGE_CLOSE: Duration = Duration::from_millis(100);

/// Where the broker keeps its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StorageKind {
    /// Nothing on disk: fastest, lost at exit.
    Memory,
    /// A SQLite database in the data directory.
    Sqlite,
}

impl FromStr for StorageKind {
    type Err = BrokerError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "memory" => Ok(Self::Memory),
            "sqlite" => Ok(Self::Sqlite),
            other => Err(BrokerError::Config(format!(
                "unknown storage '{other}': expected memory or sqlite"
            ))),
        }
    }
}

/// How to run the broker.
#[derive(Debug, Clone)]
pub struct BrokerOptions {
    /// The address to listen on.
    pub listen: SocketAddr,
    /// The address clients are told to connect to, when not `listen` (a TLS-terminating proxy in
    /// front of the broker, say).
    pub advertised: Option<SocketAddr>,
    /// Where SQLite storage keeps its database.
    pub data_dir: PathBuf,
    /// The storage engine.
    pub storage: StorageKind,
    /// Clients must authenticate with SASL before anything else. Tansu checks SCRAM credentials
    /// it stores but not PLAIN passwords, so this serves tests of clients' SASL, not security.
    pub require_sasl: bool,
}

/// Why the broker could not start.
#[derive(Debug, Error)]
pub enum BrokerError {
    /// Bad options.
    #[error("embedded broker: {0}")]
    Config(String),
    /// The listen address is taken or not ours.
    #[error(
        "embedded broker could not listen on {addr}: {source} (set embedded.broker.listener, or bootstrap.servers to use a running Kafka)"
    )]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// The data directory could not be created.
    #[error("embedded broker data directory {path}: {source}")]
    DataDir {
        /// The directory.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// Tansu failed.
    #[error("embedded broker failed: {0}")]
    Tansu(String),
}

/// A running embedded broker; dropping it stops the broker.
#[derive(Debug)]
pub struct EmbeddedBroker {
    addr: SocketAddr,
    serving: JoinHandle<()>,
}

impl EmbeddedBroker {
    /// Starts a broker and waits until it accepts connections.
    pub async fn start(options: BrokerOptions) -> Result<Self, BrokerError> {
        let addr = options.listen;
        TcpListener::bind(addr).map_err(|source| BrokerError::Bind { addr, source })?;
        let storage = storage_url(options.storage, &options.data_dir)?;
        let url =
            |addr: SocketAddr| Url::parse(&format!("tcp://{addr}")).map_err(|e| BrokerError::Config(e.to_string()));
        let listener = url(addr)?;
        let advertised = url(options.advertised.unwrap_or(addr))?;
        // A new data directory has no groups to forget: skip opening its storage twice.
        if options.storage == StorageKind::Sqlite && options.data_dir.join(DATABASE_FILE).exists() {
            Self::forget_group_members(&storage, &advertised).await?;
        }
        let mut broker = Broker::<Controller<StorageContainer>, StorageContainer>::builder()
            .node_id(NODE_ID)
            .cluster_id(CLUSTER_ID)
            .incarnation_id(uuid::Uuid::new_v4())
            .advertised_listener(advertised)
            .storage(storage)
            .listener(listener)
            .silent(true)
            .authentication(options.require_sasl)
            .build()
            .await
            .map_err(|e| BrokerError::Tansu(format!("{e:?}")))?;
        let serving = tokio::spawn(async move {
            if let Err(err) = broker.serve(tokio::time::Instant::now()).await {
                tracing::error!(error = ?err, "embedded broker stopped");
            }
        });
        let started = tokio::time::Instant::now();
        while TcpStream::connect_timeout(&addr, Duration::from_millis(200)).is_err() {
            if serving.is_finished() || started.elapsed() > READY_TIMEOUT {
                serving.abort();
                return Err(BrokerError::Tansu(format!("did not start listening on {addr}")));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        tracing::info!("embedded broker listening on {addr}");
        Ok(Self { addr, serving })
    }

    /// Resets the groups an earlier run stored (see [`stale_members`]) before the broker serves.
    async fn forget_group_members(storage: &Url, advertised: &Url) -> Result<(), BrokerError> {
        let stopped = tokio_util::sync::CancellationToken::new();
        let container = StorageContainer::builder()
            .node_id(NODE_ID)
            .cluster_id(CLUSTER_ID)
            .advertised_listener(advertised.clone())
            .storage(storage.clone())
            .cancellation(stopped.clone())
            .build()
            .await
            .map_err(|e| BrokerError::Tansu(format!("{e:?}")))?;
        let groups = stale_members::forget_group_members(&container).await;
        // The storage's server task closes its SQLite connections once cancelled; give it a
        // moment, or the broker's own storage finds the database locked.
        stopped.cancel();
        drop(container);
        tokio::time::sleep(STORAGE_CLOSE).await;
        let groups = groups?;
        tracing::debug!(groups, "forgot the members of the groups an earlier run stored");
        Ok(())
    }

    /// The address clients connect to.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The `bootstrap.servers` value for clients.
    pub fn bootstrap_servers(&self) -> String {
        self.addr.to_string()
    }

    /// Stops the broker.
    pub fn stop(self) {
        self.serving.abort();
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        self.serving.abort();
    }
}

/// Tansu's storage URL for `kind` under `data_dir`.
fn storage_url(kind: StorageKind, data_dir: &Path) -> Result<Url, BrokerError> {
    match kind {
        StorageKind::Memory => Url::parse("memory://tansu/").map_err(|e| BrokerError::Config(e.to_string())),
        StorageKind::Sqlite => {
            let data_error = |source| BrokerError::DataDir {
                path: data_dir.display().to_string(),
                source,
            };
            std::fs::create_dir_all(data_dir).map_err(data_error)?;
            let absolute = std::fs::canonicalize(data_dir).map_err(data_error)?.join(DATABASE_FILE);
            // Tansu joins the URL path (less one leading slash) to the working directory: a path
            // that starts with two slashes stays absolute.
            Url::parse(&format!("sqlite:///{}", absolute.display())).map_err(|e| BrokerError::Config(e.to_string()))
        }
    }
}
