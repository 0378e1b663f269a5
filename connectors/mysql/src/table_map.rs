//! A table's shape as a binary log table map event gives it, when the server writes full row
//! metadata (`binlog_row_metadata=FULL`): column names, types, signedness, character sets, ENUM
//! and SET labels and the primary key travel with every rows event. The catalog says how a table
//! is now, which a connector behind the log (or started again after several DDL statements) must
//! not take for how it was; the table map says how it was when the row was written.

use mysql_async::binlog::events::{OptionalMetadataField, TableMapEvent};
use mysql_async::consts::ColumnType as Type;

use crate::catalog::{ColumnDef, TableDef};

/// The character set id of binary strings.
const BINARY_CHARSET: u16 = 63;

/// The catalog's `DATA_TYPE` of a binary log column type, given its metadata and whether it holds
/// binary strings.
fn data_type(kind: Type, metadata: &[u8], binary: bool) -> &'static str {
    let blob = |sizes: [&'static str; 4]| sizes[usize::from(metadata.first().copied().unwrap_or(2).clamp(1, 4) - 1)];
    match kind {
        Type::MYSQL_TYPE_TINY => "tinyint",
        Type::MYSQL_TYPE_SHORT => "smallint",
        Type::MYSQL_TYPE_INT24 => "mediumint",
        Type::MYSQL_TYPE_LONG => "int",
        Type::MYSQL_TYPE_LONGLONG => "bigint",
        Type::MYSQL_TYPE_DECIMAL | Type::MYSQL_TYPE_NEWDECIMAL => "decimal",
        Type::MYSQL_TYPE_FLOAT => "float",
        Type::MYSQL_TYPE_DOUBLE => "double",
        Type::MYSQL_TYPE_BIT => "bit",
        Type::MYSQL_TYPE_DATE | Type::MYSQL_TYPE_NEWDATE => "date",
        Type::MYSQL_TYPE_TIME | Type::MYSQL_TYPE_TIME2 => "time",
        Type::MYSQL_TYPE_DATETIME | Type::MYSQL_TYPE_DATETIME2 => "datetime",
        Type::MYSQL_TYPE_TIMESTAMP | Type::MYSQL_TYPE_TIMESTAMP2 => "timestamp",
        Type::MYSQL_TYPE_YEAR => "year",
        Type::MYSQL_TYPE_VARCHAR | Type::MYSQL_TYPE_VAR_STRING if binary => "varbinary",
        Type::MYSQL_TYPE_VARCHAR | Type::MYSQL_TYPE_VAR_STRING => "varchar",
        Type::MYSQL_TYPE_STRING if binary => "binary",
        Type::MYSQL_TYPE_STRING => "char",
        Type::MYSQL_TYPE_ENUM => "enum",
        Type::MYSQL_TYPE_SET => "set",
        Type::MYSQL_TYPE_BLOB if binary => blob(["tinyblob", "blob", "mediumblob", "longblob"]),
        Type::MYSQL_TYPE_BLOB => blob(["tinytext", "text", "mediumtext", "longtext"]),
        Type::MYSQL_TYPE_JSON => "json",
        Type::MYSQL_TYPE_GEOMETRY => "geometry",
        _ => "unknown",
    }
}

/// The column of type `kind` (with `metadata`) named `name`, declared as the metadata says.
fn column(name: String, kind: Type, metadata: &[u8], unsigned: bool, binary: bool, labels: &[String]) -> ColumnDef {
    let data_type = data_type(kind, metadata, binary);
    let byte = |i: usize| metadata.get(i).copied().map(u32::from);
    let mut column = ColumnDef {
        name,
        data_type: data_type.to_string(),
        column_type: data_type.to_string(),
        ..ColumnDef::default()
    };
    match kind {
        Type::MYSQL_TYPE_NEWDECIMAL => {
            column.precision = byte(0);
            column.scale = byte(1);
            column.column_type = format!("decimal({},{})", byte(0).unwrap_or(10), byte(1).unwrap_or(0));
        }
        Type::MYSQL_TYPE_BIT => {
            let bits = byte(1).unwrap_or(0) * 8 + byte(0).unwrap_or(0);
            column.precision = Some(bits);
            column.column_type = format!("bit({bits})");
        }
        Type::MYSQL_TYPE_TIME2 | Type::MYSQL_TYPE_DATETIME2 | Type::MYSQL_TYPE_TIMESTAMP2 => {
            let fsp = byte(0).unwrap_or(0);
            column.fsp = Some(fsp);
            if fsp > 0 {
                column.column_type = format!("{data_type}({fsp})");
            }
        }
        Type::MYSQL_TYPE_TIME | Type::MYSQL_TYPE_DATETIME | Type::MYSQL_TYPE_TIMESTAMP => column.fsp = Some(0),
        Type::MYSQL_TYPE_ENUM | Type::MYSQL_TYPE_SET => {
            let quoted: Vec<String> = labels
                .iter()
                .map(|label| format!("'{}'", label.replace('\'', "''")))
                .collect();
            column.column_type = format!("{data_type}({})", quoted.join(","));
        }
        _ => {}
    }
    if unsigned {
        column.column_type.push_str(" unsigned");
    }
    column
}

/// The shape of `database.table` the table map gives; `None` when it carries no column names
/// (the server writes less than full row metadata).
pub fn table_def(map: &TableMapEvent<'_>) -> Option<TableDef> {
    let mut names = Vec::new();
    let mut signedness = Vec::new();
    let mut charsets: Option<(u16, Vec<(u64, u16)>)> = None;
    let mut column_charsets: Option<Vec<u16>> = None;
    let (mut enums, mut sets) = (Vec::new(), Vec::new());
    let mut primary_key = Vec::new();
    for field in map.iter_optional_meta() {
        match field.ok()? {
            OptionalMetadataField::ColumnName(found) => {
                names = found
                    .iter_names()
                    .map(|name| name.map(|n| n.name().into_owned()))
                    .collect::<Result<_, _>>()
                    .ok()?;
            }
            OptionalMetadataField::Signedness(bits) => signedness = bits.iter().by_vals().collect(),
            OptionalMetadataField::DefaultCharset(found) => {
                let others = found
                    .iter_non_default()
                    .map(|c| c.map(|c| (c.column_index(), c.charset())))
                    .collect::<Result<_, _>>()
                    .ok()?;
                charsets = Some((found.default_charset(), others));
            }
            OptionalMetadataField::ColumnCharset(found) => {
                column_charsets = Some(found.iter_charsets().collect::<Result<_, _>>().ok()?);
            }
            OptionalMetadataField::EnumStrValue(found) => {
                for values in found.iter_values() {
                    enums.push(values.ok()?.values().iter().map(|v| v.value().into_owned()).collect());
                }
            }
            OptionalMetadataField::SetStrValue(found) => {
                for values in found.iter_values() {
                    sets.push(values.ok()?.values().iter().map(|v| v.value().into_owned()).collect());
                }
            }
            OptionalMetadataField::SimplePrimaryKey(found) => {
                primary_key = found.iter_indexes().collect::<Result<_, _>>().ok()?;
            }
            OptionalMetadataField::PrimaryKeyWithPrefix(found) => {
                primary_key = found
                    .iter_keys()
                    .map(|key| key.map(|k| k.column_index()))
                    .collect::<Result<_, _>>()
                    .ok()?;
            }
            _ => {}
        }
    }
    if names.len() != map.columns_count() as usize {
        return None;
    }
    let charset_of = |character_index: usize| -> u16 {
        match (&column_charsets, &charsets) {
            (Some(each), _) => each.get(character_index).copied().unwrap_or(0),
            (None, Some((default, others))) => others
                .iter()
                .find(|(index, _)| *index == character_index as u64)
                .map_or(*default, |(_, charset)| *charset),
            (None, None) => 0,
        }
    };
    let (mut numeric, mut character, mut enum_index, mut set_index) = (0, 0, 0, 0);
    let nulls = map.null_bitmask();
    let mut columns = Vec::with_capacity(names.len());
    for (i, name) in names.into_iter().enumerate() {
        let kind = map.get_column_type(i).ok()??;
        let metadata = map.get_column_metadata(i).unwrap_or_default();
        let unsigned = kind.is_numeric_type() && {
            numeric += 1;
            signedness.get(numeric - 1).copied().unwrap_or(false)
        };
        let binary = kind.is_character_type() && {
            character += 1;
            charset_of(character - 1) == BINARY_CHARSET
        };
        let labels: &[String] = match kind {
            Type::MYSQL_TYPE_ENUM => {
                enum_index += 1;
                enums.get(enum_index - 1).map_or(&[], Vec::as_slice)
            }
            Type::MYSQL_TYPE_SET => {
                set_index += 1;
                sets.get(set_index - 1).map_or(&[], Vec::as_slice)
            }
            _ => &[],
        };
        let mut def = column(name, kind, metadata, unsigned, binary, labels);
        def.nullable = nulls.get(i).is_some_and(|bit| *bit);
        columns.push(def);
    }
    let primary_key = primary_key
        .iter()
        .filter_map(|index| columns.get(*index as usize).map(|c| c.name.clone()))
        .collect();
    Some(TableDef {
        database: map.database_name().into_owned(),
        name: map.table_name().into_owned(),
        columns,
        primary_key,
        ..TableDef::default()
    })
}

/// Whether `known` has the columns (names and types, in order) of `written`, the shape a row
/// was written with.
pub fn fits(known: &TableDef, written: &TableDef) -> bool {
    known.columns.len() == written.columns.len()
        && known
            .columns
            .iter()
            .zip(&written.columns)
            .all(|(a, b)| a.name == b.name && same_type(&a.data_type, &b.data_type))
}

/// Whether two `DATA_TYPE`s name one binary log type: MariaDB's JSON is a LONGTEXT, and a few
/// names are synonyms.
fn same_type(catalog: &str, binlog: &str) -> bool {
    canonical_type(catalog) == canonical_type(binlog)
}

/// The one name of a type with several.
fn canonical_type(name: &str) -> &str {
    match name {
        "integer" => "int",
        "numeric" | "dec" | "fixed" => "decimal",
        "real" => "double",
        "json" => "longtext",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binary_log_types_read_as_the_catalog_declares_them() {
        let decimal = column(
            "amount".into(),
            Type::MYSQL_TYPE_NEWDECIMAL,
            &[10, 2],
            false,
            false,
            &[],
        );
        assert_eq!(
            (decimal.column_type.as_str(), decimal.precision, decimal.scale),
            ("decimal(10,2)", Some(10), Some(2))
        );
        let bits = column("bits".into(), Type::MYSQL_TYPE_BIT, &[4, 1], false, false, &[]);
        assert_eq!(bits.precision, Some(12));
        let at = column("at".into(), Type::MYSQL_TYPE_DATETIME2, &[3], false, false, &[]);
        assert_eq!((at.column_type.as_str(), at.fsp), ("datetime(3)", Some(3)));
        let kind = column(
            "kind".into(),
            Type::MYSQL_TYPE_ENUM,
            &[],
            false,
            false,
            &["a".into(), "it's".into()],
        );
        assert_eq!(kind.labels(), ["a", "it's"]);
        let id = column("id".into(), Type::MYSQL_TYPE_LONG, &[], true, false, &[]);
        assert!(id.unsigned());
        assert_eq!(data_type(Type::MYSQL_TYPE_BLOB, &[4], false), "longtext");
        assert_eq!(data_type(Type::MYSQL_TYPE_BLOB, &[2], true), "blob");
        assert_eq!(data_type(Type::MYSQL_TYPE_VARCHAR, &[], true), "varbinary");
        let table = |columns: Vec<ColumnDef>| TableDef {
            columns,
            ..TableDef::default()
        };
        let mut catalog_json = column("doc".into(), Type::MYSQL_TYPE_JSON, &[], false, false, &[]);
        catalog_json.data_type = "json".into();
        let logged = column("doc".into(), Type::MYSQL_TYPE_BLOB, &[4], false, false, &[]);
        assert!(fits(&table(vec![catalog_json]), &table(vec![logged.clone()])));
        let renamed = ColumnDef {
            name: "body".into(),
            ..logged.clone()
        };
        assert!(!fits(&table(vec![renamed]), &table(vec![logged])));
    }
}
