//! Helpers that run the connector tasks without Kafka, on the test kit's databases.

#![allow(dead_code, unused_imports, reason = "each test binary uses a part of it")]

use std::sync::Arc;

use kconnect_api::record::TimestampType;
use kconnect_api::{OffsetMap, OffsetStorageReader, SinkRecord, SinkTask, SourceConnector, SourceRecord};
use kconnect_jdbc::{JdbcSinkConnector, JdbcSourceConnector};
use kconnect_runtime::task_context::{SinkContext, SourceContext};
pub use kconnect_test_kit::databases::{Database, mariadb, postgres, sqlite};

/// Rows in each source table.
pub const ROWS: usize = 500;

/// An offset reader that knows one offset (for every partition).
pub struct Offsets(pub Option<OffsetMap>);

impl OffsetStorageReader for Offsets {
    fn offset(&self, _partition: &OffsetMap) -> Option<OffsetMap> {
        self.0.clone()
    }
}

/// Reads every new row of `table` with a source task in incrementing mode, resuming after
/// `committed`.
pub async fn read_table(db: &Database, table: &str, committed: Option<OffsetMap>) -> Vec<SourceRecord> {
    let connector = JdbcSourceConnector::default();
    let mut task = connector.create_task();
    let configs = db.config(&[
        ("mode", "incrementing"),
        ("incrementing.column.name", "id"),
        ("topic.prefix", "db-"),
        ("batch.max.rows", "200"),
        ("poll.interval.ms", "10"),
        ("tables", table),
    ]);
    task.start(SourceContext::new(configs, Arc::new(Offsets(committed))))
        .await
        .unwrap();
    let mut records = Vec::new();
    loop {
        let batch = task.poll().await.unwrap();
        if batch.is_empty() {
            break;
        }
        records.extend(batch);
    }
    task.stop().await.unwrap();
    records
}

/// The records as a sink task would receive them from `topic`, at offsets 0, 1, ...
pub fn as_sink_records(records: &[SourceRecord], topic: &str) -> Vec<SinkRecord> {
    records
        .iter()
        .enumerate()
        .map(|(offset, record)| {
            let mut core = record.core.clone();
            core.topic = topic.to_string();
            SinkRecord::new(core, 0, offset as i64, TimestampType::CreateTime)
        })
        .collect()
}

/// A started sink task with `pairs` as its configuration, and its context.
pub async fn start_sink(db: &Database, pairs: &[(&str, &str)]) -> (Box<dyn SinkTask>, Arc<SinkContext>) {
    let mut task = kconnect_api::SinkConnector::create_task(&JdbcSinkConnector::default());
    let context = SinkContext::new(db.config(pairs));
    task.start(context.clone()).await.unwrap();
    (task, context)
}
