//! What streaming does with the tables' shapes: a DDL statement met in the binary log changes them
//! (from the history when it recorded the statement already, else from the catalog, recording what
//! changed), a captured table met before its shape is known is read from the catalog, and a
//! shape the binary log's table map contradicts gives way to the table map's; each is recorded
//! where it was met.

use kconnect_api::{OffsetMap, Result};
use mysql_async::Conn;
use mysql_async::binlog::events::TableMapEvent;

use crate::capture::{Capture, Events};
use crate::catalog::{self, TableDef};
use crate::history::HistoryEntry;
use crate::offsets::Restart;
use crate::schemas::{AtDdl, Schemas};
use crate::table::{BinlogSource, TableShape};
use crate::table_change::ChangeType;
use crate::table_map;

/// The history's statement for a shape read from the binary log's table map, not from DDL.
const BINLOG_SHAPE: &str = "/* kconnect: the table's shape as the binary log's table map gives it */";

/// A DDL statement read from the binary log.
pub struct Statement<'a> {
    /// Its default database.
    pub database: &'a str,
    /// Its text.
    pub ddl: &'a str,
    /// Where reading again meets it.
    pub position: Restart,
    /// Where it was read, for its schema change event's `source` block.
    pub at: BinlogSource,
    /// The offset after it.
    pub offset: OffsetMap,
}

impl Capture {
    /// Applies `statement` to `schemas`; whether the shapes changed.
    pub(crate) async fn ddl(
        &self,
        sql: &mut Conn,
        schemas: &mut Schemas,
        statement: Statement<'_>,
        events: &Events,
    ) -> Result<bool> {
        let filter = &self.config.common.tables;
        match schemas.at_ddl(&statement.position) {
            AtDdl::Known => Ok(false),
            AtDdl::Recorded(entry) => {
                schemas.apply(&entry.changes, filter);
                self.announce(&[*entry], events, &statement.at, &statement.offset)
                    .await?;
                Ok(true)
            }
            AtDdl::New => {
                let now = catalog::tables(sql, filter, None).await?;
                let changes = schemas.change_to(now, statement.ddl);
                if changes.is_empty() {
                    return Ok(false);
                }
                schemas.recorded(statement.position.clone());
                let ts_sec = statement.at.ts_us / 1_000_000;
                let entry = HistoryEntry {
                    position: statement.position.offset(statement.at.server_id, ts_sec),
                    database: statement.database.to_string(),
                    ddl: statement.ddl.to_string(),
                    changes,
                };
                self.record_schema(vec![entry], events, &statement.at, &statement.offset)
                    .await?;
                Ok(true)
            }
        }
    }

    /// The shape of the table a table map event names, met at `at` (restarting at `position`);
    /// `None` for a table not captured. A captured table whose shape is not known yet is read
    /// from the catalog; a shape that is not the one the table map says the rows were written
    /// with (full row metadata only) gives way to the table map's. Either is recorded there.
    pub(crate) async fn shape(
        &self,
        sql: &mut Conn,
        schemas: &mut Schemas,
        map: &TableMapEvent<'_>,
        (position, at): (&Restart, &BinlogSource),
        events: &Events,
    ) -> Result<Option<TableShape>> {
        let config = &self.config;
        let (database, table) = (map.database_name(), map.table_name());
        if !config.common.tables.captures(&database, &table) {
            return Ok(None);
        }
        let known = schemas.table(&database, &table).cloned();
        let mut change = None;
        let mut def = match known {
            Some(def) => def,
            None => {
                let found = catalog::tables(sql, &config.common.tables, Some((&database, &table))).await?;
                let Some(def) = found.into_iter().next() else {
                    return Ok(None);
                };
                change = Some((ChangeType::Create, catalog::create_statement(sql, &def).await?));
                def
            }
        };
        if let Some(written) = table_map::table_def(map)
            && !table_map::fits(&def, &written)
        {
            tracing::warn!(%database, %table, "the table's rows were written with another shape than the one known: using the binary log's");
            let primary_key = if written.primary_key.is_empty() {
                std::mem::take(&mut def.primary_key)
            } else {
                written.primary_key.clone()
            };
            def = TableDef { primary_key, ..written };
            let kind = change.map_or(ChangeType::Alter, |(kind, _)| kind);
            change = Some((kind, BINLOG_SHAPE.to_string()));
        }
        if let Some((kind, ddl)) = change {
            let entry = HistoryEntry {
                position: position.offset(at.server_id, at.ts_us / 1_000_000),
                database: database.to_string(),
                ddl,
                changes: vec![schemas.put(kind, def)],
            };
            let offset = entry.position.clone();
            self.record_schema(vec![entry], events, at, &offset).await?;
        }
        Ok(schemas
            .table(&database, &table)
            .map(|def| TableShape::new(config, def, events.source_schema())))
    }
}
