//! The databases of this machine (PostgreSQL, MariaDB) and a SQLite file, each with a source table
//! holding a column of every type the JDBC connectors support.

use kconnect_api::{ConfigMap, Value};
use kconnect_jdbc::driver::{self, ConnectionSettings, Driver, Statement};

/// A database under test: its URL and the SQL that makes the source table with every type.
pub struct Database {
    /// The connection URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
    create_source: &'static str,
    fill_source: &'static str,
}

/// PostgreSQL on 127.0.0.1:5432.
pub fn postgres() -> Database {
    Database {
        url: "jdbc:postgresql://127.0.0.1:5432/test?user=postgres".into(),
        _dir: None,
        create_source: "CREATE TABLE {t} (id BIGINT PRIMARY KEY, small SMALLINT, num INT, single REAL, dbl DOUBLE PRECISION, \
            amount NUMERIC(12,3), note TEXT, code VARCHAR(20), blob BYTEA, flag BOOLEAN, day DATE, at_time TIME, \
            at TIMESTAMP, at_zone TIMESTAMPTZ, doc JSONB, uid UUID)",
        fill_source: "INSERT INTO {t} SELECT i, (i % 300)::smallint, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000 END, i / 4.0, i / 3.0, \
            (i * 1.125 - 100)::numeric(12,3), 'note ' || i || ' ü', 'c' || i, decode(lpad(to_hex(i), 8, '0'), 'hex'), i % 2 = 0, \
            DATE '2020-01-01' + i::int, TIME '00:00:00' + (i || ' seconds')::interval, \
            TIMESTAMP '2024-01-01 00:00:00' + (i * 1001 || ' milliseconds')::interval, \
            TIMESTAMPTZ '2024-01-01 00:00:00+00' + (i || ' minutes')::interval, ('{\"n\": ' || i || '}')::jsonb, \
            ('00000000-0000-0000-0000-' || lpad(i::text, 12, '0'))::uuid FROM generate_series(1, {n}) AS i",
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
        fill_source: "INSERT INTO {t} SELECT seq, seq % 100, seq % 300, IF(seq % 7 = 0, NULL, seq * 1000), seq * 3, seq / 4, seq / 3, \
            seq * 1.125 - 100, CONCAT('note ', seq, ' ü'), CONCAT('c', seq), UNHEX(LPAD(HEX(seq), 8, '0')), seq % 2 = 0, \
            DATE_ADD('2020-01-01', INTERVAL seq DAY), SEC_TO_TIME(seq % 86400), \
            DATE_ADD('2024-01-01 00:00:00', INTERVAL seq * 1001000 MICROSECOND) FROM seq_1_to_{n}",
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
        fill_source: "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) \
            INSERT INTO {t} SELECT i, CASE WHEN i % 7 = 0 THEN NULL ELSE i * 1000 END, i / 3.0, printf('%.3f', i * 1.125 - 100), \
            'note ' || i || ' ü', randomblob(4), i % 2 = 0, date('2020-01-01', '+' || i || ' days'), \
            time(i, 'unixepoch'), strftime('%Y-%m-%d %H:%M:%f', 1704067200 + i * 1.001, 'unixepoch') FROM s",
    }
}

impl Database {
    /// A connection to the database.
    pub async fn driver(&self) -> Box<dyn Driver> {
        driver::connect(&ConnectionSettings {
            url: self.url.clone(),
            max_connections: 1,
            ..ConnectionSettings::default()
        })
        .await
        .unwrap()
    }

    /// Runs one statement, panicking with it on failure.
    pub async fn run(&self, driver: &dyn Driver, sql: &str) {
        driver
            .execute(&[Statement {
                sql: sql.to_string(),
                params: Vec::new(),
            }])
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
    }

    /// Drops and creates the source table `table` with a column of every type the database
    /// supports, filled with `rows` rows (ids 1 to `rows`).
    pub async fn source_table(&self, driver: &dyn Driver, table: &str, rows: usize) {
        self.run(driver, &format!("DROP TABLE IF EXISTS {table}")).await;
        self.run(driver, &self.create_source.replace("{t}", table)).await;
        let fill = self.fill_source.replace("{t}", table).replace("{n}", &rows.to_string());
        self.run(driver, &fill).await;
    }

    /// Every row of `table`, ordered by `id`, as the driver reads them.
    pub async fn rows(&self, driver: &dyn Driver, table: &str) -> Vec<Vec<Value>> {
        let quoted = driver.dialect().quote(table);
        driver
            .query(&format!("SELECT * FROM {quoted} ORDER BY id"), &[])
            .await
            .unwrap()
            .rows
    }

    /// How many rows `table` has; 0 when it does not exist yet.
    pub async fn count(&self, driver: &dyn Driver, table: &str) -> usize {
        let quoted = driver.dialect().quote(table);
        match driver.query(&format!("SELECT COUNT(*) FROM {quoted}"), &[]).await {
            Ok(result) => match result.rows.first().and_then(|row| row.first()) {
                Some(Value::Int64(n)) => *n as usize,
                Some(Value::Int32(n)) => *n as usize,
                _ => 0,
            },
            Err(_) => 0,
        }
    }

    pub fn config(&self, pairs: &[(&str, &str)]) -> ConfigMap {
        let mut config: ConfigMap = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        config.insert("connection.url".into(), self.url.clone());
        config
    }
}
