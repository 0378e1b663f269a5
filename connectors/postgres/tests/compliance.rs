//! The PostgreSQL CDC connector passes the connector compliance harness: rows inserted into a
//! captured table arrive once each, in order, keyed by their primary key, through graceful
//! restarts and a SIGKILL, with Debezium's unwrap turning each change event into its row.

mod common;

use std::ops::Range;

use kconnect_api::ConfigMap;
use kconnect_test_kit::compliance::{DEFAULT_ARRIVAL, Expected, SourceCase, SourceSystem, Validation, check_source};

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
        let id = number + 1;
        Expected {
            key: Some(format!(r#"{{"id":{id}}}"#)),
            value: format!(r#"{{"id":{id},"name":"row-{number}"}}"#),
            headers: Vec::new(),
        }
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
    let config: ConfigMap = [
        ("connector.class", "io.debezium.connector.postgresql.PostgresConnector"),
        ("database.hostname", "127.0.0.1"),
        ("database.user", "postgres"),
        ("database.dbname", "test"),
        ("topic.prefix", "compliance"),
        ("slot.name", SLOT),
        ("publication.name", SLOT),
        ("publication.autocreate.mode", "filtered"),
        ("table.include.list", "public.compliance_cdc"),
        ("transforms", "unwrap"),
        ("transforms.unwrap.type", "io.debezium.transforms.ExtractNewRecordState"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v.to_string()))
    .collect();
    let case = SourceCase {
        name: "postgres-cdc".into(),
        config,
        topic: format!("compliance.public.{TABLE}"),
        partitions: 1,
        validation: Validation {
            required: "database.hostname",
            typed: "database.port",
            one_of: Some("snapshot.mode"),
        },
        batch: 40,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    check_source(case, &mut CapturedTable).await.assert_passed();
    drop_slots(&[SLOT], &[SLOT]).await;
}
