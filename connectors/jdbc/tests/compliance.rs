//! The JDBC source and sink pass the connector compliance harness on PostgreSQL, MariaDB and
//! SQLite.

use std::ops::Range;

use kconnect_jdbc::driver::Driver;
use kconnect_test_kit::compliance::{
    DEFAULT_ARRIVAL, Expected, SinkCase, SinkSystem, SourceCase, SourceSystem, Validation, check_sink, check_source,
};
use kconnect_test_kit::databases::{Database, mariadb, postgres, sqlite};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_jdbc::plugins());

const BATCH: usize = 40;

/// The name of row `number`.
fn name(number: usize) -> String {
    format!("row-{number}")
}

/// A table the JDBC source reads, one row per record (id = number + 1).
struct SourceTable {
    db: Database,
    driver: Box<dyn Driver>,
    table: String,
}

impl SourceTable {
    async fn new(db: Database, table: &str) -> Self {
        let driver = db.driver().await;
        db.run(driver.as_ref(), &format!("DROP TABLE IF EXISTS {table}")).await;
        db.run(
            driver.as_ref(),
            &format!("CREATE TABLE {table} (id BIGINT PRIMARY KEY, name VARCHAR(40))"),
        )
        .await;
        Self {
            db,
            driver,
            table: table.to_string(),
        }
    }
}

impl SourceSystem for SourceTable {
    async fn write(&mut self, numbers: Range<usize>) {
        let rows: Vec<String> = numbers.map(|n| format!("({}, '{}')", n + 1, name(n))).collect();
        let sql = format!("INSERT INTO {} (id, name) VALUES {}", self.table, rows.join(", "));
        self.db.run(self.driver.as_ref(), &sql).await;
    }

    fn expected(&self, number: usize) -> Expected {
        Expected {
            key: None,
            value: format!(r#"{{"id":{},"name":"{}"}}"#, number + 1, name(number)),
            headers: Vec::new(),
        }
    }
}

/// A table the JDBC sink writes, read back ordered by id.
struct SinkTable {
    db: Database,
    driver: Box<dyn Driver>,
    table: String,
}

impl SinkTable {
    async fn new(db: Database, table: &str) -> Self {
        let driver = db.driver().await;
        db.run(driver.as_ref(), &format!("DROP TABLE IF EXISTS {table}")).await;
        Self {
            db,
            driver,
            table: table.to_string(),
        }
    }

    fn envelope(id: usize, name: &str) -> String {
        serde_json::json!({
            "schema": {"type": "struct", "fields": [
                {"field": "id", "type": "int64", "optional": false},
                {"field": "name", "type": "string", "optional": true}
            ]},
            "payload": {"id": id, "name": name}
        })
        .to_string()
    }
}

impl SinkSystem for SinkTable {
    fn record(&self, number: usize) -> String {
        Self::envelope(number + 1, &name(number))
    }

    fn entry(&self, number: usize) -> String {
        format!("{}:{}", number + 1, name(number))
    }

    /// Record 0's key again: the database refuses the duplicate primary key.
    fn rejected(&self) -> Option<String> {
        Some(Self::envelope(1, "duplicate"))
    }

    async fn read(&mut self) -> Vec<String> {
        if self.db.count(self.driver.as_ref(), &self.table).await == 0 {
            return Vec::new();
        }
        let rows = self.db.rows(self.driver.as_ref(), &self.table).await;
        rows.iter()
            .map(|row| row.iter().map(ToString::to_string).collect::<Vec<_>>().join(":"))
            .collect()
    }
}

async fn source_passes(db: Database, label: &str) {
    let table = "compliance_source";
    let connector = db.config(&[
        ("connector.class", "io.confluent.connect.jdbc.JdbcSourceConnector"),
        ("mode", "incrementing"),
        ("incrementing.column.name", "id"),
        ("table.whitelist", table),
        ("topic.prefix", "jdbc-"),
        ("poll.interval.ms", "200"),
    ]);
    let case = SourceCase {
        name: format!("jdbc-source-{label}"),
        config: connector,
        topic: format!("jdbc-{table}"),
        partitions: 1,
        validation: Validation {
            required: "connection.url",
            typed: "poll.interval.ms",
            one_of: Some("mode"),
        },
        batch: BATCH,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    let mut system = SourceTable::new(db, table).await;
    check_source(case, &mut system).await.assert_passed();
}

async fn sink_passes(db: Database, label: &str) {
    let table = "compliance_sink";
    let connector = db.config(&[
        ("connector.class", "JdbcSink"),
        ("table.name.format", table),
        ("auto.create", "true"),
        ("insert.mode", "insert"),
        ("pk.mode", "record_value"),
        ("pk.fields", "id"),
        ("value.converter", "org.apache.kafka.connect.json.JsonConverter"),
        ("value.converter.schemas.enable", "true"),
    ]);
    let case = SinkCase {
        name: format!("jdbc-sink-{label}"),
        config: connector,
        topic: "jdbc-rows".into(),
        validation: Validation {
            required: "connection.url",
            typed: "batch.size",
            one_of: Some("insert.mode"),
        },
        batch: BATCH,
        arrival: DEFAULT_ARRIVAL,
        worker: String::new(),
    };
    let mut system = SinkTable::new(db, table).await;
    check_sink(case, &mut system).await.assert_passed();
}

#[tokio::test(flavor = "multi_thread")]
async fn the_source_passes_the_harness_on_postgres() {
    source_passes(postgres(), "postgres").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_source_passes_the_harness_on_mariadb() {
    source_passes(mariadb(), "mariadb").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_source_passes_the_harness_on_sqlite() {
    source_passes(sqlite(), "sqlite").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sink_passes_the_harness_on_postgres() {
    sink_passes(postgres(), "postgres").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sink_passes_the_harness_on_mariadb() {
    sink_passes(mariadb(), "mariadb").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn the_sink_passes_the_harness_on_sqlite() {
    sink_passes(sqlite(), "sqlite").await;
}
