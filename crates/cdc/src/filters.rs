//! Which tables and columns are captured, and which columns key a table's events: the connector's
//! include and exclude lists (regular expressions matched against whole names) and
//! `message.key.columns`. A table lives in a namespace: PostgreSQL's schema, MySQL's database.

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

/// A table's name as Debezium names data collections: `namespace.table`.
pub fn table_id(namespace: &str, table: &str) -> String {
    format!("{namespace}.{table}")
}

fn any(list: &[Regex], text: &str) -> bool {
    list.iter().any(|r| r.is_match(text))
}

/// Which tables are captured: the namespace (`schema.*` or `database.*`) and `table.*` include and
/// exclude lists, matched against the whole namespace name and the whole `namespace.table`. The
/// server's own system namespaces are never captured.
#[derive(Debug, Clone, Default)]
pub struct TableFilter {
    namespace_include: Vec<Regex>,
    namespace_exclude: Vec<Regex>,
    table_include: Vec<Regex>,
    table_exclude: Vec<Regex>,
    system: &'static [&'static str],
}

impl TableFilter {
    /// The filter of the namespace and table include and exclude lists, never capturing `system`.
    pub fn new(
        namespace_include: Vec<Regex>,
        namespace_exclude: Vec<Regex>,
        table_include: Vec<Regex>,
        table_exclude: Vec<Regex>,
        system: &'static [&'static str],
    ) -> Self {
        Self {
            namespace_include,
            namespace_exclude,
            table_include,
            table_exclude,
            system,
        }
    }

    /// Whether an include list names what to capture.
    pub fn has_includes(&self) -> bool {
        !self.namespace_include.is_empty() || !self.table_include.is_empty()
    }

    /// Whether tables of `namespace` may be captured (the namespace lists alone).
    pub fn captures_namespace(&self, namespace: &str) -> bool {
        (self.namespace_include.is_empty() || any(&self.namespace_include, namespace))
            && !any(&self.namespace_exclude, namespace)
            && !self.system.contains(&namespace)
    }

    /// `tables` in the order Debezium's snapshot reads them: by the first pattern of
    /// `table.include.list` each matches, in the list's order, then by `id` (`namespace.table`).
    pub fn snapshot_order<T>(&self, mut tables: Vec<T>, id: impl Fn(&T) -> String) -> Vec<T> {
        tables.sort_by_cached_key(|table| {
            let id = id(table);
            let pattern = self
                .table_include
                .iter()
                .position(|pattern| pattern.is_match(&id))
                .unwrap_or(usize::MAX);
            (pattern, id)
        });
        tables
    }

    /// Whether `namespace.table` is captured.
    pub fn captures(&self, namespace: &str, table: &str) -> bool {
        let full = table_id(namespace, table);
        self.captures_namespace(namespace)
            && (self.table_include.is_empty() || any(&self.table_include, &full))
            && !any(&self.table_exclude, &full)
    }
}

/// Which columns events' rows carry: `column.include.list` / `column.exclude.list`, matched
/// against the whole `namespace.table.column`.
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

    /// Whether rows of `namespace.table` carry `column`.
    pub fn keeps(&self, namespace: &str, table: &str, column: &str) -> bool {
        let full = format!("{namespace}.{table}.{column}");
        (self.include.is_empty() || any(&self.include, &full)) && !any(&self.exclude, &full)
    }
}

/// `message.key.columns`: `<namespace.table regex>:<column>,<column>;…`, the columns that key a
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

    /// The key columns of `namespace.table`, when it matches an entry.
    pub fn of(&self, namespace: &str, table: &str) -> Option<&[String]> {
        let full = table_id(namespace, table);
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

    #[test]
    fn system_namespaces_are_never_captured() {
        let tables = TableFilter::new(vec![], vec![], vec![], vec![], &["mysql", "sys"]);
        assert!(tables.captures("shop", "orders"));
        assert!(!tables.captures("mysql", "user"));
        let only_shop = TableFilter::new(vec![whole("shop").unwrap()], vec![], vec![], vec![], &[]);
        assert!(only_shop.captures_namespace("shop"));
        assert!(!only_shop.captures_namespace("shop2"));
    }

    #[test]
    fn a_snapshot_reads_tables_in_the_include_lists_order() {
        let include = vec![whole("shop.orders").unwrap(), whole("shop.a.*").unwrap()];
        let tables = TableFilter::new(vec![], vec![], include, vec![], &[]);
        let ids = vec!["shop.apples", "shop.orders", "shop.avocados"];
        assert_eq!(
            tables.snapshot_order(ids, |id| id.to_string()),
            ["shop.orders", "shop.apples", "shop.avocados"]
        );
    }
}
