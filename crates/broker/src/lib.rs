//! The embedded Kafka-compatible broker.
//!
//! With no `bootstrap.servers` in its configuration the worker starts this broker in-process (the
//! `tansu-broker` crate), so a pipeline runs on a machine with nothing else installed.
//! `kconnect broker` runs it on its own. Storage is SQLite under a data directory by default, so a
//! kill -9 loses nothing that was acknowledged, or memory for benchmarks.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use tansu_broker::coordinator::group::administrator::Controller;
use tansu_service::BytesFrameLayer;
use tansu_storage::{BrokerRegistrationRequest, Storage, StorageContainer};
use thiserror::Error;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use url::Url;

use transactions::Transactions;

mod server;
mod stale_members;
mod transactions;

/// The cluster id the embedded broker reports.
pub const CLUSTER_ID: &str = "kconnect-embedded";
/// The address the embedded broker listens on unless told otherwise.
pub const DEFAULT_LISTENER: &str = "127.0.0.1:9092";
const NODE_ID: i32 = 111;
/// The SQLite database's file name in the data directory.
const DATABASE_FILE: &str = "tansu.db";
/// The transactions journal's file name in the data directory.
const TRANSACTIONS_FILE: &str = "transactions.jsonl";
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
    stopped: CancellationToken,
}

impl EmbeddedBroker {
    /// Starts a broker; it accepts connections once this returns.
    pub async fn start(options: BrokerOptions) -> Result<Self, BrokerError> {
        let listen = options.listen;
        let bind_error = |source| BrokerError::Bind { addr: listen, source };
        let listener = std::net::TcpListener::bind(listen).map_err(bind_error)?;
        listener.set_nonblocking(true).map_err(bind_error)?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(bind_error)?;
        let addr = listener.local_addr().map_err(bind_error)?;
        let storage_url = storage_url(options.storage, &options.data_dir)?;
        let url =
            |addr: SocketAddr| Url::parse(&format!("tcp://{addr}")).map_err(|e| BrokerError::Config(e.to_string()));
        let advertised = url(options.advertised.unwrap_or(addr))?;
        // A new data directory has no groups to forget: skip opening its storage twice.
        if options.storage == StorageKind::Sqlite && options.data_dir.join(DATABASE_FILE).exists() {
            Self::forget_group_members(&storage_url, &advertised).await?;
        }
        let stopped = CancellationToken::new();
        let storage = open_storage(&storage_url, &advertised, &stopped).await?;
        storage
            .register_broker(BrokerRegistrationRequest {
                broker_id: NODE_ID,
                cluster_id: CLUSTER_ID.to_string(),
                incarnation_id: uuid::Uuid::new_v4(),
                rack: None,
            })
            .await
            .map_err(tansu_error)?;
        let groups = Controller::with_storage(storage.clone()).map_err(tansu_error)?;
        let sasl = match options.require_sasl {
            true => Some(tansu_auth::configuration(storage.clone()).map_err(tansu_error)?),
            false => None,
        };
        let transactions = match options.storage {
            StorageKind::Memory => Transactions::default(),
            StorageKind::Sqlite => {
                let path = options.data_dir.join(TRANSACTIONS_FILE);
                Transactions::journaled(&path).map_err(|source| BrokerError::DataDir {
                    path: path.display().to_string(),
                    source,
                })?
            }
        };
        let routes = server::route_table(&storage, groups, transactions).map_err(tansu_error)?;
        let frames = BytesFrameLayer::default().with_sasl_config(sasl);
        let serving = tokio::spawn(server::serve(listener, routes, frames, storage));
        tracing::info!("embedded broker listening on {addr}");
        Ok(Self { addr, serving, stopped })
    }

    /// Resets the groups an earlier run stored (see [`stale_members`]) before the broker serves.
    async fn forget_group_members(storage: &Url, advertised: &Url) -> Result<(), BrokerError> {
        let stopped = CancellationToken::new();
        let container = open_storage(storage, advertised, &stopped).await?;
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
        drop(self);
    }
}

impl Drop for EmbeddedBroker {
    fn drop(&mut self) {
        self.serving.abort();
        self.stopped.cancel();
    }
}

/// Tansu's storage at `url`, running until `stopped` is cancelled.
async fn open_storage(
    url: &Url,
    advertised: &Url,
    stopped: &CancellationToken,
) -> Result<StorageContainer, BrokerError> {
    StorageContainer::builder()
        .node_id(NODE_ID)
        .cluster_id(CLUSTER_ID)
        .advertised_listener(advertised.clone())
        .storage(url.clone())
        .cancellation(stopped.clone())
        .silent(true)
        .build()
        .await
        .map_err(tansu_error)
}

/// A tansu error as the broker's.
fn tansu_error(error: impl std::fmt::Debug) -> BrokerError {
    BrokerError::Tansu(format!("{error:?}"))
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
