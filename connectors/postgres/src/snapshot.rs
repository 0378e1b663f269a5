//! The snapshot: every captured table read inside one repeatable-read transaction (the slot's
//! exported snapshot when the slot was just created), each row an `r` event, marked as Debezium
//! marks them.

use futures::TryStreamExt;
use kconnect_api::{ConnectError, Result, SourceRecord, Value};
use sqlx::Row;
use sqlx::postgres::PgConnection;

use crate::capture::Capture;
use crate::client::{self, quote};
use crate::envelope::{SourceInfo, TableShape};
use crate::events::{Change, Events, Op, now_micros};
use crate::offsets;
use crate::pgoutput::Datum;

impl Capture {
    /// Reads every captured table inside one repeatable-read transaction (the exported snapshot's
    /// when given) and sends each row as an `r` event; the last carries `last_snapshot_record`.
    pub(crate) async fn snapshot(
        &self,
        sql: &mut PgConnection,
        events: &Events,
        exported: Option<&str>,
        lsn: u64,
    ) -> Result<()> {
        let failed = |err: sqlx::Error| ConnectError::Retriable(format!("reading the snapshot: {err}"));
        sqlx::query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            .execute(&mut *sql)
            .await
            .map_err(failed)?;
        if let Some(name) = exported {
            sqlx::query(&format!("SET TRANSACTION SNAPSHOT '{}'", name.replace('\'', "''")))
                .execute(&mut *sql)
                .await
                .map_err(failed)?;
        }
        let tables = client::captured_tables(sql, &self.config.tables).await?;
        tracing::info!(tables = tables.len(), "snapshot started");
        let started = now_micros();
        let tx_id: Option<i64> = sqlx::query_scalar("SELECT txid_current()")
            .fetch_one(&mut *sql)
            .await
            .ok();
        let lsn = if lsn == 0 {
            let current: i64 = sqlx::query_scalar("SELECT (pg_current_wal_lsn() - '0/0'::pg_lsn)::int8")
                .fetch_one(&mut *sql)
                .await
                .map_err(failed)?;
            current as u64
        } else {
            lsn
        };
        // Debezium marks the snapshot's rows: the first `first`, each later table's first
        // `first_in_data_collection`, each table's last `last_in_data_collection`, the very last
        // `last`; it must see one row ahead to know.
        let mut pending: Option<(SourceRecord, &'static str)> = None;
        for (schema, table) in &tables {
            let relation = client::relation_of(sql, schema, table).await?;
            let facts = client::column_facts(sql, relation.id).await?;
            let shape = TableShape::new(
                &self.config.topic_prefix,
                &relation,
                &facts,
                self.config.decimals,
                events.source_schema(),
            );
            let columns: Vec<String> = relation.columns.iter().map(snapshot_text).collect();
            let select = format!("SELECT {} FROM {}.{}", columns.join(", "), quote(schema), quote(table));
            let mut rows = sqlx::query(&select).fetch(&mut *sql);
            let mut first_of_table = true;
            while let Some(row) = rows.try_next().await.map_err(failed)? {
                let tuple: Vec<Datum> = (0..relation.columns.len())
                    .map(|i| row.get::<Option<String>, _>(i).map_or(Datum::Null, Datum::Text))
                    .collect();
                let info = SourceInfo {
                    ts_us: started,
                    snapshot: "true",
                    tx_id,
                    lsn: Some(lsn as i64),
                    sequence: Some(format!("[null,\"{lsn}\"]")),
                };
                let change = Change {
                    shape: &shape,
                    op: Op::Read,
                    before: None,
                    after: Some(&tuple),
                    info,
                    offset: offsets::snapshot(lsn, tx_id, started, false),
                };
                for record in events.records(change)? {
                    let marker = match (&pending, first_of_table) {
                        (None, _) => "first",
                        (Some(_), true) => "first_in_data_collection",
                        (Some(_), false) => "true",
                    };
                    first_of_table = false;
                    if let Some((previous, previous_marker)) = pending.replace((record, marker)) {
                        self.send(vec![with_snapshot_marker(previous, previous_marker)]).await?;
                    }
                }
            }
            drop(rows);
            if let Some((_, marker)) = pending.as_mut().filter(|_| !first_of_table)
                && *marker != "first"
            {
                *marker = "last_in_data_collection";
            }
        }
        sqlx::query("COMMIT").execute(&mut *sql).await.map_err(failed)?;
        if let Some((mut last, _)) = pending {
            last.source_offset = offsets::snapshot(lsn, tx_id, started, true);
            self.send(vec![with_snapshot_marker(last, "last")]).await?;
        }
        tracing::info!("snapshot complete");
        Ok(())
    }
}

/// The column as the snapshot selects it: its text output, as pgoutput sends it (a `char(n)`
/// keeps its padding, which a cast to text drops).
fn snapshot_text(column: &crate::pgoutput::RelationColumn) -> String {
    let name = quote(&column.name);
    match (column.type_oid, column.type_modifier) {
        (1042, modifier) if modifier > 4 => format!("rpad({name}::text, {})", modifier - 4),
        _ => format!("{name}::text"),
    }
}

/// `record` with `source.snapshot` set to `marker`.
fn with_snapshot_marker(mut record: SourceRecord, marker: &str) -> SourceRecord {
    if marker == "true" {
        return record;
    }
    let Value::Struct(envelope) = &record.core.value.value else {
        return record;
    };
    let Some(Value::Struct(source)) = envelope.get("source").cloned() else {
        return record;
    };
    let marked = source
        .put("snapshot", Value::String(marker.into()))
        .and_then(|source| envelope.clone().put("source", Value::Struct(source)));
    if let Ok(envelope) = marked {
        record.core.value.value = Value::Struct(envelope);
    }
    record
}
