//! Which tables and columns are captured, and which columns key a table's events: the connector's
//! include and exclude lists (regular expressions matched against whole names) and
//! `message.key.columns`.

use kconnect_api::config::ParsedConfig;
use kconnect_api::{ConnectError, Result};
use regex::Regex;

/// A regular expression that must match a whole name.
fn whole(pattern: &str) -> std::result::Result<Regex, regex::Error> {
    Regex::new(&format!("^(?:{pattern})$"))
}

/// The regular expressions of a list key; a bad one is an error naming the key.
pub fn patterns(parsed: &ParsedConfig, name: &str) -> Result<Vec<Regex>> {
    parsed
        .list(name)
        .iter()
        .map(|pattern| {
            whole(pattern)
                .map_err(|err| ConnectError::config(name, format!("{pattern} is not a regular expression: {err}")))
        })
        .collect()
}

/// A table's name as Debezium names data collections: `schema.table`.
pub fn table_id(schema: &str, table: &str) -> String {
    format!("{schema}.{table}")
}

fn any(list: &[Regex], text: &str) -> bool {
    list.iter().any(|r| r.is_match(text))
}

/// Which tables are captured: `schema.*` and `table.*` include and exclude lists, matched against
/// the whole schema name and the whole `schema.table`.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    schema_include: Vec<Regex>,
    schema_exclude: Vec<Regex>,
    table_include: Vec<Regex>,
    table_exclude: Vec<Regex>,
}

impl TableFilter {
    /// The filter of the schema and table include and exclude lists.
    pub fn new(
        schema_include: Vec<Regex>,
        schema_exclude: Vec<Regex>,
        table_include: Vec<Regex>,
        table_exclude: Vec<Regex>,
    ) -> Self {
        Self {
            schema_include,
            schema_exclude,
            table_include,
            table_exclude,
        }
    }

    /// Whether an include list names what to capture.
    pub fn has_includes(&self) -> bool {
        !self.schema_include.is_empty() || !self.table_include.is_empty()
    }

    /// Whether `schema.table` is captured.
    pub fn captures(&self, schema: &str, table: &str) -> bool {
        let full = table_id(schema, table);
        (self.schema_include.is_empty() || any(&self.schema_include, schema))
            && !any(&self.schema_exclude, schema)
            && (self.table_include.is_empty() || any(&self.table_include, &full))
            && !any(&self.table_exclude, &full)
            && !matches!(schema, "pg_catalog" | "information_schema")
    }
}

/// Which columns events' rows carry: `column.include.list` / `column.exclude.list`, matched
/// against the whole `schema.table.column`.
#[derive(Debug, Clone, Default)]
pub struct ColumnFilter {
    include: Vec<Regex>,
    exclude: Vec<Regex>,
}

impl ColumnFilter {
    /// The filter of the column include and exclude lists.
    pub fn new(include: Vec<Regex>, exclude: Vec<Regex>) -> Self {
        Self { include, exclude }
    }

    /// Whether rows of `schema.table` carry `column`.
    pub fn keeps(&self, schema: &str, table: &str, column: &str) -> bool {
        let full = format!("{schema}.{table}.{column}");
        (self.include.is_empty() || any(&self.include, &full)) && !any(&self.exclude, &full)
    }
}

/// `message.key.columns`: `<schema.table regex>:<column>,<column>;…`, the columns that key a
/// matching table's events instead of its primary key.
#[derive(Debug, Clone, Default)]
pub struct MessageKeys(Vec<(Regex, Vec<String>)>);

impl MessageKeys {
    /// Reads the key's value; an error says what is wrong with it.
    pub fn parse(text: &str) -> std::result::Result<Self, String> {
        let mut keys = Vec::new();
        for entry in text.split(';').map(str::trim).filter(|e| !e.is_empty()) {
            let (table, columns) = entry
                .rsplit_once(':')
                .ok_or_else(|| format!("{entry} is not <fully-qualified table>:<column>,<column>"))?;
            let table = whole(table.trim()).map_err(|err| format!("{table} is not a regular expression: {err}"))?;
            let columns: Vec<String> = columns
                .split(',')
                .map(|c| c.trim().to_string())
                .filter(|c| !c.is_empty())
                .collect();
            if columns.is_empty() {
                return Err(format!("{entry} names no column"));
            }
            keys.push((table, columns));
        }
        Ok(Self(keys))
    }

    /// The key columns of `schema.table`, when it matches an entry.
    pub fn of(&self, schema: &str, table: &str) -> Option<&[String]> {
        let full = table_id(schema, table);
        self.0
            .iter()
            .find(|(pattern, _)| pattern.is_match(&full))
            .map(|(_, columns)| columns.as_slice())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_and_message_keys_match_whole_names() {
        let columns = ColumnFilter::new(vec![], vec![whole("public.people.(ssn|secret)").unwrap()]);
        assert!(columns.keeps("public", "people", "name"));
        assert!(!columns.keeps("public", "people", "ssn"));
        assert!(columns.keeps("public", "people", "ssn_hash"));
        let keys = MessageKeys::parse("public.orders:customer, day ; (.*).items:sku").unwrap();
        assert_eq!(
            keys.of("public", "orders"),
            Some(&["customer".to_string(), "day".to_string()][..])
        );
        assert_eq!(keys.of("shop", "items"), Some(&["sku".to_string()][..]));
        assert_eq!(keys.of("public", "orders_old"), None);
        assert!(MessageKeys::parse("public.orders").is_err());
        assert!(MessageKeys::parse("public.orders:").is_err());
    }
}
