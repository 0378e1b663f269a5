//! Incremental snapshots through the signal table, as Debezium's: an `execute-snapshot` row makes
//! the connector read a MariaDB table again in chunks while changes keep streaming, and replaying
//! the topic gives the table as it is, whatever changed during the snapshot. A worker killed in the
//! middle goes on after the last committed chunk.

mod common;

use std::collections::BTreeMap;

use kconnect_test_kit::incremental_snapshot::{assert_caught_up, incremental_reads, kill_during_incremental};
use kconnect_test_kit::{TestWorker, mariadb_rows};

use common::{first_streamed, mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TOPIC: &str = "myincr.test.mysql_cdc_incr";
const ROWS: i64 = 30_000;

fn table() -> BTreeMap<i64, String> {
    mariadb_rows("SELECT id, payload FROM mysql_cdc_incr")
        .into_iter()
        .map(|row| (row[0].parse().unwrap(), row[1].clone()))
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incremental_snapshot_leaves_the_topic_equal_to_the_table() {
    mariadb(&format!(
        "DROP TABLE IF EXISTS mysql_cdc_incr, mysql_cdc_signal; \
         CREATE TABLE mysql_cdc_incr (id INT UNSIGNED PRIMARY KEY, payload VARCHAR(40) NOT NULL); \
         INSERT INTO mysql_cdc_incr SELECT seq, CONCAT('row ', seq) FROM seq_1_to_{ROWS}; \
         CREATE TABLE mysql_cdc_signal (id VARCHAR(64) PRIMARY KEY, type VARCHAR(32) NOT NULL, data VARCHAR(2048));"
    ));
    let connector = schemaless_connector(
        "myincr",
        5507,
        "test.mysql_cdc_incr",
        "snapshot.mode=no_data\nsignal.data.collection=test.mysql_cdc_signal\nincremental.snapshot.chunk.size=200\n",
    );
    let mut worker = TestWorker::start_with(false, "", &[&connector]).await;
    // Once the connector streams, a change arrives (and no initial snapshot comes).
    let streamed = first_streamed(
        &worker.bootstrap,
        TOPIC,
        "REPLACE INTO mysql_cdc_incr VALUES (0, 'streamed')",
    )
    .await;
    assert!(!streamed.is_empty(), "streaming\n{}", worker.process.log());
    assert_eq!(incremental_reads(&streamed), 0, "no initial snapshot");

    mariadb(
        "INSERT INTO mysql_cdc_signal VALUES ('ad-hoc-1', 'execute-snapshot', \
         '{\"data-collections\": [\"test.mysql_cdc_incr\"], \"type\": \"incremental\"}')",
    );
    kill_during_incremental(&mut worker, "myincr", TOPIC, ROWS as usize).await;

    worker.start_again().await;
    // Changes while the snapshot goes on: updates, deletes and inserts over the whole table.
    mariadb(&format!(
        "UPDATE mysql_cdc_incr SET payload = CONCAT('changed ', id) WHERE id % 97 = 0; \
         DELETE FROM mysql_cdc_incr WHERE id % 89 = 0; \
         INSERT INTO mysql_cdc_incr SELECT seq, CONCAT('late ', seq) FROM seq_{}_to_{}; \
         UPDATE mysql_cdc_incr SET payload = CONCAT('again ', id) WHERE id % 101 = 0;",
        ROWS + 1,
        ROWS + 50
    ));
    let wanted = table();
    assert_caught_up(
        &worker,
        (TOPIC, "payload"),
        "test.mysql_cdc_incr",
        ROWS as usize,
        &wanted,
    )
    .await;
}
