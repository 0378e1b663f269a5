//! `io.confluent.connect.jdbc.JdbcSourceConnector`: reads tables (or one query) into topics.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_trait::async_trait;
use kconnect_api::config::PluginConfig;
use kconnect_api::{
    ConfigDef, ConfigInfos, ConfigMap, Connector, ConnectorContext, Result, SourceConnector, SourceRecord, SourceTask,
    SourceTaskContext,
};
use tokio::time::Instant;

use crate::config::source::{SourceConfig, TABLES};
use crate::driver::{self, Driver};
use crate::querier::{Querier, QuerySettings, QuerySource};

/// The tables to read: the include list, or every table of the database less the exclude list.
async fn find_tables(driver: &dyn Driver, config: &SourceConfig) -> Result<Vec<String>> {
    if !config.include.is_empty() {
        return Ok(config.include.clone());
    }
    let tables = driver.tables().await?;
    Ok(tables.into_iter().filter(|t| !config.exclude.contains(t)).collect())
}

/// The source connector: lists the tables and spreads them over the tasks; while running, checks
/// for new or removed tables every `table.poll.interval.ms`.
#[derive(Default)]
pub struct JdbcSourceConnector {
    config: ConfigMap,
    /// Whether the connector runs a custom query instead of reading tables.
    query: bool,
    tables: Arc<Mutex<Vec<String>>>,
    monitor: Option<tokio::task::JoinHandle<()>>,
}

#[async_trait]
impl Connector for JdbcSourceConnector {
    fn config_def(&self) -> ConfigDef {
        SourceConfig::definition()
    }

    fn validate(&self, config: &ConfigMap) -> ConfigInfos {
        SourceConfig::validate(config)
    }

    async fn start(&mut self, context: Arc<dyn ConnectorContext>, config: ConfigMap) -> Result<()> {
        let typed = SourceConfig::parse(&config)?;
        self.config = config;
        self.query = !typed.query.is_empty();
        if self.query {
            return Ok(());
        }
        let driver = driver::connect(&typed.connection).await?;
        let found = find_tables(driver.as_ref(), &typed).await?;
        if found.is_empty() {
            tracing::warn!("no tables to read: the connector starts no task until a table appears");
        }
        *self.tables.lock().unwrap_or_else(|p| p.into_inner()) = found;
        let tables = self.tables.clone();
        self.monitor = Some(tokio::spawn(async move {
            loop {
                tokio::time::sleep(typed.table_poll_interval).await;
                match find_tables(driver.as_ref(), &typed).await {
                    Ok(now) => {
                        let mut known = tables.lock().unwrap_or_else(|p| p.into_inner());
                        if *known != now {
                            tracing::info!(tables = ?now, "the set of tables changed, reconfiguring the tasks");
                            *known = now;
                            context.request_task_reconfiguration();
                        }
                    }
                    Err(error) => tracing::warn!(%error, "cannot list the tables"),
                }
            }
        }));
        Ok(())
    }

    fn task_configs(&self, max_tasks: usize) -> Result<Vec<ConfigMap>> {
        if self.query {
            return Ok(vec![self.config.clone()]);
        }
        let tables = self.tables.lock().unwrap_or_else(|p| p.into_inner()).clone();
        let groups = max_tasks.clamp(1, tables.len().max(1));
        let per_group = tables.len().div_ceil(groups);
        Ok(tables
            .chunks(per_group.max(1))
            .map(|group| {
                let mut config = self.config.clone();
                config.insert(TABLES.to_string(), group.join(","));
                config
            })
            .collect())
    }

    async fn stop(&mut self) -> Result<()> {
        if let Some(monitor) = self.monitor.take() {
            monitor.abort();
        }
        Ok(())
    }
}

impl SourceConnector for JdbcSourceConnector {
    fn create_task(&self) -> Box<dyn SourceTask> {
        Box::new(JdbcSourceTask::default())
    }
}

/// A source task: polls its tables in turn.
#[derive(Default)]
pub struct JdbcSourceTask {
    driver: Option<Box<dyn Driver>>,
    settings: Option<QuerySettings>,
    poll_interval: Duration,
    /// Each querier with the time it may next query.
    queriers: Vec<(Querier, Instant)>,
    next: usize,
}

#[async_trait]
impl SourceTask for JdbcSourceTask {
    async fn start(&mut self, context: Arc<dyn SourceTaskContext>) -> Result<()> {
        let config = SourceConfig::parse(context.configs())?;
        let prefix = config.topic_prefix;
        let sources: Vec<(QuerySource, String)> = if config.query.is_empty() {
            config
                .task_tables
                .into_iter()
                .map(|table| {
                    let topic = format!("{prefix}{table}");
                    (QuerySource::Table(table), topic)
                })
                .collect()
        } else {
            vec![(QuerySource::Query(config.query), prefix)]
        };
        let now = Instant::now();
        self.queriers = sources
            .into_iter()
            .map(|(source, topic)| (Querier::new(source, topic, context.offset_storage_reader()), now))
            .collect();
        self.settings = Some(config.query_settings);
        self.poll_interval = config.poll_interval;
        self.driver = Some(driver::connect(&config.connection).await?);
        Ok(())
    }

    /// Returns fetched rows of the next table that has some, querying a table whose wait is over
    /// when none has; a table whose query came back short waits `poll.interval.ms`.
    async fn poll(&mut self) -> Result<Vec<SourceRecord>> {
        let (Some(driver), Some(settings)) = (self.driver.as_deref(), self.settings.as_ref()) else {
            return Ok(Vec::new());
        };
        if self.queriers.is_empty() {
            tokio::time::sleep(self.poll_interval).await;
            return Ok(Vec::new());
        }
        let count = self.queriers.len();
        if let Some((querier, _)) = self.queriers.iter_mut().find(|(q, _)| q.has_pending()) {
            return querier.take(settings.batch_max_rows, settings).await;
        }
        let index = (0..count)
            .map(|i| (self.next + i) % count)
            .min_by_key(|i| self.queriers[*i].1)
            .unwrap_or(0);
        self.next = (index + 1) % count;
        let (querier, due) = &mut self.queriers[index];
        tokio::time::sleep_until(*due).await;
        let fetched = querier.fetch(driver, settings).await?;
        let full = fetched >= settings.batch_max_rows;
        *due = if full {
            Instant::now()
        } else {
            Instant::now() + self.poll_interval
        };
        querier.take(settings.batch_max_rows, settings).await
    }

    async fn stop(&mut self) -> Result<()> {
        // A bulk read still under way holds a connection: drop it before closing them.
        self.queriers.clear();
        if let Some(driver) = self.driver.take() {
            driver.close().await;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::testing::{config, errors};

    #[test]
    fn validation_names_the_key_each_mode_needs() {
        let infos = JdbcSourceConnector::default().validate(&config(&[
            ("connection.url", "jdbc:postgresql://localhost/test"),
            ("mode", "timestamp+incrementing"),
            ("topic.prefix", "db-"),
        ]));
        assert_eq!(
            errors(&infos),
            [
                "incrementing.column.name: incrementing.column.name is required in timestamp+incrementing mode",
                "timestamp.column.name: timestamp.column.name is required in timestamp+incrementing mode",
            ]
        );
    }

    #[test]
    fn validation_rejects_unknown_databases_and_modes() {
        let infos = JdbcSourceConnector::default().validate(&config(&[
            ("connection.url", "jdbc:oracle:thin:@db"),
            ("mode", "sometimes"),
            ("topic.prefix", "db-"),
        ]));
        assert_eq!(infos.error_count, 2, "{:?}", errors(&infos));
    }
}
