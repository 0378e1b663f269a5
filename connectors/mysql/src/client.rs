//! Connections to the server, and what the connector checks and reads on them: that the binary
//! log is on in ROW format with full row images, that the user may read it, that no other replica
//! uses `database.server.id`, and where the binary log stands.

use mysql_async::prelude::Queryable;
use mysql_async::{Conn, OptsBuilder, Row};

use kconnect_api::{ConnectError, Result};

use crate::catalog::literal;
use crate::config::{Connection, SERVER_ID};
use crate::gtids::{MariaGtids, MySqlGtids};
use crate::offsets::Restart;

/// What the connector learned of the server.
#[derive(Debug, Clone)]
pub struct Server {
    /// Whether it is MariaDB (its GTIDs and replication protocol differ from MySQL's).
    pub mariadb: bool,
    /// The server's own `server_id`.
    pub server_id: u32,
    /// Whether its binary log events end with a checksum (`binlog_checksum` other than NONE).
    pub checksums: bool,
}

/// The host name a connector's binary log session reports (`SHOW SLAVE HOSTS`): it tells the
/// connector's own earlier session apart from another replica with the same server id.
pub fn replica_host(topic_prefix: &str) -> String {
    format!("kconnect:{topic_prefix}")
}

/// A server error while doing `what`, retriable: the capture starts again after a back-off.
pub(crate) fn failed(what: &str) -> impl Fn(mysql_async::Error) -> ConnectError + '_ {
    move |err| ConnectError::Retriable(format!("{what}: {err}"))
}

/// A connection to the server; a refused login names the user, an unreachable server its address.
pub async fn connect(connection: &Connection) -> Result<Conn> {
    let options = OptsBuilder::default()
        .ip_or_hostname(connection.host.clone())
        .tcp_port(connection.port)
        .user(Some(connection.user.clone()))
        .pass(Some(connection.password.clone()))
        .prefer_socket(false)
        .tcp_keepalive(connection.keep_alive.then_some(std::time::Duration::from_secs(60)));
    let address = format!("{}:{}", connection.host, connection.port);
    match tokio::time::timeout(connection.connect_timeout, Conn::new(options)).await {
        Err(_) => Err(ConnectError::Retriable(format!(
            "connecting to {address} (database.hostname, database.port) timed out after {:?}",
            connection.connect_timeout
        ))),
        Ok(Err(mysql_async::Error::Server(err))) if err.code == 1045 => Err(ConnectError::config(
            "database.user",
            format!("{address} refused {}: {}", connection.user, err.message),
        )),
        Ok(Err(err)) => Err(ConnectError::Retriable(format!(
            "cannot connect to {address} (database.hostname, database.port): {err}"
        ))),
        Ok(Ok(conn)) => Ok(conn),
    }
}

/// The rows of `query`.
async fn rows(conn: &mut Conn, query: &str) -> Result<Vec<Row>> {
    conn.query(query).await.map_err(failed(query))
}

/// Checks what change data capture needs of the server, each failure naming what to change.
pub async fn check_server(conn: &mut Conn, server_id: u32, topic_prefix: &str) -> Result<Server> {
    let settings: Option<(i64, String, String, u32, String, String)> = conn
        .query_first("SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@server_id, VERSION(), @@binlog_checksum")
        .await
        .map_err(failed("reading the server's settings"))?;
    let (log_bin, format, row_image, own_id, version, checksum) =
        settings.ok_or_else(|| ConnectError::Retriable("the server sent no settings".into()))?;
    if log_bin == 0 {
        return Err(ConnectError::config(
            "log_bin",
            "the server's binary log is off: start it with log_bin, binlog_format=ROW and binlog_row_image=FULL",
        ));
    }
    if !format.eq_ignore_ascii_case("ROW") {
        return Err(ConnectError::config(
            "binlog_format",
            format!("the server writes {format}; change data capture needs ROW"),
        ));
    }
    if !row_image.eq_ignore_ascii_case("FULL") {
        return Err(ConnectError::config(
            "binlog_row_image",
            format!("the server writes {row_image} row images; change data capture needs FULL"),
        ));
    }
    if own_id == server_id {
        return Err(ConnectError::config(
            SERVER_ID,
            format!("{server_id} is the server's own server_id: choose an id no server or replica uses"),
        ));
    }
    check_grants(conn).await?;
    check_replicas(conn, server_id, topic_prefix).await?;
    let metadata: Option<(String, String)> = conn
        .query_first("SHOW VARIABLES LIKE 'binlog_row_metadata'")
        .await
        .map_err(failed("reading the server's settings"))?;
    if metadata.is_none_or(|(_, value)| !value.eq_ignore_ascii_case("FULL")) {
        tracing::warn!(
            "the server writes no column names in the binary log (binlog_row_metadata is not FULL): rows written before DDL statements the connector reads late are decoded with the tables' shapes the catalog gives when it reads them"
        );
    }
    Ok(Server {
        mariadb: version.to_ascii_lowercase().contains("mariadb"),
        server_id: own_id,
        checksums: !checksum.eq_ignore_ascii_case("NONE"),
    })
}

/// Fails when another replica (not this connector's earlier session) uses `server_id`; a user
/// who may not list the replicas is not checked.
async fn check_replicas(conn: &mut Conn, server_id: u32, topic_prefix: &str) -> Result<()> {
    let replicas = match rows(conn, "SHOW SLAVE HOSTS").await {
        Ok(replicas) => replicas,
        Err(_) => match rows(conn, "SHOW REPLICAS").await {
            Ok(replicas) => replicas,
            Err(error) => {
                // Listing replicas takes a privilege reading the binary log does not.
                tracing::warn!(%error, "cannot list the server's replicas: database.server.id is not checked");
                return Ok(());
            }
        },
    };
    let ours = replica_host(topic_prefix);
    for mut replica in replicas {
        let id: Option<u32> = replica.take("Server_id").or_else(|| replica.take(0));
        let host: Option<String> = replica.take("Host").or_else(|| replica.take(1));
        if id == Some(server_id) && host.as_deref() != Some(ours.as_str()) {
            return Err(ConnectError::config(
                SERVER_ID,
                format!(
                    "another replica ({}) is registered with server id {server_id}: each needs its own",
                    host.unwrap_or_default()
                ),
            ));
        }
    }
    Ok(())
}

/// Fails when the user may not read the binary log.
async fn check_grants(conn: &mut Conn) -> Result<()> {
    let grants: Vec<String> = conn.query("SHOW GRANTS").await.map_err(failed("SHOW GRANTS"))?;
    let granted = |privilege: &str| {
        grants.iter().any(|grant| {
            let grant = grant.to_ascii_uppercase();
            grant.contains(" ON *.*") && (grant.contains("ALL PRIVILEGES") || grant.contains(privilege))
        })
    };
    let missing: Vec<&str> = [
        (
            "REPLICATION SLAVE",
            granted("REPLICATION SLAVE") || granted("REPLICATION REPLICA"),
        ),
        (
            "REPLICATION CLIENT",
            granted("REPLICATION CLIENT") || granted("BINLOG MONITOR"),
        ),
    ]
    .into_iter()
    .filter(|(_, has)| !has)
    .map(|(privilege, _)| privilege)
    .collect();
    if missing.is_empty() {
        return Ok(());
    }
    Err(ConnectError::config(
        "database.user",
        format!(
            "the user lacks {} ON *.*, which reading the binary log needs",
            missing.join(" and ")
        ),
    ))
}

/// Where the binary log stands now, with the GTID set executed so far.
pub async fn current_position(conn: &mut Conn, server: &Server) -> Result<Restart> {
    let status = match rows(conn, "SHOW MASTER STATUS").await {
        Ok(status) => status,
        Err(_) => rows(conn, "SHOW BINARY LOG STATUS").await?,
    };
    let mut row = status
        .into_iter()
        .next()
        .ok_or_else(|| ConnectError::config("log_bin", "the server reports no binary log position"))?;
    let file: String = row.take(0).unwrap_or_default();
    let pos: u64 = row.take(1).unwrap_or(4);
    let gtid_query = if server.mariadb {
        "SELECT @@gtid_binlog_pos"
    } else {
        "SELECT @@gtid_executed"
    };
    let gtids: Option<String> = conn.query_first(gtid_query).await.unwrap_or(None);
    Ok(Restart {
        file,
        pos,
        events: 0,
        rows: 0,
        gtids: gtids.filter(|g| !g.trim().is_empty()),
    })
}

/// How a stream can start again at `restart`: from its binary log file and position while the
/// server has that file, else (a failover to another server, the files renamed) from its GTID
/// state when the server's logs still hold what follows it (MariaDB), or when GTIDs are on and
/// nothing the set lacks was purged (MySQL); `None` when neither can.
pub async fn resume_by(conn: &mut Conn, server: &Server, restart: &Restart) -> Result<Option<ResumeBy>> {
    if has_binlog(conn, &restart.file).await? {
        return Ok(Some(ResumeBy::Position));
    }
    let gtids = MariaGtids::parse(restart.gtids.as_deref());
    if server.mariadb && gtids.text().is_some() && has_gtids(conn, &gtids).await? {
        return Ok(Some(ResumeBy::Gtids(gtids)));
    }
    let set = MySqlGtids::parse(restart.gtids.as_deref());
    if !server.mariadb && set.text().is_some() && has_mysql_gtids(conn, &set).await? {
        return Ok(Some(ResumeBy::MySqlGtids(set)));
    }
    Ok(None)
}

/// Where a binary log stream starts from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ResumeBy {
    /// The restart point's file and position.
    Position,
    /// MariaDB's GTID state: the transactions after it.
    Gtids(MariaGtids),
    /// MySQL's GTID set: the transactions not in it.
    MySqlGtids(MySqlGtids),
}

/// Whether a MySQL server with GTIDs on can send every transaction not in `set`: every
/// transaction it purged from its binary logs is in the set.
async fn has_mysql_gtids(conn: &mut Conn, set: &MySqlGtids) -> Result<bool> {
    let found: Option<(String, String)> = conn
        .query_first("SELECT @@gtid_mode, @@gtid_purged")
        .await
        .map_err(failed("reading the server's GTID mode"))?;
    Ok(found.is_some_and(|(mode, purged)| {
        mode.eq_ignore_ascii_case("ON") && set.contains(&MySqlGtids::parse(Some(&purged)))
    }))
}

/// Whether the server's binary logs still hold every transaction after MariaDB GTID state
/// `gtids`: its first log's `Gtid_list` (the state before that log) is at or before it in every
/// domain.
pub async fn has_gtids(conn: &mut Conn, gtids: &MariaGtids) -> Result<bool> {
    let files = rows(conn, "SHOW BINARY LOGS").await?;
    let Some(first) = files.into_iter().next().and_then(|mut row| row.take::<String, _>(0)) else {
        return Ok(false);
    };
    let events = rows(conn, &format!("SHOW BINLOG EVENTS IN {} LIMIT 4", literal(&first))).await?;
    let before_first = events.into_iter().find_map(|mut event| {
        let kind: Option<String> = event.take("Event_type");
        let info: Option<String> = event.take("Info");
        info.filter(|_| kind.as_deref() == Some("Gtid_list"))
    });
    Ok(before_first.is_some_and(|list| gtids.at_or_after(&MariaGtids::parse(Some(&list)))))
}

/// Whether the server still has binary log `file` (a purged one cannot be read from).
async fn has_binlog(conn: &mut Conn, file: &str) -> Result<bool> {
    let files = rows(conn, "SHOW BINARY LOGS").await?;
    Ok(files
        .into_iter()
        .any(|mut row| row.take::<String, _>(0).as_deref() == Some(file)))
}
