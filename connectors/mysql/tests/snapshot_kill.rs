//! A worker killed in the middle of a snapshot resumes it: started again, the connector reads
//! only the rows after the last chunk whose offset was committed, then streams from the binary log
//! position the first snapshot began at, so every row arrives, no committed row arrives twice, and
//! the changes made while the worker was down arrive too. A table without a primary key is read
//! again whole. Two readers share the tables (`snapshot.max.threads=2`).

mod common;

use kconnect_test_kit::TestWorker;
use kconnect_test_kit::cdc::{assert_snapshot_resumed, assert_whole_table, kill_during_snapshot};

use common::{mariadb, schemaless_connector};

kconnect_test_kit::worker_entry!(kconnect::run, kconnect_mysql::plugins());

const TOPIC: &str = "mysnapkill.test.mysql_cdc_big";
const KEYLESS_TOPIC: &str = "mysnapkill.test.mysql_cdc_keyless";
const ROWS: i64 = 100_000;
const KEYLESS_ROWS: i64 = 3_000;

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_during_the_snapshot_resumes_after_the_last_committed_chunk() {
    mariadb(&format!(
        "DROP TABLE IF EXISTS mysql_cdc_big, mysql_cdc_keyless; \
         CREATE TABLE mysql_cdc_big (id INT PRIMARY KEY, payload VARCHAR(40)); \
         INSERT INTO mysql_cdc_big SELECT seq, CONCAT('row ', seq) FROM seq_1_to_{ROWS}; \
         CREATE TABLE mysql_cdc_keyless (id INT, payload VARCHAR(40)); \
         INSERT INTO mysql_cdc_keyless SELECT seq, CONCAT('row ', seq) FROM seq_1_to_{KEYLESS_ROWS};"
    ));
    let connector = schemaless_connector(
        "mysnapkill",
        5504,
        "test.mysql_cdc_big,test.mysql_cdc_keyless",
        "snapshot.fetch.size=1000\nsnapshot.max.threads=2\n",
    );
    let mut worker = TestWorker::start_with(false, "offset.flush.interval.ms=200\n", &[&connector]).await;
    let (committed, partial) =
        kill_during_snapshot(&mut worker, "mysnapkill", "test.mysql_cdc_big", TOPIC, ROWS as usize).await;
    mariadb(&format!(
        "INSERT INTO mysql_cdc_big SELECT seq, CONCAT('late ', seq) FROM seq_{}_to_{}; \
         UPDATE mysql_cdc_big SET payload = 'changed' WHERE id = 1;",
        ROWS + 1,
        ROWS + 10
    ));
    worker.start_again().await;
    assert_snapshot_resumed(&worker, TOPIC, ROWS, partial.len(), committed).await;
    assert_whole_table(&worker, KEYLESS_TOPIC, KEYLESS_ROWS).await;
}
