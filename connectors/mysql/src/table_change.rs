//! A table's shape as Debezium writes it in a schema history record and a schema change event
//! (`tableChanges`: `type`, `id`, `table` with `columns`), made from the catalog's declaration and
//! read back into one: Debezium's history, or ours, recovers the tables as they were at a position.

use serde_json::{Value, json};

use crate::catalog::{ColumnDef, TableDef};

/// What happened to a table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeType {
    /// It was created (or first seen).
    Create,
    /// Its columns or key changed.
    Alter,
    /// It was dropped.
    Drop,
}

impl ChangeType {
    fn name(self) -> &'static str {
        match self {
            Self::Create => "CREATE",
            Self::Alter => "ALTER",
            Self::Drop => "DROP",
        }
    }
}

/// Debezium's id of a MySQL table: `"database"."table"`.
pub fn table_id(database: &str, table: &str) -> String {
    format!("\"{database}\".\"{table}\"")
}

/// The database and table of a Debezium table id.
fn parse_id(id: &str) -> Option<(String, String)> {
    let (database, table) = id.split_once("\".\"")?;
    Some((
        database.strip_prefix('"')?.to_string(),
        table.strip_suffix('"')?.to_string(),
    ))
}

/// `java.sql.Types` of a catalog type, as Debezium's MySQL DDL parser resolves it.
fn jdbc_type(data_type: &str) -> i32 {
    match data_type {
        "bit" => -7,
        "tinyint" | "smallint" => 5,
        "mediumint" | "int" | "integer" | "year" => 4,
        "bigint" => -5,
        "float" => 6,
        "double" | "real" => 8,
        "decimal" | "numeric" | "dec" | "fixed" => 3,
        "char" | "enum" | "set" => 1,
        "varchar" | "tinytext" | "text" | "mediumtext" | "longtext" => 12,
        "date" => 91,
        "time" => 92,
        "datetime" => 93,
        "timestamp" => 2014,
        "binary" => -2,
        "varbinary" => -3,
        "tinyblob" | "blob" | "mediumblob" | "longblob" => 2004,
        _ => 1111,
    }
}

/// The numbers of a declaration's parentheses: `decimal(10,2)` → `[10, 2]`.
fn dimensions(column_type: &str) -> Vec<i64> {
    column_type
        .split_once('(')
        .and_then(|(_, rest)| rest.split_once(')'))
        .map(|(inside, _)| inside.split(',').filter_map(|n| n.trim().parse().ok()).collect())
        .unwrap_or_default()
}

/// A column as Debezium's history writes it.
fn column_document(column: &ColumnDef, position: usize) -> Value {
    let mut type_name = column.data_type.to_uppercase();
    if column.unsigned() {
        type_name.push_str(" UNSIGNED");
    }
    if column.column_type.contains("zerofill") {
        type_name.push_str(" ZEROFILL");
    }
    let labels = match column.data_type.as_str() {
        "enum" | "set" => column.labels(),
        _ => Vec::new(),
    };
    let dims = dimensions(&column.column_type);
    let (length, scale) = match column.data_type.as_str() {
        "enum" => (Some(1), None),
        "set" => (Some((labels.len() as i64 * 2 - 1).max(0)), None),
        _ => (dims.first().copied(), dims.get(1).copied()),
    };
    let mut document = json!({
        "name": column.name,
        "jdbcType": jdbc_type(&column.data_type),
        "typeName": type_name,
        "typeExpression": type_name,
        "charsetName": column.charset,
    });
    let fields = document.as_object_mut().expect("an object");
    if let Some(length) = length {
        fields.insert("length".into(), length.into());
    }
    if let Some(scale) = scale {
        fields.insert("scale".into(), scale.into());
    }
    fields.insert("position".into(), (position + 1).into());
    fields.insert("optional".into(), column.nullable.into());
    fields.insert("autoIncremented".into(), column.auto_increment.into());
    fields.insert("generated".into(), column.generated.into());
    fields.insert("comment".into(), column.comment.clone().into());
    fields.insert("hasDefaultValue".into(), column.has_default.into());
    if let Some(default) = &column.default {
        fields.insert("defaultValueExpression".into(), default.clone().into());
    }
    let quoted: Vec<String> = labels
        .iter()
        .map(|label| format!("'{}'", label.replace('\'', "''")))
        .collect();
    fields.insert("enumValues".into(), quoted.into());
    document
}

/// One entry of `tableChanges`: `table`'s shape after a change of `kind` (only its id for a DROP).
pub fn change_document(kind: ChangeType, table: &TableDef) -> Value {
    let id = table_id(&table.database, &table.name);
    if kind == ChangeType::Drop {
        return json!({"type": kind.name(), "id": id});
    }
    let columns: Vec<Value> = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, column)| column_document(column, i))
        .collect();
    json!({
        "type": kind.name(),
        "id": id,
        "table": {
            "defaultCharsetName": table.charset,
            "primaryKeyColumnNames": table.primary_key,
            "columns": columns,
            "attributes": [],
        },
        "comment": table.comment,
    })
}

/// The names of the tables `changes` are about, comma-separated, as a schema change event's
/// `source.table` lists them.
pub fn table_names(changes: &[Value]) -> String {
    changes
        .iter()
        .filter_map(|change| parse_id(change.get("id")?.as_str()?))
        .map(|(_, table)| table)
        .collect::<Vec<_>>()
        .join(",")
}

/// A column read back from a history's document.
fn column_of(document: &Value) -> Option<ColumnDef> {
    let text = |key: &str| document.get(key).and_then(Value::as_str).map(str::to_string);
    let number = |key: &str| document.get(key).and_then(Value::as_i64);
    let flag = |key: &str| document.get(key).and_then(Value::as_bool).unwrap_or(false);
    let type_name = text("typeName")?.to_lowercase();
    let mut words = type_name.split_whitespace();
    let data_type = match words.next()? {
        "double" => "double".to_string(),
        first => first.to_string(),
    };
    let modifiers: Vec<&str> = words.filter(|w| matches!(*w, "unsigned" | "zerofill")).collect();
    let (length, scale) = (number("length"), number("scale"));
    let mut column_type = data_type.clone();
    let labels: Vec<String> = document
        .get("enumValues")
        .and_then(Value::as_array)
        .map(|values| {
            values
                .iter()
                .filter_map(Value::as_str)
                .map(
                    |label| match label.strip_prefix('\'').and_then(|l| l.strip_suffix('\'')) {
                        Some(_) => label.to_string(),
                        None => format!("'{}'", label.replace('\'', "''")),
                    },
                )
                .collect()
        })
        .unwrap_or_default();
    if matches!(data_type.as_str(), "enum" | "set") {
        column_type.push_str(&format!("({})", labels.join(",")));
    } else if let Some(length) = length {
        match scale {
            Some(scale) => column_type.push_str(&format!("({length},{scale})")),
            None => column_type.push_str(&format!("({length})")),
        }
    }
    for modifier in modifiers {
        column_type.push(' ');
        column_type.push_str(modifier);
    }
    let unsigned_length = length.and_then(|l| u32::try_from(l).ok());
    let is_time = matches!(data_type.as_str(), "time" | "datetime" | "timestamp");
    Some(ColumnDef {
        name: text("name")?,
        precision: matches!(data_type.as_str(), "decimal" | "numeric" | "dec" | "fixed" | "bit")
            .then_some(unsigned_length)
            .flatten(),
        scale: scale.and_then(|s| u32::try_from(s).ok()),
        fsp: is_time.then(|| unsigned_length.unwrap_or(0)),
        data_type,
        column_type,
        nullable: flag("optional"),
        charset: text("charsetName"),
        auto_increment: flag("autoIncremented"),
        generated: flag("generated"),
        comment: text("comment"),
        has_default: flag("hasDefaultValue"),
        default: text("defaultValueExpression"),
    })
}

/// A `tableChanges` entry read back: what happened, to which table, and its shape after (`None`
/// for a DROP, or a document this cannot read).
pub fn read_change(document: &Value) -> Option<(ChangeType, (String, String), Option<TableDef>)> {
    let kind = match document.get("type")?.as_str()? {
        "CREATE" => ChangeType::Create,
        "ALTER" => ChangeType::Alter,
        "DROP" => ChangeType::Drop,
        _ => return None,
    };
    let (database, name) = parse_id(document.get("id")?.as_str()?)?;
    if kind == ChangeType::Drop {
        return Some((kind, (database, name), None));
    }
    let table = document.get("table")?;
    let columns = table
        .get("columns")?
        .as_array()?
        .iter()
        .map(column_of)
        .collect::<Option<Vec<_>>>()?;
    let strings = |value: Option<&Value>| -> Vec<String> {
        value
            .and_then(Value::as_array)
            .map(|values| values.iter().filter_map(Value::as_str).map(str::to_string).collect())
            .unwrap_or_default()
    };
    let def = TableDef {
        database: database.clone(),
        name: name.clone(),
        columns,
        primary_key: strings(table.get("primaryKeyColumnNames")),
        charset: table
            .get("defaultCharsetName")
            .and_then(Value::as_str)
            .map(str::to_string),
        comment: document.get("comment").and_then(Value::as_str).map(str::to_string),
    };
    Some((kind, (database, name), Some(def)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::{ColumnType, ValueModes};

    fn column(name: &str, data_type: &str, column_type: &str) -> ColumnDef {
        ColumnDef {
            name: name.into(),
            data_type: data_type.into(),
            column_type: column_type.into(),
            nullable: true,
            ..ColumnDef::default()
        }
    }

    #[test]
    fn a_table_read_back_from_its_document_has_the_same_column_types() {
        let mut amount = column("amount", "decimal", "decimal(10,2)");
        amount.precision = Some(10);
        amount.scale = Some(2);
        let mut at = column("at", "datetime", "datetime(3)");
        at.fsp = Some(3);
        let mut bits = column("bits", "bit", "bit(12)");
        bits.precision = Some(12);
        let table = TableDef {
            database: "shop".into(),
            name: "orders".into(),
            columns: vec![
                ColumnDef {
                    nullable: false,
                    auto_increment: true,
                    ..column("id", "int", "int(10) unsigned")
                },
                amount,
                at,
                bits,
                column("kind", "enum", "enum('a','it''s')"),
                column("tags", "set", "set('x','y')"),
                column("note", "varchar", "varchar(40)"),
            ],
            primary_key: vec!["id".into()],
            charset: Some("utf8mb4".into()),
            comment: None,
        };
        let document = change_document(ChangeType::Create, &table);
        assert_eq!(document["id"], "\"shop\".\"orders\"");
        assert_eq!(document["table"]["columns"][0]["typeName"], "INT UNSIGNED");
        assert_eq!(document["table"]["columns"][4]["enumValues"], json!(["'a'", "'it''s'"]));
        assert_eq!(document["table"]["columns"][5]["length"], 3);
        let (kind, id, read) = read_change(&document).unwrap();
        assert_eq!((kind, id), (ChangeType::Create, ("shop".into(), "orders".into())));
        let read = read.unwrap();
        assert_eq!(read.primary_key, table.primary_key);
        for (theirs, ours) in read.columns.iter().zip(&table.columns) {
            let (a, b) = (
                ColumnType::of(theirs, ValueModes::default()),
                ColumnType::of(ours, ValueModes::default()),
            );
            assert_eq!(a.schema, b.schema, "{}", ours.name);
            assert_eq!(theirs.labels(), ours.labels());
            assert_eq!(theirs.unsigned(), ours.unsigned());
        }
        let dropped = change_document(ChangeType::Drop, &table);
        assert_eq!(read_change(&dropped).unwrap().2, None);
    }
}
