//! `io.debezium.connector.mysql.MySqlConnector` and `io.debezium.connector.mariadb.MariaDbConnector`:
//! one task, which captures the server's changes in the background and hands them over at each
//! poll.

use std::sync::Arc;

use futures::FutureExt;
use futures::future::BoxFuture;
use kconnect_api::{OffsetMap, Result, SourceTaskContext};
use kconnect_cdc::config::CommonConfig;
use kconnect_cdc::connector::CdcConnector;
use kconnect_cdc::pump::Outbox;
use kconnect_cdc::task::{Capturing, CdcTask};

use crate::capture::Capture;
use crate::config::{Flavor, MySqlCdcConfig};
use crate::offsets::Position;

/// The connector: validates Debezium's keys and runs one task, as Debezium's MySQL connector.
pub type MySqlCdcConnector = CdcConnector<MySqlCdcConfig>;

/// The connector written for `flavor`'s servers.
pub fn connector(flavor: Flavor) -> MySqlCdcConnector {
    CdcConnector::new(move || Box::new(CdcTask::new(MySqlCapturing { flavor })))
}

/// What a MySQL or MariaDB task runs: the capture of `flavor`'s server.
pub struct MySqlCapturing {
    flavor: Flavor,
}

impl Capturing for MySqlCapturing {
    type Config = MySqlCdcConfig;
    type Capture = BoxFuture<'static, Result<()>>;

    fn configure(&mut self, context: &Arc<dyn SourceTaskContext>) -> Result<MySqlCdcConfig> {
        MySqlCdcConfig::parse_for(self.flavor, context.configs())
    }

    fn common(config: &MySqlCdcConfig) -> &CommonConfig {
        &config.common
    }

    fn capture(&self, config: MySqlCdcConfig, resume: Option<OffsetMap>, outbox: Outbox) -> Self::Capture {
        Capture {
            config,
            position: Position::of(resume.as_ref()),
            outbox,
        }
        .capture()
        .boxed()
    }
}
