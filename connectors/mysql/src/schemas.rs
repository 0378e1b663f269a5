//! The captured tables' shapes as of where the binary log is read: from the snapshot or the
//! schema history, changed by each DDL statement met. A statement the history already holds (a
//! task started again before the position it recorded) gives back the shapes recorded then; a new
//! one is compared with the catalog, and what changed becomes the history's next entry.

use std::collections::{BTreeMap, VecDeque};

use kconnect_cdc::filters::TableFilter;
use serde_json::Value as Json;

use crate::catalog::TableDef;
use crate::history::HistoryEntry;
use crate::offsets::Restart;
use crate::table_change::{ChangeType, change_document, read_change};

/// Tables by database and name.
pub type Tables = BTreeMap<(String, String), TableDef>;

/// What a DDL statement at a position means for the shapes.
#[derive(Debug, PartialEq)]
pub enum AtDdl {
    /// The history recorded it after the position the task started from: its entry says what
    /// changed.
    Recorded(Box<HistoryEntry>),
    /// The shapes already include it (or it changed nothing captured when first met).
    Known,
    /// Met for the first time: the catalog says what changed.
    New,
}

/// The captured tables' shapes.
#[derive(Debug, Default)]
pub struct Schemas {
    tables: Tables,
    /// Entries of the history after the position the task started from, in order.
    pending: VecDeque<(Restart, HistoryEntry)>,
    /// The position of the history's last DDL statement (its snapshot's and its tables' first
    /// shapes come before any statement at their position).
    recorded_to: Option<Restart>,
}

impl Schemas {
    /// The shapes of `tables`, before any statement.
    pub fn new(tables: impl IntoIterator<Item = TableDef>) -> Self {
        Self {
            tables: tables
                .into_iter()
                .map(|def| ((def.database.clone(), def.name.clone()), def))
                .collect(),
            ..Self::default()
        }
    }

    /// How many tables are known.
    pub fn len(&self) -> usize {
        self.tables.len()
    }

    /// Whether no table is known.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
    }

    /// The shape of `database.table`, if it is known.
    pub fn table(&self, database: &str, table: &str) -> Option<&TableDef> {
        self.tables.get(&(database.to_string(), table.to_string()))
    }

    /// Applies a history entry's `tableChanges` to the tables `filter` captures.
    pub fn apply(&mut self, changes: &[Json], filter: &TableFilter) {
        for change in changes {
            let Some((kind, id, def)) = read_change(change) else {
                tracing::warn!(%change, "skipping a table change this connector cannot read");
                continue;
            };
            if !filter.captures(&id.0, &id.1) {
                continue;
            }
            match (kind, def) {
                (ChangeType::Drop, _) | (_, None) => self.tables.remove(&id),
                (_, Some(def)) => self.tables.insert(id, def),
            };
        }
    }

    /// The history holds a DDL statement's entry at `at`.
    pub fn recorded(&mut self, at: Restart) {
        if self.recorded_to.as_ref().is_none_or(|to| to.at_or_before(&at)) {
            self.recorded_to = Some(at);
        }
    }

    /// The history holds `entry`, at `at`, after the position the task starts from.
    pub fn pend(&mut self, at: Restart, entry: HistoryEntry) {
        self.pending.push_back((at, entry));
    }

    /// What the DDL statement at `at` means.
    pub fn at_ddl(&mut self, at: &Restart) -> AtDdl {
        while let Some((recorded, _)) = self.pending.front() {
            if recorded == at {
                let (_, entry) = self.pending.pop_front().expect("a pending entry");
                return AtDdl::Recorded(Box::new(entry));
            }
            if !recorded.at_or_before(at) {
                break;
            }
            // An entry this run passed without meeting its statement: nothing to wait for.
            self.pending.pop_front();
        }
        match &self.recorded_to {
            Some(to) if at.at_or_before(to) => AtDdl::Known,
            _ => AtDdl::New,
        }
    }

    /// Takes from `now` (every captured table, from the catalog) the shapes of the tables
    /// `statement` names, and returns what changed as `tableChanges` documents. Tables it does not
    /// name keep their shapes: the catalog may already show what a later statement made of them.
    pub fn change_to(&mut self, now: Vec<TableDef>, statement: &str) -> Vec<Json> {
        let named = Named::new(statement);
        let now: Tables = now
            .into_iter()
            .filter(|def| named.names(&def.database, &def.name))
            .map(|def| ((def.database.clone(), def.name.clone()), def))
            .collect();
        let mut changes = Vec::new();
        let mut dropped = Vec::new();
        for (id, def) in &self.tables {
            match now.get(id) {
                None if named.names(&id.0, &id.1) => {
                    changes.push(change_document(ChangeType::Drop, def));
                    dropped.push(id.clone());
                }
                Some(current) if current != def => changes.push(change_document(ChangeType::Alter, current)),
                _ => {}
            }
        }
        for (id, def) in &now {
            if !self.tables.contains_key(id) {
                changes.push(change_document(ChangeType::Create, def));
            }
        }
        for id in dropped {
            self.tables.remove(&id);
        }
        self.tables.extend(now);
        changes
    }

    /// Puts a table's shape met in the binary log (first seen, or corrected); its `tableChanges`
    /// document.
    pub fn put(&mut self, kind: ChangeType, def: TableDef) -> Json {
        let change = change_document(kind, &def);
        self.tables.insert((def.database.clone(), def.name.clone()), def);
        change
    }
}

/// The identifiers a statement names, to tell which tables it may change: a table it names, or
/// every table of a database it names in a statement about databases.
struct Named {
    words: Vec<String>,
    about_databases: bool,
}

impl Named {
    fn new(statement: &str) -> Self {
        let words: Vec<String> = statement
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '$'))
            .filter(|word| !word.is_empty())
            .map(str::to_lowercase)
            .collect();
        let about_databases = words.iter().any(|w| w == "database" || w == "schema");
        Self { words, about_databases }
    }

    fn names(&self, database: &str, table: &str) -> bool {
        let has = |name: &str| self.words.iter().any(|w| w.eq_ignore_ascii_case(name));
        has(table) || (self.about_databases && has(database))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::ColumnDef;

    fn table(name: &str, columns: &[&str]) -> TableDef {
        TableDef {
            database: "shop".into(),
            name: name.into(),
            columns: columns
                .iter()
                .map(|c| ColumnDef {
                    name: c.to_string(),
                    data_type: "int".into(),
                    column_type: "int(11)".into(),
                    ..ColumnDef::default()
                })
                .collect(),
            ..TableDef::default()
        }
    }

    fn at(pos: u64) -> Restart {
        Restart {
            file: "mysql-bin.000001".into(),
            pos,
            ..Restart::default()
        }
    }

    #[test]
    fn the_catalog_after_a_statement_gives_creates_alters_and_drops() {
        let mut schemas = Schemas::new([table("orders", &["id"]), table("old", &["id"])]);
        let changes = schemas.change_to(
            vec![
                table("orders", &["id", "note"]),
                table("new", &["id"]),
                table("later", &["id"]),
            ],
            "ALTER TABLE orders ADD note INT; CREATE TABLE `new` (id INT); DROP TABLE shop.old",
        );
        let kinds: Vec<(&str, &str)> = changes
            .iter()
            .map(|c| (c["type"].as_str().unwrap(), c["id"].as_str().unwrap()))
            .collect();
        assert_eq!(
            kinds,
            [
                ("DROP", "\"shop\".\"old\""),
                ("ALTER", "\"shop\".\"orders\""),
                ("CREATE", "\"shop\".\"new\"")
            ]
        );
        assert_eq!(schemas.table("shop", "orders").unwrap().columns.len(), 2);
        assert!(schemas.table("shop", "old").is_none());
        assert!(
            schemas.table("shop", "later").is_none(),
            "a table the statement does not name waits for its own"
        );
        let all = || vec![table("orders", &["id", "note"]), table("new", &["id"])];
        assert!(schemas.change_to(all(), "ALTER TABLE orders ADD note INT").is_empty());
        assert_eq!(schemas.change_to(vec![], "DROP DATABASE shop").len(), 2);
    }

    #[test]
    fn statements_the_history_holds_are_replayed_and_older_ones_known() {
        let filter = TableFilter::default();
        let mut schemas = Schemas::default();
        let created = change_document(ChangeType::Create, &table("orders", &["id"]));
        schemas.apply(&[created], &filter);
        schemas.recorded(at(100));
        let altered = HistoryEntry {
            position: at(500).offset(1, 0),
            database: "shop".into(),
            ddl: "ALTER TABLE orders ADD note INT".into(),
            changes: vec![change_document(ChangeType::Alter, &table("orders", &["id", "note"]))],
        };
        schemas.pend(at(500), altered.clone());
        schemas.recorded(at(500));
        assert_eq!(schemas.at_ddl(&at(80)), AtDdl::Known);
        assert_eq!(schemas.at_ddl(&at(500)), AtDdl::Recorded(Box::new(altered)));
        assert_eq!(schemas.at_ddl(&at(500)), AtDdl::Known);
        assert_eq!(schemas.at_ddl(&at(900)), AtDdl::New);
    }
}
