//! MySQL and MariaDB through sqlx.

use kconnect_api::{ConnectError, Result, Value};
use sqlx::Row;
use sqlx::mysql::{MySqlConnectOptions, MySqlRow};

use super::sqlx_values::{Readable, decode, sqlx_driver};
use crate::column::ColumnKind;
use crate::dialect::Dialect;

const DESCRIBE: &str = "SELECT CAST(column_name AS CHAR), CAST(column_type AS CHAR), CAST(is_nullable AS CHAR), \
     CAST(numeric_precision AS SIGNED), CAST(numeric_scale AS SIGNED) \
     FROM information_schema.columns WHERE table_schema = COALESCE(?, DATABASE()) AND table_name = ? \
     ORDER BY ordinal_position";

/// Unsigned integers are read as `u64` and narrowed to the (wider) signed kind they map to.
fn read_value(row: &MySqlRow, column: &Readable) -> Result<Value> {
    if !column.unsigned {
        return decode(row, column);
    }
    let value = row
        .try_get_unchecked::<Option<u64>, _>(column.index)
        .map_err(|e| ConnectError::data(format!("cannot read column {}: {e}", column.meta.name)))?;
    let Some(value) = value else {
        return Ok(Value::Null);
    };
    let out_of_range = || ConnectError::data(format!("{value} is out of range for column {}", column.meta.name));
    Ok(match column.meta.kind {
        ColumnKind::Int16 => Value::Int16(i16::try_from(value).map_err(|_| out_of_range())?),
        ColumnKind::Int32 => Value::Int32(i32::try_from(value).map_err(|_| out_of_range())?),
        _ => Value::Int64(i64::try_from(value).map_err(|_| out_of_range())?),
    })
}

sqlx_driver!(MySqlDriver, Dialect::MySql, sqlx::MySql, MySqlConnectOptions, "MySQL");
