//! The MySQL CDC connector passes the connector compliance harness against the machine's MariaDB:
//! rows inserted into a captured table arrive once each, in order, keyed by their primary key,
//! through graceful restarts and a SIGKILL, with Debezium's unwrap turning each change event into
//! its row.

mod common;

use std::ops::Range;

use kconnect_test_kit::cdc::{compliance_case, compliance_row};
use kconnect_test_kit::compliance::{Expected, SourceSystem, check_source};

use common::mariadb;

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TABLE: &str = "compliance_mysql_cdc";

/// The captured table, one row per record (id = number + 1).
struct CapturedTable;

impl SourceSystem for CapturedTable {
    async fn write(&mut self, numbers: Range<usize>) {
        let rows: Vec<String> = numbers.map(|n| format!("({}, 'row-{n}')", n + 1)).collect();
        mariadb(&format!("INSERT INTO {TABLE} (id, name) VALUES {}", rows.join(", ")));
    }

    fn expected(&self, number: usize) -> Expected {
        compliance_row(number)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cdc_source_passes() {
    mariadb(&format!(
        "DROP TABLE IF EXISTS {TABLE}; CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name VARCHAR(40))"
    ));
    let table = format!("test.{TABLE}");
    let config = [
        ("connector.class", "io.debezium.connector.mysql.MySqlConnector"),
        ("database.hostname", "127.0.0.1"),
        ("database.user", "root"),
        ("database.server.id", "5503"),
        ("topic.prefix", "compliance"),
        ("table.include.list", &table),
        // The harness counts the records of one topic: the schema change events go elsewhere.
        ("include.schema.changes", "false"),
    ];
    let case = compliance_case("mysql-cdc", &config, format!("compliance.test.{TABLE}"));
    check_source(case, &mut CapturedTable).await.assert_passed();
}
