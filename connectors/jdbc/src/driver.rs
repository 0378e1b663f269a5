//! One interface over the three database drivers: sqlx for PostgreSQL and MySQL/MariaDB, libsql
//! for SQLite.

mod mysql;
mod postgres;
mod row_stream;
mod sqlite;
mod sqlx_values;

use async_trait::async_trait;
use kconnect_api::{ConnectError, Result, Value};

use crate::column::{ColumnKind, ColumnMeta};
use crate::dialect::Dialect;
pub use row_stream::RowStream;

/// A value bound to a placeholder. `kind` is the column's kind: it types a NULL and picks the
/// encoding where the value's own type is ambiguous (a timestamp with or without zone).
#[derive(Debug, Clone, PartialEq)]
pub struct Param {
    /// The value.
    pub value: Value,
    /// The kind of the column it is compared with or written to.
    pub kind: ColumnKind,
}

/// A SQL statement with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub struct Statement {
    /// The SQL, with the dialect's placeholders.
    pub sql: String,
    /// One parameter per placeholder, in order.
    pub params: Vec<Param>,
}

/// The rows a query returned, as Connect values of its readable columns.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResultSet {
    /// The columns, in result order; columns of unsupported types are left out.
    pub columns: Vec<ColumnMeta>,
    /// The rows, one value per column.
    pub rows: Vec<Vec<Value>>,
}

/// A connection (or pool) to one database.
#[async_trait]
pub trait Driver: Send + Sync {
    /// The database's dialect.
    fn dialect(&self) -> Dialect;

    /// Runs a query.
    async fn query(&self, sql: &str, params: &[Param]) -> Result<ResultSet>;

    /// Runs a query whose rows arrive in chunks of at most `chunk_rows`, read ahead by a
    /// background task on one of the driver's connections.
    fn stream(&self, sql: String, params: Vec<Param>, chunk_rows: usize) -> RowStream;

    /// Runs the statements in one transaction: all of them or none.
    async fn execute(&self, statements: &[Statement]) -> Result<()>;

    /// The columns of `table`, or `None` if there is no such table.
    async fn describe(&self, table: &str) -> Result<Option<Vec<ColumnMeta>>>;

    /// Closes the connections.
    async fn close(&self);

    /// The tables of the connection's schema (PostgreSQL), database (MySQL) or file (SQLite).
    async fn tables(&self) -> Result<Vec<String>> {
        let result = self.query(self.dialect().list_tables_sql(), &[]).await?;
        Ok(result
            .rows
            .into_iter()
            .filter_map(|row| row.into_iter().next().and_then(|v| v.as_str().map(str::to_string)))
            .collect())
    }
}

/// Where and as whom to connect: `connection.url`, `connection.user`, `connection.password`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ConnectionSettings {
    /// A JDBC URL (`jdbc:postgresql://host:5432/db`, `jdbc:mysql://..`, `jdbc:mariadb://..`,
    /// `jdbc:sqlite:/path/file.db`) or the same without `jdbc:`.
    pub url: String,
    /// The user, overriding one in the URL.
    pub user: Option<String>,
    /// The password, overriding one in the URL.
    pub password: Option<String>,
    /// How many connections a pool may open.
    pub max_connections: u32,
}

/// The dialect a connection URL names, or `None` if it names no supported database.
pub fn dialect_of(url: &str) -> Option<Dialect> {
    let url = url.strip_prefix("jdbc:").unwrap_or(url);
    if url.starts_with("postgresql:") || url.starts_with("postgres:") {
        Some(Dialect::Postgres)
    } else if url.starts_with("mysql:") || url.starts_with("mariadb:") {
        Some(Dialect::MySql)
    } else if url.starts_with("sqlite:") {
        Some(Dialect::Sqlite)
    } else {
        None
    }
}

/// Connects to the database `settings` name.
pub async fn connect(settings: &ConnectionSettings) -> Result<Box<dyn Driver>> {
    let url = settings.url.strip_prefix("jdbc:").unwrap_or(&settings.url);
    match dialect_of(url) {
        Some(Dialect::Postgres) => Ok(Box::new(postgres::PostgresDriver::connect(url, settings).await?)),
        Some(Dialect::MySql) => Ok(Box::new(mysql::MySqlDriver::connect(url, settings).await?)),
        Some(Dialect::Sqlite) => Ok(Box::new(sqlite::SqliteDriver::open(url).await?)),
        None => Err(unsupported_url(&settings.url)),
    }
}

/// The error for a URL naming no supported database.
pub fn unsupported_url(url: &str) -> ConnectError {
    ConnectError::config("connection.url", unsupported_url_message(url))
}

/// Why `url` is refused, naming only its scheme: the rest of a URL may carry a password.
pub fn unsupported_url_message(url: &str) -> String {
    let (prefix, rest) = url.strip_prefix("jdbc:").map_or(("", url), |rest| ("jdbc:", rest));
    let scheme = rest.split(':').next().unwrap_or_default();
    let named = if !scheme.is_empty() && scheme.chars().all(|c| c.is_ascii_alphanumeric()) {
        format!("a {prefix}{scheme}: URL")
    } else {
        "the URL".to_string()
    };
    format!(
        "{named} is not a PostgreSQL (jdbc:postgresql://), MySQL/MariaDB (jdbc:mysql://, jdbc:mariadb://) or SQLite (jdbc:sqlite:) URL"
    )
}

/// The error for a value no column can hold (arrays, maps, nested structs).
fn unsupported_value(value: &Value) -> ConnectError {
    ConnectError::data(format!(
        "a {} value cannot be written to a database column",
        value.type_name()
    ))
}

/// How long a write waits for a connection before it fails (retriably).
const ACQUIRE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// SQLSTATEs that say the server went away or is starting, or that the transaction may succeed
/// when run again: PostgreSQL's shutdown and start-up codes, too many connections, serialization
/// failures and deadlocks (class `08`, connection exceptions, is matched by its prefix).
const RETRIABLE_SQLSTATES: [&str; 6] = ["57P01", "57P02", "57P03", "53300", "40001", "40P01"];

/// Whether the database error `code` (a SQLSTATE) may pass when tried again.
fn is_retriable_sqlstate(code: &str) -> bool {
    code.starts_with("08") || RETRIABLE_SQLSTATES.contains(&code)
}

/// A database error as a Connect error: retriable when the connection failed or the server is
/// going away, data otherwise.
fn sqlx_error(context: &str, error: sqlx::Error) -> ConnectError {
    let retriable = match &error {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::PoolClosed | sqlx::Error::Tls(_) => true,
        sqlx::Error::Database(db) => db.code().is_some_and(|code| is_retriable_sqlstate(&code)),
        _ => false,
    };
    if retriable {
        ConnectError::Retriable(format!("{context}: {error}"))
    } else {
        ConnectError::data(format!("{context}: {error}"))
    }
}

/// Turns a sqlx column type name and declared numeric precision into a [`ColumnKind`]; used by
/// PostgreSQL (`int4`, `timestamptz`) and MySQL (`INT UNSIGNED`, `DATETIME`) alike.
fn kind_of_type_name(name: &str) -> Option<ColumnKind> {
    let upper = name.to_ascii_uppercase();
    let unsigned = upper.contains("UNSIGNED");
    let base = upper.split(['(', ' ']).next().unwrap_or_default();
    if upper.starts_with("TINYINT(1)") {
        return Some(ColumnKind::Boolean);
    }
    Some(match base {
        "BOOL" | "BOOLEAN" => ColumnKind::Boolean,
        "TINYINT" if unsigned => ColumnKind::Int16,
        "TINYINT" => ColumnKind::Int8,
        "INT2" | "SMALLINT" if unsigned => ColumnKind::Int32,
        "INT2" | "SMALLINT" => ColumnKind::Int16,
        "MEDIUMINT" => ColumnKind::Int32,
        "INT4" | "INT" | "INTEGER" if unsigned => ColumnKind::Int64,
        "INT4" | "INT" | "INTEGER" => ColumnKind::Int32,
        "INT8" | "BIGINT" | "YEAR" => ColumnKind::Int64,
        "FLOAT4" | "REAL" | "FLOAT" => ColumnKind::Float32,
        "FLOAT8" | "DOUBLE" => ColumnKind::Float64,
        "NUMERIC" | "DECIMAL" => ColumnKind::Decimal,
        "TEXT" | "VARCHAR" | "BPCHAR" | "CHAR" | "NAME" | "CITEXT" | "TINYTEXT" | "MEDIUMTEXT" | "LONGTEXT"
        | "ENUM" | "SET" => ColumnKind::Text,
        "BYTEA" | "BLOB" | "TINYBLOB" | "MEDIUMBLOB" | "LONGBLOB" | "BINARY" | "VARBINARY" => ColumnKind::Bytes,
        "DATE" => ColumnKind::Date,
        "TIME" => ColumnKind::Time,
        "TIMESTAMP" | "DATETIME" => ColumnKind::Timestamp,
        "TIMESTAMPTZ" => ColumnKind::TimestampTz,
        "JSON" | "JSONB" => ColumnKind::Json,
        "UUID" => ColumnKind::Uuid,
        _ => return None,
    })
}

/// The parameters of a driver's describe query: the schema (NULL for the connection's own) and the
/// table of a possibly qualified `schema.table`.
fn describe_params(table: &str) -> [Param; 2] {
    let (schema, name) = match table.rsplit_once('.') {
        Some((schema, name)) => (Value::String(schema.to_string()), name),
        None => (Value::Null, table),
    };
    [schema, Value::String(name.to_string())].map(|value| Param {
        value,
        kind: ColumnKind::Text,
    })
}

/// Builds column descriptions from `information_schema.columns` rows of
/// (name, type name, nullable `YES`/`NO`, precision, scale).
fn describe_rows(result: ResultSet) -> Option<Vec<ColumnMeta>> {
    let columns: Vec<ColumnMeta> = result
        .rows
        .into_iter()
        .filter_map(|row| {
            let [name, type_name, nullable, precision, scale]: [Value; 5] = row.try_into().ok()?;
            let name = name.as_str()?.to_string();
            let Some(kind) = type_name.as_str().and_then(kind_of_type_name) else {
                tracing::warn!(column = %name, type_name = ?type_name, "column type is not supported, ignoring the column");
                return None;
            };
            Some(ColumnMeta {
                nullable: nullable.as_str() == Some("YES"),
                precision: as_i32(&precision),
                scale: as_i32(&scale),
                ..ColumnMeta::new(name, kind)
            })
        })
        .collect();
    (!columns.is_empty()).then_some(columns)
}

fn as_i32(value: &Value) -> Option<i32> {
    match value {
        Value::Int32(v) => Some(*v),
        Value::Int64(v) => i32::try_from(*v).ok(),
        Value::Decimal(d) if d.scale == 0 => i32::try_from(d.unscaled).ok(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_going_away_is_retriable_and_a_bad_row_is_not() {
        assert!(is_retriable_sqlstate("57P01"), "admin shutdown");
        assert!(is_retriable_sqlstate("08006"), "connection failure");
        assert!(!is_retriable_sqlstate("23505"), "unique violation");
    }

    #[test]
    fn a_refused_url_is_named_by_its_scheme_only() {
        let message = unsupported_url_message("jdbc:oracle:thin:scott/tiger@db:1521");
        assert!(message.starts_with("a jdbc:oracle: URL is not"), "{message}");
        assert!(!message.contains("tiger"), "{message}");
        let message = unsupported_url_message("user/p@ss@host");
        assert!(
            message.starts_with("the URL is not") && !message.contains("p@ss"),
            "{message}"
        );
    }

    #[test]
    fn urls_name_their_dialect() {
        assert_eq!(dialect_of("jdbc:postgresql://h:5432/db"), Some(Dialect::Postgres));
        assert_eq!(dialect_of("mariadb://h/db"), Some(Dialect::MySql));
        assert_eq!(dialect_of("jdbc:sqlite:/tmp/x.db"), Some(Dialect::Sqlite));
        assert_eq!(dialect_of("jdbc:oracle:thin:@h"), None);
    }

    #[test]
    fn type_names_map_to_kinds() {
        assert_eq!(kind_of_type_name("int4"), Some(ColumnKind::Int32));
        assert_eq!(kind_of_type_name("INT UNSIGNED"), Some(ColumnKind::Int64));
        assert_eq!(kind_of_type_name("tinyint(4) unsigned"), Some(ColumnKind::Int16));
        assert_eq!(kind_of_type_name("timestamptz"), Some(ColumnKind::TimestampTz));
        assert_eq!(kind_of_type_name("decimal(10,2)"), Some(ColumnKind::Decimal));
        assert_eq!(kind_of_type_name("tinyint(1)"), Some(ColumnKind::Boolean));
        assert_eq!(kind_of_type_name("interval"), None);
    }
}
