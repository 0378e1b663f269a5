//! SQLite through libsql (the SQLite that the embedded broker links too).

use async_trait::async_trait;
use kconnect_api::logical::Decimal;
use kconnect_api::{ConnectError, Result, Value};

use super::{Driver, Param, ResultSet, RowStream, Statement};
use crate::column::{ColumnKind, ColumnMeta};
use crate::dialect::Dialect;
use crate::temporal;

/// How long a statement waits for another connection's write lock.
const BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// One connection to a SQLite file.
pub struct SqliteDriver {
    _database: libsql::Database,
    connection: libsql::Connection,
}

fn sqlite_error(context: &str, error: libsql::Error) -> ConnectError {
    ConnectError::data(format!("{context}: {error}"))
}

impl SqliteDriver {
    /// Opens (creating it if needed) the file of `url` (`sqlite:/path/file.db`, `sqlite:///path`,
    /// `sqlite:file.db`), in WAL mode so that readers and a writer do not block each other.
    pub async fn open(url: &str) -> Result<Self> {
        let path = url.trim_start_matches("sqlite:");
        let path = path.strip_prefix("//").unwrap_or(path);
        let database = libsql::Builder::new_local(path)
            .build()
            .await
            .map_err(|e| sqlite_error(&format!("cannot open SQLite file {path}"), e))?;
        let connection = database
            .connect()
            .map_err(|e| sqlite_error("cannot connect to SQLite", e))?;
        connection
            .busy_timeout(BUSY_TIMEOUT)
            .map_err(|e| sqlite_error("busy_timeout", e))?;
        let mut rows = connection
            .query("PRAGMA journal_mode=WAL", ())
            .await
            .map_err(|e| sqlite_error("PRAGMA journal_mode", e))?;
        while rows
            .next()
            .await
            .map_err(|e| sqlite_error("PRAGMA journal_mode", e))?
            .is_some()
        {}
        Ok(Self {
            _database: database,
            connection,
        })
    }
}

/// The kind of a column from its declared type, by SQLite's affinity rules refined with the
/// common type names; `None` when nothing is declared (an expression).
fn declared_kind(declared: &str) -> Option<ColumnMeta> {
    let upper = declared.to_ascii_uppercase();
    let base = upper.split('(').next().unwrap_or_default().trim();
    let kind = if upper.contains("BOOL") {
        ColumnKind::Boolean
    } else if base == "DATETIME" || base.starts_with("TIMESTAMP") {
        ColumnKind::Timestamp
    } else if base == "DATE" {
        ColumnKind::Date
    } else if base == "TIME" {
        ColumnKind::Time
    } else if base == "JSON" {
        ColumnKind::Json
    } else if base == "UUID" {
        ColumnKind::Uuid
    } else if base == "TINYINT" {
        ColumnKind::Int8
    } else if base == "SMALLINT" {
        ColumnKind::Int16
    } else if base == "MEDIUMINT" {
        ColumnKind::Int32
    } else if upper.contains("INT") {
        ColumnKind::Int64
    } else if upper.contains("CHAR") || upper.contains("CLOB") || upper.contains("TEXT") {
        ColumnKind::Text
    } else if upper.contains("BLOB") || upper.is_empty() {
        ColumnKind::Bytes
    } else if upper.contains("REAL") || upper.contains("FLOA") || upper.contains("DOUB") {
        ColumnKind::Float64
    } else {
        ColumnKind::Decimal
    };
    let mut meta = ColumnMeta::new("", kind);
    if let Some((precision, scale)) = upper
        .split_once('(')
        .and_then(|(_, rest)| rest.trim_end_matches(')').split_once(','))
    {
        meta.precision = precision.trim().parse().ok();
        meta.scale = scale.trim().parse().ok();
    }
    Some(meta)
}

/// The kind of an undeclared column, from the storage class of its first value.
fn value_kind(value: &libsql::Value) -> ColumnKind {
    match value {
        libsql::Value::Integer(_) => ColumnKind::Int64,
        libsql::Value::Real(_) => ColumnKind::Float64,
        libsql::Value::Blob(_) => ColumnKind::Bytes,
        libsql::Value::Text(_) | libsql::Value::Null => ColumnKind::Text,
    }
}

/// A stored value as a Connect value of `kind`.
fn read_value(value: libsql::Value, kind: ColumnKind) -> Result<Value> {
    use libsql::Value as Stored;
    let mismatch = |value: &Stored| ConnectError::data(format!("SQLite value {value:?} is not a {kind:?}"));
    Ok(match (kind, value) {
        (_, Stored::Null) => Value::Null,
        (ColumnKind::Boolean, Stored::Integer(v)) => Value::Boolean(v != 0),
        (ColumnKind::Int8, Stored::Integer(v)) => Value::Int8(v as i8),
        (ColumnKind::Int16, Stored::Integer(v)) => Value::Int16(v as i16),
        (ColumnKind::Int32, Stored::Integer(v)) => Value::Int32(v as i32),
        (ColumnKind::Int64, Stored::Integer(v)) => Value::Int64(v),
        (ColumnKind::Float32, Stored::Real(v)) => Value::Float32(v as f32),
        (ColumnKind::Float64, Stored::Real(v)) => Value::Float64(v),
        (ColumnKind::Float32 | ColumnKind::Float64, Stored::Integer(v)) => Value::Float64(v as f64),
        (ColumnKind::Decimal, Stored::Integer(v)) => Value::Decimal(Decimal::new(v.into(), 0)),
        (ColumnKind::Decimal, Stored::Real(v)) => Value::Decimal(Decimal::parse(&v.to_string())?),
        (ColumnKind::Decimal, Stored::Text(v)) => Value::Decimal(Decimal::parse(&v)?),
        (ColumnKind::Text | ColumnKind::Json | ColumnKind::Uuid, Stored::Text(v)) => Value::String(v),
        (ColumnKind::Text, Stored::Integer(v)) => Value::String(v.to_string()),
        (ColumnKind::Text, Stored::Real(v)) => Value::String(v.to_string()),
        (ColumnKind::Bytes, Stored::Blob(v)) => Value::Bytes(v),
        (ColumnKind::Bytes, Stored::Text(v)) => Value::Bytes(v.into_bytes()),
        (ColumnKind::Date, Stored::Text(v)) => Value::Date(temporal::parse_sqlite_date(&v)?),
        (ColumnKind::Time, Stored::Text(v)) => Value::Time(temporal::parse_sqlite_time(&v)?),
        (ColumnKind::Timestamp | ColumnKind::TimestampTz, Stored::Text(v)) => {
            Value::Timestamp(temporal::parse_sqlite_timestamp(&v)?)
        }
        (ColumnKind::Timestamp | ColumnKind::TimestampTz, Stored::Integer(v)) => Value::Timestamp(v),
        (_, other) => return Err(mismatch(&other)),
    })
}

/// A Connect value as SQLite stores it: dates and times as text, decimals as text (which a
/// NUMERIC column may store as a number).
fn stored_value(param: &Param) -> Result<libsql::Value> {
    use libsql::Value as Stored;
    Ok(match &param.value {
        Value::Null => Stored::Null,
        Value::Boolean(v) => Stored::Integer(i64::from(*v)),
        Value::Int8(v) => Stored::Integer((*v).into()),
        Value::Int16(v) => Stored::Integer((*v).into()),
        Value::Int32(v) => Stored::Integer((*v).into()),
        Value::Int64(v) => Stored::Integer(*v),
        Value::Float32(v) => Stored::Real((*v).into()),
        Value::Float64(v) => Stored::Real(*v),
        Value::String(v) => Stored::Text(v.clone()),
        Value::Bytes(v) => Stored::Blob(v.clone()),
        Value::Decimal(v) => Stored::Text(v.to_plain_string()),
        Value::Date(v) => Stored::Text(temporal::sqlite_date(*v)),
        Value::Time(v) => Stored::Text(temporal::sqlite_time(*v)),
        Value::Timestamp(v) => Stored::Text(temporal::sqlite_timestamp(*v)),
        other => return Err(super::unsupported_value(other)),
    })
}

fn stored_values(params: &[Param]) -> Result<Vec<libsql::Value>> {
    params.iter().map(stored_value).collect()
}

/// The rows of a running query, read a chunk at a time.
struct SqliteRows {
    sql: String,
    names: Vec<String>,
    /// Each column's kind: declared, or else taken from its first value.
    columns: Vec<Option<ColumnMeta>>,
    rows: libsql::Rows,
    /// Set once the rows ran out: SQLite would run the statement again if stepped further.
    done: bool,
    _statement: libsql::Statement,
}

impl SqliteRows {
    async fn open(connection: &libsql::Connection, sql: &str, params: &[Param]) -> Result<Self> {
        let failed = |e| sqlite_error(sql, e);
        let statement = connection.prepare(sql).await.map_err(failed)?;
        let columns = statement
            .columns()
            .iter()
            .map(|column| {
                column.decl_type().and_then(declared_kind).map(|meta| ColumnMeta {
                    name: column.name().to_string(),
                    ..meta
                })
            })
            .collect();
        let names = statement.columns().iter().map(|c| c.name().to_string()).collect();
        let rows = statement.query(stored_values(params)?).await.map_err(failed)?;
        Ok(Self {
            sql: sql.to_string(),
            names,
            columns,
            rows,
            done: false,
            _statement: statement,
        })
    }

    /// Up to `max` more rows, with the columns known so far; no rows once the query is done.
    async fn next_chunk(&mut self, max: usize) -> Result<ResultSet> {
        let mut result = ResultSet::default();
        while !self.done && result.rows.len() < max {
            let Some(row) = self.rows.next().await.map_err(|e| sqlite_error(&self.sql, e))? else {
                self.done = true;
                break;
            };
            let mut values = Vec::with_capacity(self.columns.len());
            for (index, column) in self.columns.iter_mut().enumerate() {
                let stored = row.get_value(index as i32).map_err(|e| sqlite_error(&self.sql, e))?;
                let meta =
                    column.get_or_insert_with(|| ColumnMeta::new(self.names[index].clone(), value_kind(&stored)));
                values.push(read_value(stored, meta.kind)?);
            }
            result.rows.push(values);
        }
        result.columns = self
            .columns
            .iter()
            .zip(&self.names)
            .map(|(meta, name)| {
                meta.clone()
                    .unwrap_or_else(|| ColumnMeta::new(name.clone(), ColumnKind::Text))
            })
            .collect();
        Ok(result)
    }
}

#[async_trait]
impl Driver for SqliteDriver {
    fn dialect(&self) -> Dialect {
        Dialect::Sqlite
    }

    async fn query(&self, sql: &str, params: &[Param]) -> Result<ResultSet> {
        SqliteRows::open(&self.connection, sql, params)
            .await?
            .next_chunk(usize::MAX)
            .await
    }

    fn stream(&self, sql: String, params: Vec<Param>, chunk_rows: usize) -> RowStream {
        let connection = self.connection.clone();
        RowStream::spawn(move |chunks| async move {
            let mut rows = SqliteRows::open(&connection, &sql, &params).await?;
            loop {
                let chunk = rows.next_chunk(chunk_rows).await?;
                if chunk.rows.is_empty() || chunks.send(Ok(chunk)).await.is_err() {
                    return Ok(());
                }
            }
        })
    }

    async fn execute(&self, statements: &[Statement]) -> Result<()> {
        let transaction = self
            .connection
            .transaction()
            .await
            .map_err(|e| sqlite_error("BEGIN", e))?;
        for statement in statements {
            transaction
                .execute(&statement.sql, stored_values(&statement.params)?)
                .await
                .map_err(|e| sqlite_error("write failed", e))?;
        }
        transaction.commit().await.map_err(|e| sqlite_error("COMMIT", e))
    }

    async fn describe(&self, table: &str) -> Result<Option<Vec<ColumnMeta>>> {
        let sql = format!("PRAGMA table_info({})", Dialect::Sqlite.quote_table(table));
        let mut rows = self
            .connection
            .query(&sql, ())
            .await
            .map_err(|e| sqlite_error(&sql, e))?;
        let mut columns = Vec::new();
        while let Some(row) = rows.next().await.map_err(|e| sqlite_error(&sql, e))? {
            let name: String = row.get(1).map_err(|e| sqlite_error(&sql, e))?;
            let declared: String = row.get(2).unwrap_or_default();
            let not_null: i64 = row.get(3).unwrap_or(0);
            let primary_key: i64 = row.get(5).unwrap_or(0);
            let meta = declared_kind(&declared).unwrap_or_else(|| ColumnMeta::new("", ColumnKind::Bytes));
            columns.push(ColumnMeta {
                name,
                nullable: not_null == 0 && primary_key == 0,
                ..meta
            });
        }
        Ok((!columns.is_empty()).then_some(columns))
    }

    async fn close(&self) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn declared_types_map_by_affinity() {
        let kind = |declared: &str| declared_kind(declared).unwrap().kind;
        assert_eq!(kind("INTEGER"), ColumnKind::Int64);
        assert_eq!(kind("BOOLEAN"), ColumnKind::Boolean);
        assert_eq!(kind("DATETIME"), ColumnKind::Timestamp);
        assert_eq!(kind("varchar(20)"), ColumnKind::Text);
        assert_eq!(kind("DOUBLE PRECISION"), ColumnKind::Float64);
        let decimal = declared_kind("DECIMAL(10,2)").unwrap();
        assert_eq!(
            (decimal.kind, decimal.precision, decimal.scale),
            (ColumnKind::Decimal, Some(10), Some(2))
        );
    }

    #[test]
    fn values_round_trip_through_storage_classes() {
        let cases = [
            (Value::Boolean(true), ColumnKind::Boolean),
            (Value::Int16(-3), ColumnKind::Int16),
            (Value::Decimal(Decimal::new(1250, 2)), ColumnKind::Decimal),
            (Value::Date(19_000), ColumnKind::Date),
            (Value::Time(3_723_004), ColumnKind::Time),
            (Value::Timestamp(1_700_000_000_123), ColumnKind::Timestamp),
            (Value::Bytes(vec![0, 255]), ColumnKind::Bytes),
        ];
        for (value, kind) in cases {
            let stored = stored_value(&Param {
                value: value.clone(),
                kind,
            })
            .unwrap();
            assert_eq!(read_value(stored, kind).unwrap(), value, "{kind:?}");
        }
    }
}
