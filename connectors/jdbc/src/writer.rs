//! Writing rows: the tables they need (`auto.create`, `auto.evolve`, type checks) and the batched
//! statements (multi-row INSERT/upsert, UPDATE, DELETE) with every value bound.

use std::collections::{HashMap, HashSet};

use kconnect_api::{ConnectError, Result, Schema, SchemaType, Value};

use crate::column::{ColumnKind, ColumnMeta};
use crate::dialect::Dialect;
use crate::driver::{Driver, Param, Statement};
use crate::row::{Operation, Row, RowColumn};

/// `auto.create`, `auto.evolve` and `batch.size`.
#[derive(Debug, Clone, Copy)]
pub struct WriterSettings {
    /// Create missing tables.
    pub auto_create: bool,
    /// Add missing columns.
    pub auto_evolve: bool,
    /// Rows per statement at most.
    pub batch_size: usize,
}

/// Writes rows, knowing the tables it has seen.
pub struct Writer {
    settings: WriterSettings,
    tables: HashMap<String, Vec<ColumnMeta>>,
}

impl Writer {
    /// A writer with no table known yet.
    pub fn new(settings: WriterSettings) -> Self {
        Self {
            settings,
            tables: HashMap::new(),
        }
    }

    /// Forgets what it knows of the tables (after a failed write, which may have been a DDL
    /// change by someone else).
    pub fn forget_tables(&mut self) {
        self.tables.clear();
    }

    /// Writes `rows` in one transaction.
    pub async fn write(&mut self, driver: &dyn Driver, rows: &[&Row]) -> Result<()> {
        let mut previous: Option<&Row> = None;
        for row in rows {
            let same_as_previous = previous.is_some_and(|p| {
                p.table == row.table && same_columns(&p.keys, &row.keys) && same_columns(&p.columns, &row.columns)
            });
            if !same_as_previous {
                self.prepare_table(driver, row).await?;
            }
            previous = Some(row);
        }
        let statements = self.statements(driver.dialect(), rows)?;
        if statements.is_empty() {
            return Ok(());
        }
        driver.execute(&statements).await
    }

    /// Makes sure the row's table exists with its columns, creating or evolving it as allowed.
    async fn prepare_table(&mut self, driver: &dyn Driver, row: &Row) -> Result<()> {
        let dialect = driver.dialect();
        if !self.tables.contains_key(&row.table) {
            let columns = match driver.describe(&row.table).await? {
                Some(columns) => columns,
                None if row.operation == Operation::Delete => {
                    return Err(ConnectError::data(format!(
                        "cannot delete from table {}: it does not exist",
                        row.table
                    )));
                }
                None if self.settings.auto_create => {
                    driver.execute(&[create_table(dialect, row)?]).await?;
                    tracing::info!(table = %row.table, "created table");
                    driver.describe(&row.table).await?.ok_or_else(|| {
                        ConnectError::data(format!("table {} was created but cannot be described", row.table))
                    })?
                }
                None => {
                    return Err(ConnectError::data(format!(
                        "table {} does not exist and auto.create is disabled",
                        row.table
                    )));
                }
            };
            self.tables.insert(row.table.clone(), columns);
        }
        let known = &self.tables[&row.table];
        let missing: Vec<&RowColumn> = row
            .keys
            .iter()
            .chain(&row.columns)
            .filter(|c| !known.iter().any(|k| k.name == c.name))
            .collect();
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(|c| c.name.as_str()).collect();
            if !self.settings.auto_evolve {
                return Err(ConnectError::data(format!(
                    "table {} has no column {} and auto.evolve is disabled",
                    row.table,
                    names.join(", ")
                )));
            }
            let mut statements = Vec::new();
            for column in missing {
                if !column.schema.optional && column.schema.default_value.is_none() {
                    return Err(ConnectError::data(format!(
                        "cannot add column {} to table {}: the field is not optional and has no default",
                        column.name, row.table
                    )));
                }
                statements.push(Statement {
                    sql: format!(
                        "ALTER TABLE {} ADD {} {} NULL",
                        dialect.quote_table(&row.table),
                        dialect.quote(&column.name),
                        sql_type(dialect, column, false, &row.table)?
                    ),
                    params: Vec::new(),
                });
            }
            driver.execute(&statements).await?;
            tracing::info!(table = %row.table, columns = ?names, "added columns");
            self.tables.remove(&row.table);
            return Box::pin(self.prepare_table(driver, row)).await;
        }
        for column in row.keys.iter().chain(&row.columns) {
            let declared = known.iter().find(|k| k.name == column.name).map(|k| k.kind);
            if let Some(kind) = declared
                && !fits(dialect, &column.schema, kind)
            {
                return Err(ConnectError::data(format!(
                    "table {} column {} is {kind:?}, which cannot hold the record's {} field",
                    row.table,
                    column.name,
                    schema_label(&column.schema)
                )));
            }
        }
        Ok(())
    }

    /// The statements for `rows`, in order: runs of rows with the same table, operation and
    /// columns share one multi-row INSERT, up to `batch.size` rows and the dialect's parameter
    /// limit; an upsert run also breaks where a key repeats.
    fn statements(&self, dialect: Dialect, rows: &[&Row]) -> Result<Vec<Statement>> {
        let mut statements = Vec::new();
        let mut run: Vec<&Row> = Vec::new();
        let mut run_keys: HashSet<String> = HashSet::new();
        for row in rows {
            let same_shape = run.first().is_some_and(|first| {
                first.table == row.table
                    && first.operation == row.operation
                    && same_names(&first.keys, &row.keys)
                    && same_names(&first.columns, &row.columns)
            });
            let batchable = matches!(row.operation, Operation::Insert | Operation::Upsert);
            let params = row.values.len().max(1);
            let key = (row.operation == Operation::Upsert).then(|| format!("{:?}", &row.values[..row.keys.len()]));
            let full = run.len() >= self.settings.batch_size || (run.len() + 1) * params > dialect.max_params();
            let repeated = key.as_ref().is_some_and(|key| run_keys.contains(key));
            if !run.is_empty() && (!same_shape || !batchable || full || repeated) {
                statements.push(self.statement(dialect, &run)?);
                run.clear();
                run_keys.clear();
            }
            run.push(row);
            run_keys.extend(key);
            if !batchable {
                statements.push(self.statement(dialect, &run)?);
                run.clear();
                run_keys.clear();
            }
        }
        if !run.is_empty() {
            statements.push(self.statement(dialect, &run)?);
        }
        Ok(statements)
    }

    /// One statement for a run of rows of the same shape (one row for UPDATE and DELETE).
    fn statement(&self, dialect: Dialect, run: &[&Row]) -> Result<Statement> {
        let first = run[0];
        let table = dialect.quote_table(&first.table);
        let declared = &self.tables[&first.table];
        let kind = |name: &str| {
            declared
                .iter()
                .find(|c| c.name == name)
                .map_or(ColumnKind::Text, |c| c.kind)
        };
        let mut params = Vec::new();
        let mut bind = |name: &str, value: &Value| {
            let kind = kind(name);
            params.push(Param {
                value: value.clone(),
                kind,
            });
            dialect.placeholder(params.len(), kind)
        };
        let key_count = first.keys.len();
        let sql = match first.operation {
            Operation::Insert | Operation::Upsert => {
                let names: Vec<&RowColumn> = first.keys.iter().chain(&first.columns).collect();
                let tuples: Vec<String> = run
                    .iter()
                    .map(|row| {
                        let placeholders: Vec<String> =
                            names.iter().zip(&row.values).map(|(c, v)| bind(&c.name, v)).collect();
                        format!("({})", placeholders.join(","))
                    })
                    .collect();
                let quoted: Vec<String> = names.iter().map(|c| dialect.quote(&c.name)).collect();
                let mut sql = format!("INSERT INTO {table} ({}) VALUES {}", quoted.join(","), tuples.join(","));
                if first.operation == Operation::Upsert {
                    if first.keys.is_empty() {
                        return Err(ConnectError::config(
                            "pk.mode",
                            "insert.mode=upsert needs a primary key: set pk.mode and pk.fields",
                        ));
                    }
                    sql.push_str(&dialect.upsert_suffix(&names_of(&first.keys), &names_of(&first.columns)));
                }
                sql
            }
            Operation::Update => {
                let sets: Vec<String> = first
                    .columns
                    .iter()
                    .zip(&first.values[key_count..])
                    .map(|(c, v)| format!("{}={}", dialect.quote(&c.name), bind(&c.name, v)))
                    .collect();
                let filter = key_filter(dialect, first, &mut bind)?;
                format!("UPDATE {table} SET {} WHERE {filter}", sets.join(","))
            }
            Operation::Delete => {
                let filter = key_filter(dialect, first, &mut bind)?;
                format!("DELETE FROM {table} WHERE {filter}")
            }
        };
        Ok(Statement { sql, params })
    }
}

fn key_filter(dialect: Dialect, row: &Row, bind: &mut impl FnMut(&str, &Value) -> String) -> Result<String> {
    if row.keys.is_empty() {
        return Err(ConnectError::config(
            "pk.mode",
            "updates and deletes need a primary key: set pk.mode and pk.fields",
        ));
    }
    let parts: Vec<String> = row
        .keys
        .iter()
        .zip(&row.values)
        .map(|(k, v)| format!("{}={}", dialect.quote(&k.name), bind(&k.name, v)))
        .collect();
    Ok(parts.join(" AND "))
}

fn names_of(columns: &[RowColumn]) -> Vec<String> {
    columns.iter().map(|c| c.name.clone()).collect()
}

fn same_names(a: &[RowColumn], b: &[RowColumn]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x.name == y.name)
}

/// Same names and schemas: a row of this shape needs no new table check.
fn same_columns(a: &[RowColumn], b: &[RowColumn]) -> bool {
    same_names(a, b) && a.iter().zip(b).all(|(x, y)| x.schema == y.schema)
}

fn sql_type(dialect: Dialect, column: &RowColumn, key: bool, table: &str) -> Result<String> {
    dialect.column_type(&column.schema, key).ok_or_else(|| {
        ConnectError::data(format!(
            "table {table} column {}: a {} field has no column type",
            column.name,
            schema_label(&column.schema)
        ))
    })
}

/// `CREATE TABLE` with the row's columns, NOT NULL for required fields, and its primary key.
fn create_table(dialect: Dialect, row: &Row) -> Result<Statement> {
    let mut definitions = Vec::new();
    for (column, key) in row
        .keys
        .iter()
        .map(|c| (c, true))
        .chain(row.columns.iter().map(|c| (c, false)))
    {
        let null = if key || !column.schema.optional {
            " NOT NULL"
        } else {
            ""
        };
        definitions.push(format!(
            "{} {}{null}",
            dialect.quote(&column.name),
            sql_type(dialect, column, key, &row.table)?
        ));
    }
    if !row.keys.is_empty() {
        let keys: Vec<String> = row.keys.iter().map(|k| dialect.quote(&k.name)).collect();
        definitions.push(format!("PRIMARY KEY({})", keys.join(",")));
    }
    Ok(Statement {
        sql: format!(
            "CREATE TABLE {} ({})",
            dialect.quote_table(&row.table),
            definitions.join(", ")
        ),
        params: Vec::new(),
    })
}

fn schema_label(schema: &Schema) -> String {
    schema
        .name
        .clone()
        .unwrap_or_else(|| schema.schema_type.name().to_string())
}

/// Whether a column of `kind` can take values of `schema`; SQLite takes anything.
fn fits(dialect: Dialect, schema: &Schema, kind: ColumnKind) -> bool {
    use ColumnKind as K;
    if dialect == Dialect::Sqlite || matches!(kind, K::Text) {
        return true;
    }
    let numeric = matches!(
        kind,
        K::Int8 | K::Int16 | K::Int32 | K::Int64 | K::Float32 | K::Float64 | K::Decimal | K::Boolean
    );
    match schema.name.as_deref() {
        Some(kconnect_api::logical::DECIMAL_NAME) => numeric,
        Some(kconnect_api::logical::DATE_NAME) => matches!(kind, K::Date | K::Timestamp | K::TimestampTz),
        Some(kconnect_api::logical::TIME_NAME) => kind == K::Time,
        Some(kconnect_api::logical::TIMESTAMP_NAME) => matches!(kind, K::Timestamp | K::TimestampTz | K::Date),
        _ => match schema.schema_type {
            SchemaType::Int8 | SchemaType::Int16 | SchemaType::Int32 | SchemaType::Int64 => numeric,
            SchemaType::Float32 | SchemaType::Float64 => numeric && kind != K::Boolean,
            SchemaType::Boolean => kind == K::Boolean || (numeric && dialect == Dialect::MySql),
            SchemaType::String => matches!(kind, K::Json | K::Uuid) || dialect == Dialect::MySql,
            SchemaType::Bytes => kind == K::Bytes,
            _ => false,
        },
    }
}

#[cfg(test)]
mod tests {
    use kconnect_api::SchemaBuilder;

    use super::*;

    fn row(operation: Operation, id: i64, name: &str) -> Row {
        Row {
            table: "people".into(),
            operation,
            keys: vec![RowColumn {
                name: "id".into(),
                schema: Schema::int64(),
            }],
            columns: vec![RowColumn {
                name: "name".into(),
                schema: Schema::optional_string(),
            }],
            values: vec![Value::Int64(id), Value::String(name.into())],
        }
    }

    fn writer(batch_size: usize) -> Writer {
        let mut writer = Writer::new(WriterSettings {
            auto_create: true,
            auto_evolve: true,
            batch_size,
        });
        writer.tables.insert(
            "people".into(),
            vec![
                ColumnMeta::new("id", ColumnKind::Int64),
                ColumnMeta::new("name", ColumnKind::Text),
            ],
        );
        writer
    }

    #[test]
    fn runs_of_inserts_share_a_statement_up_to_the_batch_size() {
        let rows = [1, 2, 3].map(|id| row(Operation::Insert, id, "x"));
        let refs: Vec<&Row> = rows.iter().collect();
        let statements = writer(2).statements(Dialect::Postgres, &refs).unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[0].sql,
            "INSERT INTO \"people\" (\"id\",\"name\") VALUES ($1,$2),($3,$4)"
        );
        assert_eq!(statements[0].params.len(), 4);
        assert_eq!(statements[1].params[0].value, Value::Int64(3));
    }

    #[test]
    fn an_upsert_run_breaks_where_a_key_repeats() {
        let rows = [row(Operation::Upsert, 1, "a"), row(Operation::Upsert, 1, "b")];
        let refs: Vec<&Row> = rows.iter().collect();
        let statements = writer(100).statements(Dialect::MySql, &refs).unwrap();
        assert_eq!(statements.len(), 2);
        assert_eq!(
            statements[0].sql,
            "INSERT INTO `people` (`id`,`name`) VALUES (?,?) ON DUPLICATE KEY UPDATE `name`=VALUES(`name`)"
        );
    }

    #[test]
    fn deletes_and_updates_name_the_key() {
        let mut delete = row(Operation::Delete, 4, "");
        delete.columns.clear();
        delete.values.truncate(1);
        let update = row(Operation::Update, 5, "y");
        let refs = [&update, &delete];
        let statements = writer(100).statements(Dialect::Sqlite, &refs).unwrap();
        assert_eq!(statements[0].sql, "UPDATE \"people\" SET \"name\"=? WHERE \"id\"=?");
        assert_eq!(
            statements[0].params.iter().map(|p| p.value.clone()).collect::<Vec<_>>(),
            vec![Value::String("y".into()), Value::Int64(5)]
        );
        assert_eq!(statements[1].sql, "DELETE FROM \"people\" WHERE \"id\"=?");
    }

    #[test]
    fn create_table_declares_keys_and_required_columns() {
        let mut people = row(Operation::Insert, 1, "x");
        people.columns.push(RowColumn {
            name: "born".into(),
            schema: kconnect_api::logical::date_schema().build(),
        });
        let statement = create_table(Dialect::Postgres, &people).unwrap();
        assert_eq!(
            statement.sql,
            "CREATE TABLE \"people\" (\"id\" BIGINT NOT NULL, \"name\" TEXT, \"born\" DATE NOT NULL, PRIMARY KEY(\"id\"))"
        );
        people.columns[0].schema = SchemaBuilder::array(Schema::int32()).build();
        let error = create_table(Dialect::Postgres, &people).unwrap_err();
        assert!(error.to_string().contains("table people column name"), "{error}");
    }

    #[test]
    fn type_checks_refuse_what_the_column_cannot_hold() {
        assert!(fits(Dialect::Postgres, &Schema::int32(), ColumnKind::Int64));
        assert!(!fits(Dialect::Postgres, &Schema::string(), ColumnKind::Int32));
        assert!(fits(Dialect::MySql, &Schema::string(), ColumnKind::Int32));
        assert!(fits(Dialect::Sqlite, &Schema::bytes(), ColumnKind::Int64));
    }
}
