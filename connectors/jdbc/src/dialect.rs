//! What differs between the SQL of PostgreSQL, MySQL/MariaDB and SQLite: identifier quoting,
//! placeholders, column types for `auto.create`, and the upsert clause. Values never enter SQL
//! text: every value is a bound parameter.

use kconnect_api::logical::{self, DATE_NAME, DECIMAL_NAME, TIME_NAME, TIMESTAMP_NAME};
use kconnect_api::{Schema, SchemaType};

use crate::column::ColumnKind;

/// A database's SQL dialect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    MySql,
    /// SQLite (through libsql).
    Sqlite,
}

impl Dialect {
    /// `identifier` quoted, so that any name (mixed case, reserved words, spaces) is safe.
    pub fn quote(self, identifier: &str) -> String {
        match self {
            Self::MySql => format!("`{}`", identifier.replace('`', "``")),
            Self::Postgres | Self::Sqlite => format!("\"{}\"", identifier.replace('"', "\"\"")),
        }
    }

    /// A possibly schema-qualified table name (`schema.table`), each part quoted.
    pub fn quote_table(self, table: &str) -> String {
        table
            .split('.')
            .map(|part| self.quote(part))
            .collect::<Vec<_>>()
            .join(".")
    }

    /// The placeholder of the `index`-th parameter (from 1) bound into a column of `kind`;
    /// PostgreSQL casts text to JSON and UUID columns, which it does not do implicitly.
    pub fn placeholder(self, index: usize, kind: ColumnKind) -> String {
        match (self, kind) {
            (Self::Postgres, ColumnKind::Json) => format!("CAST(${index} AS jsonb)"),
            (Self::Postgres, ColumnKind::Uuid) => format!("CAST(${index} AS uuid)"),
            (Self::Postgres, _) => format!("${index}"),
            _ => "?".to_string(),
        }
    }

    /// The placeholder of a timestamp bound as text with microseconds, compared with a column of
    /// `kind`: text keeps the precision a millisecond Connect Timestamp would lose.
    pub fn timestamp_placeholder(self, index: usize, kind: ColumnKind) -> String {
        match (self, kind) {
            (Self::Postgres, ColumnKind::TimestampTz) => format!("CAST(${index} AS timestamptz)"),
            (Self::Postgres, _) => format!("CAST(${index} AS timestamp)"),
            _ => "?".to_string(),
        }
    }

    /// An expression giving the microseconds since the epoch of the timestamp column `column`
    /// (quoted), read as UTC.
    pub fn epoch_micros(self, column: &str) -> String {
        match self {
            Self::Postgres => format!("CAST(EXTRACT(EPOCH FROM {column}) * 1000000 AS BIGINT)"),
            Self::MySql => format!("CAST(UNIX_TIMESTAMP({column}) * 1000000 AS SIGNED)"),
            Self::Sqlite => format!("CAST(ROUND((julianday({column}) - 2440587.5) * 86400000.0) AS INTEGER) * 1000"),
        }
    }

    /// The most parameters one statement may bind.
    pub fn max_params(self) -> usize {
        match self {
            Self::Postgres | Self::MySql => 65_535,
            Self::Sqlite => 32_766,
        }
    }

    /// The SQL type `auto.create` and `auto.evolve` give a column of `schema`; `key` is true for
    /// primary-key columns, which MySQL cannot index as TEXT or BLOB.
    pub fn column_type(self, schema: &Schema, key: bool) -> Option<String> {
        if let Some(name) = schema.name.as_deref() {
            let logical = match name {
                DECIMAL_NAME => {
                    let scale = schema
                        .parameters
                        .get(logical::SCALE_PARAMETER)
                        .map_or("0", String::as_str);
                    Some(match self {
                        Self::Postgres => format!("NUMERIC(38,{scale})"),
                        Self::MySql => format!("DECIMAL(65,{scale})"),
                        Self::Sqlite => format!("DECIMAL(38,{scale})"),
                    })
                }
                DATE_NAME => Some("DATE".to_string()),
                TIME_NAME => Some(if self == Self::MySql { "TIME(3)" } else { "TIME" }.to_string()),
                TIMESTAMP_NAME => Some(
                    match self {
                        Self::Postgres => "TIMESTAMP",
                        Self::MySql => "DATETIME(3)",
                        Self::Sqlite => "DATETIME",
                    }
                    .to_string(),
                ),
                _ => None,
            };
            if logical.is_some() {
                return logical;
            }
        }
        let name = match (self, schema.schema_type) {
            (Self::Sqlite, SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64) => "INTEGER",
            (Self::Sqlite, SchemaType::Float32 | SchemaType::Float64) => "REAL",
            (Self::Sqlite, SchemaType::Boolean) => "BOOLEAN",
            (Self::Sqlite, SchemaType::String) => "TEXT",
            (Self::Sqlite, SchemaType::Bytes) => "BLOB",
            (Self::Postgres, SchemaType::Int8 | SchemaType::Int16) => "SMALLINT",
            (Self::Postgres, SchemaType::Int32) => "INT",
            (Self::Postgres, SchemaType::Int64) => "BIGINT",
            (Self::Postgres, SchemaType::Float32) => "REAL",
            (Self::Postgres, SchemaType::Float64) => "DOUBLE PRECISION",
            (Self::Postgres, SchemaType::Boolean) => "BOOLEAN",
            (Self::Postgres, SchemaType::String) => "TEXT",
            (Self::Postgres, SchemaType::Bytes) => "BYTEA",
            (Self::MySql, SchemaType::Int8) => "TINYINT",
            (Self::MySql, SchemaType::Int16) => "SMALLINT",
            (Self::MySql, SchemaType::Int32) => "INT",
            (Self::MySql, SchemaType::Int64) => "BIGINT",
            (Self::MySql, SchemaType::Float32) => "FLOAT",
            (Self::MySql, SchemaType::Float64) => "DOUBLE",
            (Self::MySql, SchemaType::Boolean) => "TINYINT(1)",
            (Self::MySql, SchemaType::String) if key => "VARCHAR(256)",
            (Self::MySql, SchemaType::String) => "TEXT",
            (Self::MySql, SchemaType::Bytes) if key => "VARBINARY(1024)",
            (Self::MySql, SchemaType::Bytes) => "BLOB",
            _ => return None,
        };
        Some(name.to_string())
    }

    /// What follows `INSERT INTO t (..) VALUES ..` to turn it into an upsert on `keys`,
    /// updating `columns`.
    pub fn upsert_suffix(self, keys: &[String], columns: &[String]) -> String {
        let targets = if columns.is_empty() { keys } else { columns };
        match self {
            Self::MySql => {
                let sets: Vec<String> = targets
                    .iter()
                    .map(|c| format!("{q}=VALUES({q})", q = self.quote(c)))
                    .collect();
                format!(" ON DUPLICATE KEY UPDATE {}", sets.join(","))
            }
            Self::Postgres | Self::Sqlite => {
                let keys: Vec<String> = keys.iter().map(|k| self.quote(k)).collect();
                if columns.is_empty() {
                    return format!(" ON CONFLICT ({}) DO NOTHING", keys.join(","));
                }
                let sets: Vec<String> = columns
                    .iter()
                    .map(|c| format!("{q}=excluded.{q}", q = self.quote(c)))
                    .collect();
                format!(" ON CONFLICT ({}) DO UPDATE SET {}", keys.join(","), sets.join(","))
            }
        }
    }

    /// The query listing the tables of the connection's schema or database.
    pub fn list_tables_sql(self) -> &'static str {
        match self {
            Self::Postgres => {
                "SELECT table_name::text FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
            }
            Self::MySql => {
                "SELECT CAST(table_name AS CHAR) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' ORDER BY 1"
            }
            Self::Sqlite => {
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY 1"
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_quoted_per_dialect() {
        assert_eq!(Dialect::Postgres.quote("a\"b"), "\"a\"\"b\"");
        assert_eq!(Dialect::MySql.quote("order"), "`order`");
        assert_eq!(Dialect::Sqlite.quote_table("main.t"), "\"main\".\"t\"");
    }

    #[test]
    fn placeholders_are_numbered_only_in_postgres() {
        assert_eq!(Dialect::Postgres.placeholder(3, ColumnKind::Int32), "$3");
        assert_eq!(Dialect::Postgres.placeholder(1, ColumnKind::Json), "CAST($1 AS jsonb)");
        assert_eq!(Dialect::MySql.placeholder(3, ColumnKind::Json), "?");
    }

    #[test]
    fn upserts_update_the_non_key_columns() {
        let keys = ["id".to_string()];
        let columns = ["name".to_string()];
        assert_eq!(
            Dialect::Postgres.upsert_suffix(&keys, &columns),
            " ON CONFLICT (\"id\") DO UPDATE SET \"name\"=excluded.\"name\""
        );
        assert_eq!(
            Dialect::MySql.upsert_suffix(&keys, &columns),
            " ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)"
        );
        assert_eq!(
            Dialect::Sqlite.upsert_suffix(&keys, &[]),
            " ON CONFLICT (\"id\") DO NOTHING"
        );
    }

    #[test]
    fn auto_create_types_follow_the_schema() {
        let decimal = logical::decimal_schema(2).build();
        assert_eq!(Dialect::MySql.column_type(&decimal, false).unwrap(), "DECIMAL(65,2)");
        assert_eq!(Dialect::Postgres.column_type(&decimal, false).unwrap(), "NUMERIC(38,2)");
        assert_eq!(
            Dialect::MySql.column_type(&Schema::string(), true).unwrap(),
            "VARCHAR(256)"
        );
        assert_eq!(
            Dialect::Postgres.column_type(&Schema::int64(), false).unwrap(),
            "BIGINT"
        );
        let array = kconnect_api::SchemaBuilder::array(Schema::int32()).build();
        assert!(Dialect::Sqlite.column_type(&array, false).is_none());
    }
}
