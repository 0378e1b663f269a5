//! `io.debezium.connector.mysql.MySqlConnector` and `io.debezium.connector.mariadb.MariaDbConnector`:
//! one task, which captures the server's changes in the background and hands them over at each
//! poll.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use kconnect_api::metrics::Gauge;
use kconnect_api::{OffsetMap, Result, SourceTaskContext, TopicLog};
use kconnect_cdc::config::CommonConfig;
use kconnect_cdc::connector::CdcConnector;
use kconnect_cdc::file_log::FileLog;
use kconnect_cdc::pump::Outbox;
use kconnect_cdc::task::{Capturing, CdcTask};

use crate::capture::Capture;
use crate::config::{Flavor, HistoryStore, MySqlCdcConfig};
use crate::history::SchemaHistory;
use crate::offsets::Position;

/// The connector: validates Debezium's keys and runs one task, as Debezium's MySQL connector.
pub type MySqlCdcConnector = CdcConnector<MySqlCdcConfig>;

/// The connector written for `flavor`'s servers.
pub fn connector(flavor: Flavor) -> MySqlCdcConnector {
    CdcConnector::new(move || {
        Box::new(CdcTask::new(MySqlCapturing {
            flavor,
            history: None,
            behind: None,
        }))
    })
}

/// What a MySQL or MariaDB task runs: the capture of `flavor`'s server.
pub struct MySqlCapturing {
    flavor: Flavor,
    /// The schema history's log, once the task is configured (`None` with `MemorySchemaHistory`).
    history: Option<Arc<dyn TopicLog>>,
    /// Where the task reports how far behind the server it reads (`milli-seconds-behind-source`).
    behind: Option<Arc<Gauge>>,
}

impl Capturing for MySqlCapturing {
    type Config = MySqlCdcConfig;
    type Capture = BoxFuture<'static, Result<()>>;

    fn configure(&mut self, context: &Arc<dyn SourceTaskContext>) -> Result<MySqlCdcConfig> {
        let config = MySqlCdcConfig::parse_for(self.flavor, context.configs())?;
        self.behind = context
            .plugin_metrics()
            .map(|metrics| metrics.gauge("milli-seconds-behind-source"));
        self.history = match &config.history {
            HistoryStore::Kafka(topic) => Some(context.topic_log(topic.clone())?),
            HistoryStore::File(path) => Some(Arc::new(FileLog::new(path.clone()))),
            HistoryStore::Memory => None,
        };
        Ok(config)
    }

    fn common(config: &MySqlCdcConfig) -> &CommonConfig {
        &config.common
    }

    fn capture(&self, config: MySqlCdcConfig, resume: Option<OffsetMap>, outbox: Outbox) -> Self::Capture {
        Capture {
            history: SchemaHistory::new(self.history.clone(), &config.common.topic_prefix),
            config,
            position: Position::of(resume.as_ref()),
            outbox,
            behind: self.behind.clone(),
        }
        .capture()
        .boxed()
    }
}
