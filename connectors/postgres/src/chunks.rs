//! A table read in chunks of rows in primary key order, after a key and up to a bound: how the
//! snapshot goes through a table so that it can resume, and how an incremental snapshot does.

use kconnect_api::{ConnectError, Result};
use sqlx::Row;
use sqlx::postgres::{PgConnection, PgRow};

use crate::client::{KeyColumn, quote};
use crate::pgoutput::{Datum, Relation, RelationColumn, Tuple};

fn failed(err: sqlx::Error) -> ConnectError {
    ConnectError::Retriable(format!("reading a table's rows: {err}"))
}

/// `SELECT` of every column of `schema.table` as its text output, and the qualified table name.
pub fn select_all(relation: &Relation) -> (String, String) {
    let from = format!("{}.{}", quote(&relation.namespace), quote(&relation.name));
    let columns: Vec<String> = relation.columns.iter().map(text_of).collect();
    (format!("SELECT {} FROM {from}", columns.join(", ")), from)
}

/// The column as it is selected: its text output, as pgoutput sends it (a `char(n)` keeps its
/// padding, which a cast to text drops).
fn text_of(column: &RelationColumn) -> String {
    let name = quote(&column.name);
    match (column.type_oid, column.type_modifier) {
        (1042, modifier) if modifier > 4 => format!("rpad({name}::text, {})", modifier - 4),
        _ => format!("{name}::text"),
    }
}

/// A row's columns, as text.
pub fn tuple(row: &PgRow) -> Result<Tuple> {
    (0..row.len())
        .map(|i| {
            let text: Option<String> = row.try_get(i).map_err(failed)?;
            Ok(text.map_or(Datum::Null, Datum::Text))
        })
        .collect()
}

/// The chunks of one table with a primary key.
#[derive(Debug, Clone)]
pub struct TableChunks {
    select: String,
    /// The key columns, qualified: a bare name would order by the selected text of the column.
    order: Vec<String>,
    /// Each key column's type, to cast a key value's text to.
    types: Vec<String>,
    /// Where the key columns are in a row.
    positions: Vec<usize>,
    rows: usize,
}

impl TableChunks {
    /// Chunks of `rows` rows of `relation` in the order of its primary key `key`; `None` for a
    /// table without one.
    pub fn new(relation: &Relation, key: &[KeyColumn], rows: usize) -> Option<Self> {
        let positions = key
            .iter()
            .map(|k| relation.columns.iter().position(|c| c.name == k.name))
            .collect::<Option<Vec<_>>>()
            .filter(|positions| !positions.is_empty())?;
        let (select, from) = select_all(relation);
        Some(Self {
            select,
            order: key.iter().map(|k| format!("{from}.{}", quote(&k.name))).collect(),
            types: key.iter().map(|k| k.type_name.clone()).collect(),
            positions,
            rows,
        })
    }

    /// The rows of a chunk.
    pub fn size(&self) -> usize {
        self.rows
    }

    /// The primary key of `tuple`, as text.
    pub fn key_of(&self, tuple: &[Datum]) -> Vec<String> {
        self.positions
            .iter()
            .map(|at| match tuple.get(*at) {
                Some(Datum::Text(text)) => text.clone(),
                _ => String::new(),
            })
            .collect()
    }

    /// Whether `key` is one of this table's keys (an offset written for another shape is not).
    pub fn fits(&self, key: &[String]) -> bool {
        key.len() == self.positions.len()
    }

    /// `(k1, k2) <op> ($n::text::t1, $n+1::text::t2)`, numbering from `first`.
    fn compare(&self, op: &str, first: usize) -> String {
        let values: Vec<String> = self
            .types
            .iter()
            .enumerate()
            .map(|(n, kind)| format!("${}::text::{kind}", first + n))
            .collect();
        format!("({}) {op} ({})", self.order.join(", "), values.join(", "))
    }

    /// The next chunk: the rows after the key `after` (from the first without it), up to and
    /// including `upto` when given.
    pub async fn read(
        &self,
        sql: &mut PgConnection,
        after: Option<&[String]>,
        upto: Option<&[String]>,
    ) -> Result<Vec<Tuple>> {
        let mut conditions = Vec::new();
        let mut values: Vec<&String> = Vec::new();
        if let Some(after) = after {
            conditions.push(self.compare(">", values.len() + 1));
            values.extend(after);
        }
        if let Some(upto) = upto {
            conditions.push(self.compare("<=", values.len() + 1));
            values.extend(upto);
        }
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let statement = format!(
            "{}{filter} ORDER BY {} LIMIT {}",
            self.select,
            self.order.join(", "),
            self.rows
        );
        let query = values
            .into_iter()
            .fold(sqlx::query(&statement), |query, value| query.bind(value));
        let rows = query.fetch_all(&mut *sql).await.map_err(failed)?;
        rows.iter().map(tuple).collect()
    }

    /// The table's greatest key now; `None` for an empty table.
    pub async fn last_key(&self, sql: &mut PgConnection) -> Result<Option<Vec<String>>> {
        let descending: Vec<String> = self.order.iter().map(|column| format!("{column} DESC")).collect();
        let statement = format!("{} ORDER BY {} LIMIT 1", self.select, descending.join(", "));
        let row = sqlx::query(&statement)
            .fetch_optional(&mut *sql)
            .await
            .map_err(failed)?;
        Ok(row.as_ref().map(tuple).transpose()?.map(|last| self.key_of(&last)))
    }
}
