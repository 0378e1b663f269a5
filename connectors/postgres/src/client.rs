//! The connections to PostgreSQL: SQL (sqlx) for checks, the publication, catalog reads and the
//! snapshot, and the replication session (pgwire-replication) that creates the slot and streams.

use std::collections::HashMap;
use std::time::Duration;

use kconnect_api::{ConnectError, Result};
use pgwire_replication::{Lsn, ReplicationClient, ReplicationConfig, TlsConfig};
use sqlx::postgres::{PgConnectOptions, PgConnection, PgSslMode};
use sqlx::{Connection as _, Row};

use crate::config::{Connection, PostgresCdcConfig, PublicationMode};
use crate::pgoutput::{Relation, RelationColumn};
use crate::types::ColumnFacts;
use kconnect_cdc::filters::{TableFilter, table_id};

fn database_error(what: &str, err: impl std::fmt::Display) -> ConnectError {
    ConnectError::Retriable(format!("{what}: {err}"))
}

/// A SQL connection to the configured database.
pub async fn connect_sql(connection: &Connection) -> Result<PgConnection> {
    let sslmode = match connection.sslmode.as_str() {
        "disable" => PgSslMode::Disable,
        "allow" => PgSslMode::Allow,
        "require" => PgSslMode::Require,
        "verify-ca" => PgSslMode::VerifyCa,
        "verify-full" => PgSslMode::VerifyFull,
        _ => PgSslMode::Prefer,
    };
    let options = PgConnectOptions::new()
        .host(&connection.host)
        .port(connection.port)
        .username(&connection.user)
        .password(&connection.password)
        .database(&connection.dbname)
        .ssl_mode(sslmode)
        .application_name("kconnect");
    let connecting = PgConnection::connect_with(&options);
    tokio::time::timeout(Duration::from_secs(30), connecting)
        .await
        .map_err(|_| database_error("connecting to PostgreSQL", "no answer within 30 s"))?
        .map_err(|err| {
            database_error(
                &format!("connecting to PostgreSQL at {}:{}", connection.host, connection.port),
                err,
            )
        })
}

/// Checks what logical decoding needs: `wal_level=logical` and a user allowed to replicate.
pub async fn check_server(sql: &mut PgConnection) -> Result<()> {
    let wal_level: String = sqlx::query_scalar("SHOW wal_level")
        .fetch_one(&mut *sql)
        .await
        .map_err(|err| database_error("reading wal_level", err))?;
    if wal_level != "logical" {
        return Err(ConnectError::Fatal(format!(
            "PostgreSQL runs with wal_level={wal_level}: change data capture needs wal_level=logical \
             (ALTER SYSTEM SET wal_level = logical, then restart the server)"
        )));
    }
    let replicates: bool =
        sqlx::query_scalar("SELECT rolreplication OR rolsuper FROM pg_roles WHERE rolname = current_user")
            .fetch_one(&mut *sql)
            .await
            .map_err(|err| database_error("reading the user's attributes", err))?;
    if !replicates {
        return Err(ConnectError::config(
            "database.user",
            "the user needs the REPLICATION attribute (ALTER ROLE … WITH REPLICATION)",
        ));
    }
    Ok(())
}

/// The tables the filter captures: `(schema, table)`, in the order Debezium's snapshot reads them.
pub async fn captured_tables(sql: &mut PgConnection, filter: &TableFilter) -> Result<Vec<(String, String)>> {
    let rows = sqlx::query(
        "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1, 2",
    )
    .fetch_all(&mut *sql)
    .await
    .map_err(|err| database_error("listing tables", err))?;
    let captured = rows
        .into_iter()
        .map(|row| (row.get::<String, _>(0), row.get::<String, _>(1)))
        .filter(|(schema, table)| filter.captures(schema, table))
        .collect();
    Ok(filter.snapshot_order(captured, |(schema, table)| table_id(schema, table)))
}

/// Quotes an identifier.
pub fn quote(identifier: &str) -> String {
    format!("\"{}\"", identifier.replace('"', "\"\""))
}

/// Creates the publication when it is missing, as `publication.autocreate.mode` says; a
/// `filtered` one publishes the captured `tables` and the signal table.
pub async fn ensure_publication(
    sql: &mut PgConnection,
    config: &PostgresCdcConfig,
    tables: &[(String, String)],
) -> Result<()> {
    let name = &config.publication_name;
    let exists: bool = sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM pg_publication WHERE pubname = $1)")
        .bind(name)
        .fetch_one(&mut *sql)
        .await
        .map_err(|err| database_error("reading publications", err))?;
    if exists {
        return Ok(());
    }
    let statement = match config.publication_mode {
        PublicationMode::Disabled => {
            return Err(ConnectError::config(
                "publication.name",
                format!("the publication {name} does not exist and publication.autocreate.mode is disabled"),
            ));
        }
        PublicationMode::AllTables => format!("CREATE PUBLICATION {} FOR ALL TABLES", quote(name)),
        PublicationMode::Filtered => {
            if tables.is_empty() {
                return Err(ConnectError::config(
                    "table.include.list",
                    "no table matches the filters",
                ));
            }
            let mut listed: Vec<String> = tables
                .iter()
                .map(|(s, t)| format!("{}.{}", quote(s), quote(t)))
                .collect();
            // The signal table's rows must stream for signals (and snapshot windows) to arrive.
            if let Some((schema, table)) = config.common.signal_table.as_deref().and_then(|t| t.split_once('.'))
                && !tables.iter().any(|(s, t)| s == schema && t == table)
            {
                listed.push(format!("{}.{}", quote(schema), quote(table)));
            }
            format!("CREATE PUBLICATION {} FOR TABLE {}", quote(name), listed.join(", "))
        }
    };
    sqlx::query(&statement)
        .execute(&mut *sql)
        .await
        .map_err(|err| database_error("creating the publication", err))?;
    tracing::info!(publication = %name, "created the publication");
    Ok(())
}

/// Whether the slot exists; an error when another client holds it.
pub async fn slot_exists(sql: &mut PgConnection, slot: &str) -> Result<bool> {
    let row = sqlx::query("SELECT active, active_pid FROM pg_replication_slots WHERE slot_name = $1")
        .bind(slot)
        .fetch_optional(&mut *sql)
        .await
        .map_err(|err| database_error("reading replication slots", err))?;
    match row {
        None => Ok(false),
        Some(row) if row.get::<bool, _>(0) => Err(ConnectError::Retriable(format!(
            "slot.name: the replication slot {slot} is in use by another client (pid {})",
            row.get::<Option<i32>, _>(1).unwrap_or_default()
        ))),
        Some(_) => Ok(true),
    }
}

/// Drops the slot (`slot.drop.on.stop`).
pub async fn drop_slot(sql: &mut PgConnection, slot: &str) -> Result<()> {
    sqlx::query("SELECT pg_drop_replication_slot($1)")
        .bind(slot)
        .execute(&mut *sql)
        .await
        .map_err(|err| database_error("dropping the replication slot", err))?;
    Ok(())
}

/// The shape of `schema.table` from the catalog, as a Relation message would give it.
pub async fn relation_of(sql: &mut PgConnection, schema: &str, table: &str) -> Result<Relation> {
    let rows = sqlx::query(
        "SELECT c.oid::int8, a.attname::text, a.atttypid::int8, a.atttypmod, \
                COALESCE(a.attnum = ANY(i.indkey), false) \
         FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped \
         LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary \
         WHERE n.nspname = $1 AND c.relname = $2 ORDER BY a.attnum",
    )
    .bind(schema)
    .bind(table)
    .fetch_all(&mut *sql)
    .await
    .map_err(|err| database_error("reading a table's columns", err))?;
    let id = rows.first().map_or(0, |row| row.get::<i64, _>(0) as u32);
    Ok(Relation {
        id,
        namespace: schema.to_string(),
        name: table.to_string(),
        replica_identity: b'd',
        columns: rows
            .iter()
            .map(|row| RelationColumn {
                name: row.get(1),
                type_oid: row.get::<i64, _>(2) as u32,
                type_modifier: row.get(3),
                in_key: row.get(4),
            })
            .collect(),
    })
}

/// What the catalog says of each column of the table with OID `relation`, by name.
pub async fn column_facts(sql: &mut PgConnection, relation: u32) -> Result<HashMap<String, ColumnFacts>> {
    let rows = sqlx::query(
        "SELECT a.attname::text, a.attnotnull, pg_get_expr(d.adbin, d.adrelid), \
                (SELECT array_agg(e.enumlabel::text ORDER BY e.enumsortorder) FROM pg_enum e \
                 WHERE e.enumtypid = a.atttypid), \
                t.typname::text, CASE WHEN t.typtype = 'd' THEN t.typbasetype::int8 END, t.typtypmod \
         FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid \
         LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum \
         WHERE a.attrelid = $1::int8::oid AND a.attnum > 0 AND NOT a.attisdropped",
    )
    .bind(i64::from(relation))
    .fetch_all(&mut *sql)
    .await
    .map_err(|err| database_error("reading a table's columns", err))?;
    Ok(rows
        .into_iter()
        .map(|row| {
            let base: Option<i64> = row.get(5);
            let facts = ColumnFacts {
                not_null: row.get(1),
                default: row.get(2),
                enum_labels: row.get(3),
                type_name: row.get(4),
                domain_of: base.map(|base| (base as u32, row.get::<i32, _>(6))),
            };
            (row.get::<String, _>(0), facts)
        })
        .collect())
}

/// A primary key column: its name and its type as SQL names it without a modifier (`integer`,
/// `bpchar`, `public.mood`), to cast a key value to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyColumn {
    /// The column's name.
    pub name: String,
    /// Its type's name.
    pub type_name: String,
}

/// The primary key columns of the table with OID `relation`, in the index's order (none without a
/// primary key): what Debezium keys events by, whatever the table's replica identity.
pub async fn primary_key(sql: &mut PgConnection, relation: u32) -> Result<Vec<KeyColumn>> {
    let rows = sqlx::query(
        "SELECT a.attname::text, format_type(a.atttypid, -1) FROM pg_index i \
         JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) \
         WHERE i.indrelid = $1::int8::oid AND i.indisprimary \
         ORDER BY array_position(i.indkey::int2[], a.attnum)",
    )
    .bind(i64::from(relation))
    .fetch_all(&mut *sql)
    .await
    .map_err(|err| database_error("reading a table's primary key", err))?;
    Ok(rows
        .into_iter()
        .map(|row| KeyColumn {
            name: row.get(0),
            type_name: row.get(1),
        })
        .collect())
}

/// How many bytes of WAL the slot makes the server keep: from its restart position (which the
/// oldest transaction still open when the slot last moved holds back) to the current one.
pub async fn slot_lag_bytes(sql: &mut PgConnection, slot: &str) -> Result<u64> {
    let lag: Option<i64> = sqlx::query_scalar(
        "SELECT (pg_current_wal_lsn() - restart_lsn)::int8 FROM pg_replication_slots WHERE slot_name = $1",
    )
    .bind(slot)
    .fetch_optional(&mut *sql)
    .await
    .map_err(|err| database_error("reading the slot's lag", err))?
    .flatten();
    Ok(lag.unwrap_or(0).max(0) as u64)
}

/// A replication session for the slot and publication, not started yet.
pub async fn replication_session(config: &PostgresCdcConfig) -> Result<ReplicationClient> {
    let connection = &config.connection;
    let tls = match connection.sslmode.as_str() {
        "require" => TlsConfig::require(),
        "verify-ca" => TlsConfig::verify_ca(None),
        "verify-full" => TlsConfig::verify_full(None),
        _ => TlsConfig::disabled(),
    };
    let settings = ReplicationConfig::new(
        connection.host.clone(),
        connection.user.clone(),
        connection.password.clone(),
        connection.dbname.clone(),
        config.slot_name.clone(),
        config.publication_name.clone(),
    )
    .with_port(connection.port)
    .with_tls(tls)
    .with_start_lsn(Lsn::ZERO)
    .with_status_interval(Duration::from_secs(1))
    .with_application_name("kconnect");
    ReplicationClient::connect_gated(settings)
        .await
        .map_err(|err| database_error("opening the replication session", err))
}

/// Creates the slot on `session` and exports its snapshot: `(consistent point, snapshot name)`.
/// The snapshot stays importable until the session runs its next command.
pub async fn create_slot(session: &mut ReplicationClient, slot: &str) -> Result<(u64, String)> {
    let rows = session
        .simple_query(&format!(
            "CREATE_REPLICATION_SLOT {} LOGICAL pgoutput EXPORT_SNAPSHOT",
            quote(slot)
        ))
        .await
        .map_err(|err| database_error("creating the replication slot", err))?;
    let row = rows
        .into_iter()
        .next()
        .ok_or_else(|| ConnectError::Fatal("CREATE_REPLICATION_SLOT returned no row".into()))?;
    let text = |i: usize| {
        row.get(i)
            .and_then(|c| c.as_ref())
            .map(|bytes| String::from_utf8_lossy(bytes).into_owned())
            .unwrap_or_default()
    };
    let lsn = Lsn::parse(&text(1)).map_err(|err| ConnectError::Fatal(format!("the slot's consistent point: {err}")))?;
    tracing::info!(%slot, consistent_point = %text(1), "created the replication slot");
    Ok((lsn.as_u64(), text(2)))
}
