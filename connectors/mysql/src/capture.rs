//! What a task runs in the background: checks the server, takes the snapshot when
//! `snapshot.mode` says so (`snapshot.rs`), then reads the binary log from where the snapshot or
//! the last committed offset left off (`binlog.rs`). Records go to the task through the pump's
//! bounded outbox.

use kconnect_api::schema::SchemaRef;
use kconnect_api::{ConnectError, OffsetMap, Result, SourceRecord};
use kconnect_cdc::changes::{ChangeRecords, RowChange};
use kconnect_cdc::envelope::Op;
use kconnect_cdc::modes::SnapshotMode;
use kconnect_cdc::now_micros;
use kconnect_cdc::pump::Outbox;
use mysql_async::Value as Sql;

use crate::client;
use crate::config::{Flavor, MySqlCdcConfig};
use crate::offsets::Position;
use crate::table::{BinlogSource, TableShape, source_schema};
use crate::types::Origin;

/// Builds the records of a connector's changes.
pub struct Events {
    flavor: Flavor,
    server: String,
    source_schema: SchemaRef,
    changes: ChangeRecords,
}

impl Events {
    /// The builder of `config`'s records.
    pub fn new(config: &MySqlCdcConfig) -> Self {
        Self {
            flavor: config.flavor,
            server: config.common.topic_prefix.clone(),
            source_schema: source_schema(config.flavor),
            changes: ChangeRecords::of(&config.common),
        }
    }

    /// The `source` block's schema, which every table's envelope embeds.
    pub fn source_schema(&self) -> SchemaRef {
        self.source_schema.clone()
    }

    /// The records of one change of a row of `shape`, from its row images as `origin` gives them,
    /// read at `at`, resuming after it at `offset`.
    #[allow(clippy::too_many_arguments, reason = "one change, its parts named")]
    pub fn records(
        &self,
        shape: &TableShape,
        op: Op,
        before: Option<Vec<Sql>>,
        after: Option<Vec<Sql>>,
        origin: Origin,
        at: &BinlogSource,
        offset: OffsetMap,
    ) -> Result<Vec<SourceRecord>> {
        let before = before.map(|image| shape.row_and_key(image, origin)).transpose()?;
        let after = after.map(|image| shape.row_and_key(image, origin)).transpose()?;
        let change = RowChange::new(op, before, after);
        let source = shape.source(&self.source_schema, self.flavor, &self.server, at)?;
        self.changes
            .records(shape.schemas(), change, source, offset, now_micros())
    }
}

/// Where a capture sends its records, and what it starts from.
pub struct Capture {
    /// The task's config.
    pub config: MySqlCdcConfig,
    /// Where the last committed offset left off.
    pub position: Option<Position>,
    /// Where the records go, in order.
    pub outbox: Outbox,
}

impl Capture {
    /// Runs until the task stops it or the capture fails.
    pub async fn capture(self) -> Result<()> {
        let config = &self.config;
        let mut sql = client::connect(&config.connection).await?;
        let server = client::check_server(&mut sql, config.server_id, &config.common.topic_prefix).await?;
        let events = Events::new(config);
        let mode = config.common.snapshot_mode;
        let committed = self.position.clone();
        let readable = match &committed {
            Some(position) => client::has_binlog(&mut sql, &position.restart.file).await?,
            None => false,
        };
        let completed = committed.as_ref().is_some_and(|p| p.snapshot_completed);
        let start = match committed {
            Some(position) if !readable && mode != SnapshotMode::WhenNeeded => {
                return Err(ConnectError::config(
                    "snapshot.mode",
                    format!(
                        "the committed binary log position {}:{} is no longer on the server (purged): snapshot.mode=when_needed takes a new snapshot",
                        position.restart.file, position.restart.pos
                    ),
                ));
            }
            Some(position) if readable && !mode.snapshots(completed) => position.restart,
            Some(position) if readable && mode != SnapshotMode::Always => {
                let resumed = position
                    .unfinished_snapshot
                    .map(|progress| (position.restart, progress));
                self.snapshot(&server, &events, resumed).await?
            }
            _ if mode.snapshots(false) => self.snapshot(&server, &events, None).await?,
            _ => client::current_position(&mut sql, &server).await?,
        };
        if !mode.streams() {
            tracing::info!("snapshot.mode=initial_only: the snapshot is complete and nothing is streamed");
            std::future::pending::<()>().await;
        }
        self.stream(sql, &server, &events, start).await
    }
}
