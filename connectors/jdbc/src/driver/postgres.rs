//! PostgreSQL through sqlx.

use kconnect_api::{ConnectError, Result, Value};
use sqlx::Row;
use sqlx::postgres::{PgConnectOptions, PgRow};

use super::sqlx_values::{Readable, decode, sqlx_driver};
use crate::column::ColumnKind;
use crate::dialect::Dialect;

const DESCRIBE: &str = "SELECT column_name::text, udt_name::text, is_nullable::text, numeric_precision::int4, numeric_scale::int4 \
     FROM information_schema.columns WHERE table_schema = COALESCE($1, current_schema()) AND table_name = $2 \
     ORDER BY ordinal_position";

/// Reads JSON and UUID columns as their text; every other kind as the shared decoder does.
fn read_value(row: &PgRow, column: &Readable) -> Result<Value> {
    let index = column.index;
    let failed = |e: sqlx::Error| ConnectError::data(format!("cannot read column {}: {e}", column.meta.name));
    match column.meta.kind {
        ColumnKind::Json => Ok(row
            .try_get::<Option<serde_json::Value>, _>(index)
            .map_err(failed)?
            .map_or(Value::Null, |json| Value::String(json.to_string()))),
        ColumnKind::Uuid => Ok(row
            .try_get::<Option<uuid::Uuid>, _>(index)
            .map_err(failed)?
            .map_or(Value::Null, |uuid| Value::String(uuid.to_string()))),
        _ => decode(row, column),
    }
}

sqlx_driver!(
    PostgresDriver,
    Dialect::Postgres,
    sqlx::Postgres,
    PgConnectOptions,
    "PostgreSQL"
);
