//! The PostgreSQL CDC connector passes the connector compliance harness: rows inserted into a
//! captured table arrive once each, in order, keyed by their primary key, through graceful
//! restarts and a SIGKILL, with Debezium's unwrap turning each change event into its row.

mod common;

use std::ops::Range;

use kconnect_test_kit::cdc::{compliance_case, compliance_row};
use kconnect_test_kit::compliance::{Expected, SourceSystem, check_source};

use common::{drop_slots, sql};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_postgres::plugins());

const TABLE: &str = "compliance_cdc";
const SLOT: &str = "kconnect_compliance";

/// The captured table, one row per record (id = number + 1).
struct CapturedTable;

impl SourceSystem for CapturedTable {
    async fn write(&mut self, numbers: Range<usize>) {
        let rows: Vec<String> = numbers.map(|n| format!("({}, 'row-{n}')", n + 1)).collect();
        sql(&[&format!("INSERT INTO {TABLE} (id, name) VALUES {}", rows.join(", "))]).await;
    }

    fn expected(&self, number: usize) -> Expected {
        compliance_row(number)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_cdc_source_passes() {
    drop_slots(&[SLOT], &[SLOT]).await;
    sql(&[
        &format!("DROP TABLE IF EXISTS {TABLE}"),
        &format!("CREATE TABLE {TABLE} (id BIGINT PRIMARY KEY, name TEXT)"),
    ])
    .await;
    let config = [
        ("connector.class", "io.debezium.connector.postgresql.PostgresConnector"),
        ("database.hostname", "127.0.0.1"),
        ("database.user", "postgres"),
        ("database.dbname", "test"),
        ("topic.prefix", "compliance"),
        ("slot.name", SLOT),
        ("publication.name", SLOT),
        ("publication.autocreate.mode", "filtered"),
        ("table.include.list", "public.compliance_cdc"),
    ];
    let case = compliance_case("postgres-cdc", &config, format!("compliance.public.{TABLE}"));
    check_source(case, &mut CapturedTable).await.assert_passed();
    drop_slots(&[SLOT], &[SLOT]).await;
}
