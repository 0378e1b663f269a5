//! Databases under test and helpers that run the connector tasks without Kafka.

#![allow(dead_code)]

use std::sync::Arc;

use kconnect_api::record::TimestampType;
use kconnect_api::{
    ConfigMap, OffsetMap, OffsetStorageReader, SinkRecord, SinkTask, SinkTaskContext, SourceConnector, SourceRecord,
    SourceTaskContext, Value,
};
use kconnect_jdbc::driver::{self, ConnectionSettings, Driver, Statement};
use kconnect_jdbc::{JdbcSinkConnector, JdbcSourceConnector};

pub const ROWS: i64 = 500;

/// A database under test: its URL and the SQL that makes the source table with every type.
pub struct Database {
    /// The connection URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    create_source: &'static str,
    fill_source: String,
}

/// PostgreSQL on 127.0.0.1:5432.
pub fn postgres() -> Database {
    Database {
        url: "jdbc:postgresql://127.0.0.1:5432/test?user=postgres".into(),
        _dir: None,
        create_source: "CREATE TABLE {t} (id BIGINT PRIMARY KEY, small SMALLINT, num INT, single REAL, dbl DOUBLE PRECISION, \
            amount NUMERIC(12,3), note TEXT, code VARCHAR(20), blob BYTEA, flag BOOLEAN, day DATE, at_time TIME, \
            at TIMESTAMP, at_zone TIMESTAMPTZ, doc JSONB, uid UUID)",
        fill_source: format!(
            "INSERT INTO {{t}} SELECT i, (i % 300)::smallint, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000 END, i / 4.0, i / 3.0, \
            (i * 1.125 - 100)::numeric(12,3), 'note ' || i || ' ü', 'c' || i, decode(lpad(to_hex(i), 8, '0'), 'hex'), i % 2 = 0, \
            DATE '2020-01-01' + i::int, TIME '00:00:00' + (i || ' seconds')::interval, \
            TIMESTAMP '2024-01-01 00:00:00' + (i * 1001 || ' milliseconds')::interval, \
            TIMESTAMPTZ '2024-01-01 00:00:00+00' + (i || ' minutes')::interval, ('{{\"n\": ' || i || '}}')::jsonb, \
            ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid FROM generate_series(1, {ROWS}) AS i"
        ),
    }
}

/// MariaDB on 127.0.0.1:3306.
pub fn mariadb() -> Database {
    Database {
        url: "jdbc:mariadb://root@127.0.0.1:3306/test".into(),
        _dir: None,
        create_source: "CREATE TABLE {t} (id BIGINT PRIMARY KEY, tiny TINYINT, small SMALLINT, num INT, unum INT UNSIGNED, \
            single FLOAT, dbl DOUBLE, amount DECIMAL(12,3), note TEXT, code VARCHAR(20), blob_col BLOB, flag BOOLEAN, \
            day DATE, at_time TIME(3), at DATETIME(3))",
        fill_source: format!(
            "INSERT INTO {{t}} SELECT seq, seq % 100, seq % 300, IF(seq % 7 = 0, NULL, seq * 1000), seq * 3, seq / 4, seq / 3, \
            seq * 1.125 - 100, CONCAT('note ', seq, ' ü'), CONCAT('c', seq), UNHEX(LPAD(HEX(seq), 8, '0')), seq % 2 = 0, \
            DATE_ADD('2020-01-01', INTERVAL seq DAY), SEC_TO_TIME(seq), \
            DATE_ADD('2024-01-01 00:00:00', INTERVAL seq * 1001000 MICROSECOND) FROM seq_1_to_{ROWS}"
        ),
    }
}

/// A SQLite file in a temporary directory.
pub fn sqlite() -> Database {
    let dir = tempfile::tempdir().unwrap();
    Database {
        url: format!("jdbc:sqlite:{}", dir.path().join("test.db").display()),
        _dir: Some(dir),
        create_source: "CREATE TABLE {t} (id INTEGER PRIMARY KEY, num INT, dbl REAL, amount DECIMAL(12,3), note TEXT, \
            blob BLOB, flag BOOLEAN, day DATE, at_time TIME, at DATETIME)",
        fill_source: format!(
            "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {ROWS}) \
            INSERT INTO {{t}} SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000 END, i / 3.0, printf('%.3f', i * 1.125 - 100), \
            'note ' || i || ' ü', randomblob(4), i % 2 = 0, date('2020-01-01', '+' || i || ' days'), \
            time(i, 'unixepoch'), strftime('%Y-%m-%d %H:%M:%f', 1704067200 + i * 1.001, 'unixepoch') FROM s"
        ),
    }
}

impl Database {
    pub async fn driver(&self) -> Box<dyn Driver> {
        driver::connect(&ConnectionSettings {
            url: self.url.clone(),
            max_connections: 1,
            ..ConnectionSettings::default()
        })
        .await
        .unwrap()
    }

    pub async fn run(&self, driver: &dyn Driver, sql: &str) {
        driver
            .execute(&[Statement {
                sql: sql.to_string(),
                params: Vec::new(),
            }])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Drops and creates the source table `table`, filled with `ROWS` rows.
    pub async fn source_table(&self, driver: &dyn Driver, table: &str) {
        self.run(driver, &format!("DROP TABLE IF EXISTS {table}")).await;
        self.run(driver, &self.create_source.replace("{t}", table)).await;
        self.run(driver, &self.fill_source.replace("{t}", table)).await;
    }

    pub fn config(&self, pairs: &[(&str, &str)]) -> ConfigMap {
        let mut config: ConfigMap = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        config.insert("connection.url".into(), self.url.clone());
        config
    }
}

pub struct Offsets(pub Option<OffsetMap>);

impl OffsetStorageReader for Offsets {
    fn offset(&self, _partition: &OffsetMap) -> Option<OffsetMap> {
        self.0.clone()
    }
}

/// Reads every new row of `table` with a source task in incrementing mode, resuming after
/// `committed`.
pub async fn read_table(db: &Database, table: &str, committed: Option<OffsetMap>) -> Vec<SourceRecord> {
    let connector = JdbcSourceConnector::default();
    let mut task = connector.create_task();
    let configs = db.config(&[
        ("mode", "incrementing"),
        ("incrementing.column.name", "id"),
        ("topic.prefix", "db-"),
        ("batch.max.rows", "200"),
        ("poll.interval.ms", "10"),
        ("tables", table),
    ]);
    task.start(SourceTaskContext {
        configs,
        offset_reader: Arc::new(Offsets(committed)),
    })
    .await
    .unwrap();
    let mut records = Vec::new();
    loop {
        let batch = task.poll().await.unwrap();
        if batch.is_empty() {
            break;
        }
        records.extend(batch);
    }
    task.stop().await.unwrap();
    records
}

pub fn as_sink_records(records: &[SourceRecord], topic: &str) -> Vec<SinkRecord> {
    records
        .iter()
        .enumerate()
        .map(|(offset, record)| {
            let mut core = record.core.clone();
            core.topic = topic.to_string();
            SinkRecord::new(core, 0, offset as i64, TimestampType::CreateTime)
        })
        .collect()
}

pub async fn start_sink(db: &Database, pairs: &[(&str, &str)]) -> (Box<dyn SinkTask>, SinkTaskContext) {
    let mut task = kconnect_api::SinkConnector::create_task(&JdbcSinkConnector::default());
    let context = SinkTaskContext::new(db.config(pairs));
    task.start(context.clone()).await.unwrap();
    (task, context)
}

pub async fn rows(driver: &dyn Driver, table: &str) -> Vec<Vec<Value>> {
    let quoted = driver.dialect().quote(table);
    driver
        .query(&format!("SELECT * FROM {quoted} ORDER BY id"), &[])
        .await
        .unwrap()
        .rows
}
