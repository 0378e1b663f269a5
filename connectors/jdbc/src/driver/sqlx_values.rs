//! Binding Connect values to sqlx queries and reading them back from sqlx rows, written once for
//! PostgreSQL and MySQL.

use bigdecimal::BigDecimal;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use kconnect_api::{ConnectError, Result, Value};
use sqlx::query::Query;
use sqlx::{Column, Database, Decode, Encode, Row, Type, TypeInfo};

use super::{Param, ResultSet, kind_of_type_name};
use crate::column::{ColumnKind, ColumnMeta};
use crate::temporal;

/// A sqlx query of database `DB` with owned arguments.
pub(super) type SqlxQuery<'q, DB> = Query<'q, DB, <DB as Database>::Arguments<'q>>;

/// A column of a result that can be read.
pub(super) struct Readable {
    /// Its position in the row.
    pub index: usize,
    /// Whether it is an unsigned integer (MySQL).
    pub unsigned: bool,
    /// Its name and kind.
    pub meta: ColumnMeta,
}

/// Reads `rows` with `read`, leaving out the columns of unsupported types (with a warning).
pub(super) fn read_rows<R: Row>(rows: &[R], read: impl Fn(&R, &Readable) -> Result<Value>) -> Result<ResultSet> {
    let Some(first) = rows.first() else {
        return Ok(ResultSet::default());
    };
    let readable: Vec<Readable> = first
        .columns()
        .iter()
        .filter_map(|column| {
            let type_name = column.type_info().name();
            match kind_of_type_name(type_name) {
                Some(kind) => Some(Readable {
                    index: column.ordinal(),
                    unsigned: type_name.contains("UNSIGNED"),
                    meta: ColumnMeta::new(column.name(), kind),
                }),
                None => {
                    tracing::warn!(
                        column = column.name(),
                        type_name,
                        "column type is not supported, ignoring the column"
                    );
                    None
                }
            }
        })
        .collect();
    let rows = rows
        .iter()
        .map(|row| {
            readable
                .iter()
                .map(|column| read(row, column))
                .collect::<Result<Vec<Value>>>()
        })
        .collect::<Result<_>>()?;
    Ok(ResultSet {
        columns: readable.into_iter().map(|column| column.meta).collect(),
        rows,
    })
}

/// Binds `param` to the next placeholder of `query`: by the value's own type, or for NULL by the
/// column's kind, so that PostgreSQL sees a typed NULL.
pub(super) fn bind<'q, DB: Database>(query: SqlxQuery<'q, DB>, param: &Param) -> Result<SqlxQuery<'q, DB>>
where
    Option<bool>: Encode<'q, DB> + Type<DB>,
    Option<i16>: Encode<'q, DB> + Type<DB>,
    Option<i32>: Encode<'q, DB> + Type<DB>,
    Option<i64>: Encode<'q, DB> + Type<DB>,
    Option<f32>: Encode<'q, DB> + Type<DB>,
    Option<f64>: Encode<'q, DB> + Type<DB>,
    Option<String>: Encode<'q, DB> + Type<DB>,
    Option<Vec<u8>>: Encode<'q, DB> + Type<DB>,
    Option<BigDecimal>: Encode<'q, DB> + Type<DB>,
    Option<NaiveDate>: Encode<'q, DB> + Type<DB>,
    Option<NaiveTime>: Encode<'q, DB> + Type<DB>,
    Option<NaiveDateTime>: Encode<'q, DB> + Type<DB>,
    Option<DateTime<Utc>>: Encode<'q, DB> + Type<DB>,
{
    let with_zone = param.kind == ColumnKind::TimestampTz;
    Ok(match &param.value {
        Value::Null => match param.kind {
            ColumnKind::Boolean => query.bind(None::<bool>),
            ColumnKind::Int8 | ColumnKind::Int16 => query.bind(None::<i16>),
            ColumnKind::Int32 => query.bind(None::<i32>),
            ColumnKind::Int64 => query.bind(None::<i64>),
            ColumnKind::Float32 => query.bind(None::<f32>),
            ColumnKind::Float64 => query.bind(None::<f64>),
            ColumnKind::Decimal => query.bind(None::<BigDecimal>),
            ColumnKind::Text | ColumnKind::Json | ColumnKind::Uuid => query.bind(None::<String>),
            ColumnKind::Bytes => query.bind(None::<Vec<u8>>),
            ColumnKind::Date => query.bind(None::<NaiveDate>),
            ColumnKind::Time => query.bind(None::<NaiveTime>),
            ColumnKind::Timestamp => query.bind(None::<NaiveDateTime>),
            ColumnKind::TimestampTz => query.bind(None::<DateTime<Utc>>),
        },
        Value::Boolean(v) => query.bind(Some(*v)),
        Value::Int8(v) => query.bind(Some(i16::from(*v))),
        Value::Int16(v) => query.bind(Some(*v)),
        Value::Int32(v) => query.bind(Some(*v)),
        Value::Int64(v) => query.bind(Some(*v)),
        Value::Float32(v) => query.bind(Some(*v)),
        Value::Float64(v) => query.bind(Some(*v)),
        Value::String(v) => query.bind(Some(v.clone())),
        Value::Bytes(v) => query.bind(Some(v.clone())),
        Value::Decimal(v) => query.bind(Some(temporal::big_decimal(*v))),
        Value::Date(v) => query.bind(Some(temporal::date(*v))),
        Value::Time(v) => query.bind(Some(temporal::time(*v))),
        Value::Timestamp(v) if with_zone => query.bind(Some(temporal::timestamp(*v))),
        Value::Timestamp(v) => query.bind(Some(temporal::timestamp(*v).naive_utc())),
        other => return Err(super::unsupported_value(other)),
    })
}

/// Reads `column` of `row` as a Connect value of its kind; JSON, UUID and unsigned integers
/// are left to each driver, which reads them differently.
pub(super) fn decode<'r, R: Row>(row: &'r R, column: &Readable) -> Result<Value>
where
    usize: sqlx::ColumnIndex<R>,
    bool: Decode<'r, R::Database> + Type<R::Database>,
    i16: Decode<'r, R::Database> + Type<R::Database>,
    i32: Decode<'r, R::Database> + Type<R::Database>,
    i64: Decode<'r, R::Database> + Type<R::Database>,
    f32: Decode<'r, R::Database> + Type<R::Database>,
    f64: Decode<'r, R::Database> + Type<R::Database>,
    String: Decode<'r, R::Database> + Type<R::Database>,
    Vec<u8>: Decode<'r, R::Database> + Type<R::Database>,
    BigDecimal: Decode<'r, R::Database> + Type<R::Database>,
    NaiveDate: Decode<'r, R::Database> + Type<R::Database>,
    NaiveTime: Decode<'r, R::Database> + Type<R::Database>,
    NaiveDateTime: Decode<'r, R::Database> + Type<R::Database>,
    DateTime<Utc>: Decode<'r, R::Database> + Type<R::Database>,
{
    fn get<'r, R: Row, T: Decode<'r, R::Database> + Type<R::Database>>(
        row: &'r R,
        index: usize,
        name: &str,
    ) -> Result<Option<T>>
    where
        usize: sqlx::ColumnIndex<R>,
    {
        row.try_get_unchecked::<Option<T>, usize>(index)
            .map_err(|e| ConnectError::data(format!("cannot read column {name}: {e}")))
    }
    let (index, name) = (column.index, column.meta.name.as_str());
    let value = match column.meta.kind {
        ColumnKind::Boolean => get::<R, bool>(row, index, name)?.map(Value::Boolean),
        ColumnKind::Int8 => match get::<R, i16>(row, index, name)? {
            Some(v) => {
                Some(Value::Int8(i8::try_from(v).map_err(|_| {
                    ConnectError::data(format!("{v} is out of range for INT8"))
                })?))
            }
            None => None,
        },
        ColumnKind::Int16 => get::<R, i16>(row, index, name)?.map(Value::Int16),
        ColumnKind::Int32 => get::<R, i32>(row, index, name)?.map(Value::Int32),
        ColumnKind::Int64 => get::<R, i64>(row, index, name)?.map(Value::Int64),
        ColumnKind::Float32 => get::<R, f32>(row, index, name)?.map(Value::Float32),
        ColumnKind::Float64 => get::<R, f64>(row, index, name)?.map(Value::Float64),
        ColumnKind::Decimal => match get::<R, BigDecimal>(row, index, name)? {
            Some(v) => Some(Value::Decimal(temporal::decimal(&v)?)),
            None => None,
        },
        ColumnKind::Text | ColumnKind::Json | ColumnKind::Uuid => {
            get::<R, String>(row, index, name)?.map(Value::String)
        }
        ColumnKind::Bytes => get::<R, Vec<u8>>(row, index, name)?.map(Value::Bytes),
        ColumnKind::Date => get::<R, NaiveDate>(row, index, name)?.map(|d| Value::Date(temporal::days(d))),
        ColumnKind::Time => get::<R, NaiveTime>(row, index, name)?.map(|t| Value::Time(temporal::time_millis(t))),
        ColumnKind::Timestamp => {
            get::<R, NaiveDateTime>(row, index, name)?.map(|t| Value::Timestamp(temporal::timestamp_millis(t)))
        }
        ColumnKind::TimestampTz => {
            get::<R, DateTime<Utc>>(row, index, name)?.map(|t| Value::Timestamp(t.timestamp_millis()))
        }
    };
    Ok(value.unwrap_or(Value::Null))
}

/// Defines a sqlx pool driver `$driver` and implements [`super::Driver`] for it: the module has
/// `read_value` and `DESCRIBE` (parameters: schema or NULL, table).
macro_rules! sqlx_driver {
    ($driver:ident, $dialect:expr, $database:ty, $options:ty, $label:literal) => {
        #[doc = concat!("A pool of ", $label, " connections.")]
        pub struct $driver {
            pool: sqlx::Pool<$database>,
        }

        impl $driver {
            /// Connects to `url`, with the settings' user and password when given.
            pub async fn connect(url: &str, settings: &super::ConnectionSettings) -> kconnect_api::Result<Self> {
                let url = url.replacen("mariadb:", "mysql:", 1);
                let mut options: $options = url
                    .parse()
                    .map_err(|e| kconnect_api::ConnectError::config("connection.url", format!("{e}")))?;
                if let Some(user) = &settings.user {
                    options = options.username(user);
                }
                if let Some(password) = &settings.password {
                    options = options.password(password);
                }
                let pool = sqlx::pool::PoolOptions::<$database>::new()
                    .max_connections(settings.max_connections.max(1))
                    // A database that is away fails a write within seconds, as a retriable error
                    // that max.retries and retry.backoff.ms then govern.
                    .acquire_timeout(super::ACQUIRE_TIMEOUT)
                    .connect_with(options)
                    .await
                    .map_err(|e| super::sqlx_error(concat!("cannot connect to ", $label), e))?;
                Ok(Self { pool })
            }

            /// `sql` with `params` bound to its placeholders.
            fn bound<'q>(
                sql: &'q str,
                params: &[super::Param],
            ) -> kconnect_api::Result<super::sqlx_values::SqlxQuery<'q, $database>> {
                params.iter().try_fold(sqlx::query(sql), super::sqlx_values::bind)
            }
        }

        #[async_trait::async_trait]
        impl super::Driver for $driver {
            fn dialect(&self) -> crate::dialect::Dialect {
                $dialect
            }

            async fn query(&self, sql: &str, params: &[super::Param]) -> kconnect_api::Result<super::ResultSet> {
                let rows = Self::bound(sql, params)?
                    .fetch_all(&self.pool)
                    .await
                    .map_err(|e| super::sqlx_error(sql, e))?;
                super::sqlx_values::read_rows(&rows, read_value)
            }

            fn stream(&self, sql: String, params: Vec<super::Param>, chunk_rows: usize) -> super::RowStream {
                use futures::TryStreamExt;
                let pool = self.pool.clone();
                super::RowStream::spawn(move |chunks| async move {
                    let mut rows = Self::bound(&sql, &params)?.fetch(&pool).try_chunks(chunk_rows);
                    while let Some(chunk) = rows.try_next().await.map_err(|e| super::sqlx_error(&sql, e.1))? {
                        if chunks
                            .send(super::sqlx_values::read_rows(&chunk, read_value))
                            .await
                            .is_err()
                        {
                            break;
                        }
                    }
                    Ok(())
                })
            }

            async fn execute(&self, statements: &[super::Statement]) -> kconnect_api::Result<()> {
                let mut transaction = self
                    .pool
                    .begin()
                    .await
                    .map_err(|e| super::sqlx_error("BEGIN", e))?;
                for statement in statements {
                    Self::bound(&statement.sql, &statement.params)?
                        .execute(&mut *transaction)
                        .await
                        .map_err(|e| super::sqlx_error("write failed", e))?;
                }
                transaction
                    .commit()
                    .await
                    .map_err(|e| super::sqlx_error("COMMIT", e))
            }

            async fn describe(&self, table: &str) -> kconnect_api::Result<Option<Vec<crate::column::ColumnMeta>>> {
                let params = super::describe_params(table);
                Ok(super::describe_rows(self.query(DESCRIBE, &params).await?))
            }

            async fn close(&self) {
                self.pool.close().await;
            }
        }
    };
}
pub(super) use sqlx_driver;
