//! What the server's catalog (`information_schema`) says of the captured tables: each column's
//! type as declared, and the primary key. Row events carry no column names; these do.

use mysql_async::Conn;
use mysql_async::prelude::Queryable;

use kconnect_api::Result;
use kconnect_cdc::filters::{TableFilter, table_id};

use crate::client::failed;
use crate::defaults::column_default;

/// One column as the catalog declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnDef {
    /// The column's name.
    pub name: String,
    /// `DATA_TYPE`: the type's name in lower case (`int`, `varchar`, `datetime`…).
    pub data_type: String,
    /// `COLUMN_TYPE`: the full declaration (`int(10) unsigned`, `enum('a','b')`, `bit(3)`).
    pub column_type: String,
    /// Whether NULL is allowed.
    pub nullable: bool,
    /// `NUMERIC_PRECISION` (digits of a DECIMAL, bits of a BIT).
    pub precision: Option<u32>,
    /// `NUMERIC_SCALE`.
    pub scale: Option<u32>,
    /// `DATETIME_PRECISION`: fractional second digits.
    pub fsp: Option<u32>,
    /// `CHARACTER_SET_NAME`, for text columns.
    pub charset: Option<String>,
    /// Whether the column is `AUTO_INCREMENT`.
    pub auto_increment: bool,
    /// Whether the column is generated (`VIRTUAL` or `STORED`).
    pub generated: bool,
    /// Its comment, if it has one.
    pub comment: Option<String>,
    /// Whether it has a default (`DEFAULT NULL` included).
    pub has_default: bool,
    /// Its default's expression as Debezium's DDL parser keeps it (`defaults.rs`); none for NULL
    /// or an expression.
    pub default: Option<String>,
}

impl ColumnDef {
    /// Whether the integer type is UNSIGNED.
    pub fn unsigned(&self) -> bool {
        self.column_type.contains("unsigned")
    }

    /// The labels of an ENUM or SET, in their declared order.
    pub fn labels(&self) -> Vec<String> {
        let Some(inner) = self
            .column_type
            .split_once('(')
            .and_then(|(_, rest)| rest.strip_suffix(')'))
        else {
            return Vec::new();
        };
        let mut labels = Vec::new();
        let mut chars = inner.chars().peekable();
        while let Some(c) = chars.next() {
            if c != '\'' {
                continue;
            }
            let mut label = String::new();
            while let Some(c) = chars.next() {
                match c {
                    '\'' if chars.peek() == Some(&'\'') => {
                        chars.next();
                        label.push('\'');
                    }
                    '\'' => break,
                    '\\' => label.extend(chars.next()),
                    c => label.push(c),
                }
            }
            labels.push(label);
        }
        labels
    }
}

/// One table as the catalog declares it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TableDef {
    /// The database.
    pub database: String,
    /// The table's name.
    pub name: String,
    /// Its columns, in their order.
    pub columns: Vec<ColumnDef>,
    /// Its primary key's columns, in the key's order.
    pub primary_key: Vec<String>,
    /// Its default character set.
    pub charset: Option<String>,
    /// Its comment, if it has one.
    pub comment: Option<String>,
}

impl TableDef {
    /// `database.table`, as Debezium names data collections.
    pub fn id(&self) -> String {
        table_id(&self.database, &self.name)
    }
}

/// A string literal for SQL.
pub fn literal(text: &str) -> String {
    format!("'{}'", text.replace('\\', "\\\\").replace('\'', "''"))
}

/// An identifier for SQL.
pub fn quote(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// The base tables `filter` captures (all of them with `None`; one with `Some((database, table))`),
/// in name order.
pub async fn tables(conn: &mut Conn, filter: &TableFilter, only: Option<(&str, &str)>) -> Result<Vec<TableDef>> {
    let only_sql = only.map_or(String::new(), |(database, table)| {
        format!(
            " AND c.TABLE_SCHEMA = {} AND c.TABLE_NAME = {}",
            literal(database),
            literal(table)
        )
    });
    let version: Option<String> = conn
        .query_first("SELECT VERSION()")
        .await
        .map_err(failed("reading the catalog"))?;
    let mariadb = version.is_some_and(|v| v.to_ascii_lowercase().contains("mariadb"));
    let columns: Vec<mysql_async::Row> = conn
        .query(format!(
            "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME, c.DATA_TYPE, c.COLUMN_TYPE, c.IS_NULLABLE, \
             c.NUMERIC_PRECISION, c.NUMERIC_SCALE, c.DATETIME_PRECISION, c.CHARACTER_SET_NAME, c.EXTRA, \
             c.COLUMN_COMMENT, t.TABLE_COLLATION, t.TABLE_COMMENT, c.COLUMN_DEFAULT \
             FROM information_schema.COLUMNS c JOIN information_schema.TABLES t \
             ON t.TABLE_SCHEMA = c.TABLE_SCHEMA AND t.TABLE_NAME = c.TABLE_NAME \
             WHERE t.TABLE_TYPE = 'BASE TABLE'{only_sql} \
             ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"
        ))
        .await
        .map_err(failed("reading the catalog"))?;
    let keys: Vec<(String, String, String)> = conn
        .query(format!(
            "SELECT c.TABLE_SCHEMA, c.TABLE_NAME, c.COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE c \
             WHERE c.CONSTRAINT_NAME = 'PRIMARY'{only_sql} ORDER BY c.TABLE_SCHEMA, c.TABLE_NAME, c.ORDINAL_POSITION"
        ))
        .await
        .map_err(failed("reading the catalog"))?;
    let mut tables: Vec<TableDef> = Vec::new();
    for mut row in columns {
        let text =
            |row: &mut mysql_async::Row, i: usize| row.take::<Option<String>, _>(i).flatten().unwrap_or_default();
        let number = |row: &mut mysql_async::Row, i: usize| row.take::<Option<u32>, _>(i).flatten();
        let (database, table) = (text(&mut row, 0), text(&mut row, 1));
        if !filter.captures(&database, &table) {
            continue;
        }
        let given = |text: String| (!text.is_empty()).then_some(text);
        let extra = text(&mut row, 10).to_lowercase();
        let nullable = text(&mut row, 5) == "YES";
        let (has_default, default) =
            column_default(row.take::<Option<String>, _>(14).flatten(), &extra, nullable, mariadb);
        let column = ColumnDef {
            name: text(&mut row, 2),
            data_type: text(&mut row, 3).to_lowercase(),
            column_type: text(&mut row, 4).to_lowercase(),
            nullable,
            precision: number(&mut row, 6),
            scale: number(&mut row, 7),
            fsp: number(&mut row, 8),
            charset: given(text(&mut row, 9)),
            auto_increment: extra.contains("auto_increment"),
            generated: extra.contains("generated"),
            comment: given(text(&mut row, 11)),
            has_default,
            default,
        };
        match tables.last_mut() {
            Some(last) if last.database == database && last.name == table => last.columns.push(column),
            _ => {
                let collation = text(&mut row, 12);
                tables.push(TableDef {
                    database,
                    name: table,
                    columns: vec![column],
                    primary_key: Vec::new(),
                    charset: collation
                        .split('_')
                        .next()
                        .map(str::to_string)
                        .filter(|c| !c.is_empty()),
                    comment: given(text(&mut row, 13)),
                })
            }
        }
    }
    for (database, table, column) in keys {
        if let Some(def) = tables.iter_mut().find(|t| t.database == database && t.name == table) {
            def.primary_key.push(column);
        }
    }
    Ok(tables)
}

/// The `CREATE TABLE` statement of `def` (`SHOW CREATE TABLE`), as the schema history records it.
pub async fn create_statement(conn: &mut Conn, def: &TableDef) -> Result<String> {
    let row: Option<(String, String)> = conn
        .query_first(format!(
            "SHOW CREATE TABLE {}.{}",
            quote(&def.database),
            quote(&def.name)
        ))
        .await
        .map_err(failed("reading a table's definition"))?;
    Ok(row.map(|(_, statement)| statement).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_and_set_labels_are_read_from_the_declaration() {
        let column = |column_type: &str| ColumnDef {
            column_type: column_type.into(),
            ..ColumnDef::default()
        };
        assert_eq!(column("enum('a','b c')").labels(), ["a", "b c"]);
        assert_eq!(column("set('it''s','x,y')").labels(), ["it's", "x,y"]);
        assert!(column("int(10) unsigned").unsigned());
        assert!(column("varchar(20)").labels().is_empty());
        assert_eq!(literal("o'k"), "'o''k'");
        assert_eq!(quote("we`ird"), "`we``ird`");
    }
}
