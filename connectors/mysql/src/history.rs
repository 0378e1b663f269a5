//! Debezium's schema history: one JSON record per DDL statement (the snapshot's `CREATE TABLE`s,
//! then each statement of the binary log that changed a captured table), with the binary log
//! position it was read at and the tables' shapes after it (`tableChanges`), in the topic
//! `schema.history.internal.kafka.topic`. A task started again rebuilds the tables as they were at
//! its committed position from it, as Debezium's does; Debezium's own history is read the same way.

use std::sync::Arc;

use kconnect_api::{ConnectError, OffsetMap, Result, TopicLog};
use kconnect_cdc::filters::TableFilter;
use serde_json::{Value as Json, json};

use crate::offsets::{Position, Restart};
use crate::schemas::Schemas;

/// One record of the history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    /// The offset of the position the statement was read at.
    pub position: OffsetMap,
    /// The statement's default database.
    pub database: String,
    /// The statement.
    pub ddl: String,
    /// The tables it changed, as `tableChanges` documents.
    pub changes: Vec<Json>,
}

impl HistoryEntry {
    /// Its position.
    pub fn position(&self) -> Option<Position> {
        Position::of(Some(&self.position))
    }

    /// The record of server `server`, written at `ts_ms`.
    fn document(&self, server: &str, ts_ms: i64) -> Json {
        json!({
            "source": {"server": server},
            "position": self.position,
            "ts_ms": ts_ms,
            "databaseName": self.database,
            "ddl": self.ddl,
            "tableChanges": self.changes,
        })
    }

    /// The entry a record holds, if it is server `server`'s.
    fn read(document: &Json, server: &str) -> Option<Self> {
        if document.get("source")?.get("server")?.as_str()? != server {
            return None;
        }
        let text = |key: &str| document.get(key).and_then(Json::as_str).unwrap_or_default().to_string();
        Some(Self {
            position: document.get("position")?.as_object()?.clone(),
            database: text("databaseName"),
            ddl: text("ddl"),
            changes: document
                .get("tableChanges")
                .and_then(Json::as_array)
                .cloned()
                .unwrap_or_default(),
        })
    }
}

/// Where the history is kept: a topic, or nowhere (`MemorySchemaHistory`: each start reads the
/// tables from the server).
#[derive(Clone)]
pub struct SchemaHistory {
    log: Option<Arc<dyn TopicLog>>,
    server: String,
}

impl SchemaHistory {
    /// The history of server `server` (the `topic.prefix`) in `log`.
    pub fn new(log: Option<Arc<dyn TopicLog>>, server: &str) -> Self {
        Self {
            log,
            server: server.to_string(),
        }
    }

    /// Appends `entries`, returning once they are stored.
    pub async fn record(&self, entries: &[HistoryEntry]) -> Result<()> {
        let Some(log) = &self.log else {
            return Ok(());
        };
        let now_ms = kconnect_cdc::now_micros() / 1_000;
        let values = entries
            .iter()
            .map(|entry| serde_json::to_vec(&entry.document(&self.server, now_ms)))
            .collect::<std::result::Result<_, _>>()
            .map_err(|err| ConnectError::Fatal(format!("writing a schema history record: {err}")))?;
        log.append(values).await
    }

    /// The captured tables as they were at `at`, and the entries after it; `None` when the
    /// history holds nothing of this server.
    pub async fn recover(&self, at: &Restart, filter: &TableFilter) -> Result<Option<Schemas>> {
        let Some(log) = &self.log else {
            return Ok(None);
        };
        let mut entries = Vec::new();
        for value in log.read_all().await? {
            let document: Json = serde_json::from_slice(&value)
                .map_err(|err| ConnectError::Fatal(format!("a schema history record is not JSON: {err}")))?;
            if let Some(entry) = HistoryEntry::read(&document, &self.server) {
                entries.push(entry);
            }
        }
        if entries.is_empty() {
            return Ok(None);
        }
        let mut schemas = Schemas::default();
        for entry in entries {
            let Some(position) = entry.position() else {
                continue;
            };
            let statement = position.snapshot_completed;
            if position.restart.at_or_before(at) {
                schemas.apply(&entry.changes, filter);
            } else {
                schemas.pend(position.restart.clone(), entry);
            }
            // The shapes a snapshot recorded come before any statement at their position.
            if statement {
                schemas.recorded(position.restart);
            }
        }
        tracing::info!(
            tables = schemas.len(),
            "recovered the tables' shapes from the schema history"
        );
        Ok(Some(schemas))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_debeziums_and_read_back_for_their_server_only() {
        let restart = Restart {
            file: "mysql-bin.000002".into(),
            pos: 400,
            ..Restart::default()
        };
        let entry = HistoryEntry {
            position: restart.offset(1, 1_700_000_000),
            database: "shop".into(),
            ddl: "ALTER TABLE orders ADD note TEXT".into(),
            changes: vec![json!({"type": "DROP", "id": "\"shop\".\"old\""})],
        };
        let document = entry.document("kc", 5);
        assert_eq!(document["source"], json!({"server": "kc"}));
        assert_eq!(document["position"]["pos"], 400);
        assert_eq!(document["tableChanges"][0]["type"], "DROP");
        assert_eq!(HistoryEntry::read(&document, "kc"), Some(entry.clone()));
        assert_eq!(HistoryEntry::read(&document, "other"), None);
        assert_eq!(entry.position().map(|p| p.restart), Some(restart));
    }
}
